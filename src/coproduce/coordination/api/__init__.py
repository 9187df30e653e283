"""Coordination's API: one router per concept, the same services as the pages."""

from ninja import Router

from coproduce.coordination.api import (
    caseloads,
    groups,
    introductions,
    matching,
    plans,
    pools,
    referrals,
)

router = Router(tags=["coordination"])
for _module in (caseloads, plans, introductions, matching, groups, pools, referrals):
    router.add_router("", _module.router)
