"""Coordination's pages, one module of views per concept (``views/<concept>.py`` each lists
its own ``urlpatterns``)."""

from django.urls import URLPattern, URLResolver

from coproduce.coordination.views import (
    caseloads,
    groups,
    introductions,
    matching,
    plans,
    pools,
    referrals,
)

app_name = "coordination"
urlpatterns: list[URLPattern | URLResolver] = [
    *caseloads.urlpatterns,
    *plans.urlpatterns,
    *introductions.urlpatterns,
    *matching.urlpatterns,
    *groups.urlpatterns,
    *pools.urlpatterns,
    *referrals.urlpatterns,
]
