"""Impact's API: one router per concept, the same services and selectors as the pages."""

from ninja import Router

from coproduce.impact.api import costs, indicators, measures, reports, value_maps, wellbeing

router = Router(tags=["impact"])
for _module in (indicators, wellbeing, costs, value_maps, measures, reports):
    router.add_router("", _module.router)
