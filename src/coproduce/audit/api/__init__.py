"""The audit's API: one router per concept, the same services as the pages."""

from ninja import Router

from coproduce.audit.api import actions, answering, instruments, results, rounds

router = Router(tags=["audit"])
for _module in (rounds, answering, results, actions, instruments):
    router.add_router("", _module.router)
