from django.contrib import admin
from django.urls import include, path

from coproduce.api.urls import api
from coproduce.people.urls import account_urlpatterns

urlpatterns = [
    path("", include("coproduce.web.urls")),
    path("", include("coproduce.people.urls")),
    path("account/", include(account_urlpatterns)),
    path("notifications/", include("coproduce.notifications.urls")),
    path("timebank/", include("coproduce.timebank.urls")),
    path("directory/", include("coproduce.directory.urls")),
    path("coordination/", include("coproduce.coordination.urls")),
    path("audit/", include("coproduce.audit.urls")),
    path("impact/", include("coproduce.impact.urls")),
    path("budgeting/", include("coproduce.budgeting.urls")),
    path("openreferral/", include("coproduce.directory.openreferral_urls")),
    path("api/v1/", api.urls),
    path("operator/", admin.site.urls),
]

handler404 = "coproduce.web.views.page_not_found"
handler403 = "coproduce.web.views.permission_denied"
handler500 = "coproduce.web.views.server_error"
