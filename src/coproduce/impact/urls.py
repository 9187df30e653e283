"""Impact's pages, one module of views per concept (``views/<concept>.py`` each lists its own
``urlpatterns``)."""

from django.urls import URLPattern, URLResolver

from coproduce.impact.views import costs, home, indicators, reports, value_maps, wellbeing

app_name = "impact"
urlpatterns: list[URLPattern | URLResolver] = [
    *home.urlpatterns,
    *indicators.urlpatterns,
    *wellbeing.urlpatterns,
    *costs.urlpatterns,
    *value_maps.urlpatterns,
    *reports.urlpatterns,
]
