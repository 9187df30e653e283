"""The audit's pages, one module of views per concept (``views/<concept>.py`` each lists its own
``urlpatterns``)."""

from django.urls import URLPattern, URLResolver

from coproduce.audit.views import actions, answering, instruments, results, rounds

app_name = "audit"
urlpatterns: list[URLPattern | URLResolver] = [
    *rounds.urlpatterns,
    *answering.urlpatterns,
    *results.urlpatterns,
    *actions.urlpatterns,
    *instruments.urlpatterns,
]
