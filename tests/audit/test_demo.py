from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.utils import timezone

from coproduce.audit import demo, scoring
from coproduce.audit.models import Action, Barrier, Respondent, Round
from coproduce.audit.selectors.results import round_responses
from coproduce.audit.selectors.rounds import round_instrument, round_is_open
from coproduce.people import demo as people_demo


def _result(round_: Round) -> scoring.Result:
    return scoring.score(
        round_instrument(round_), round_responses(round_), threshold=round_.threshold
    )


def test_demo_loads_two_closed_rounds_a_year_apart_with_a_plan_and_is_idempotent(
    db: Any,
) -> None:
    people_demo.load(stdout=io.StringIO(), people=60)
    out = io.StringIO()
    demo.load(stdout=out)
    assert "two completed rounds" in out.getvalue()
    assert "open now" in out.getvalue()
    last, this = Round.objects.filter(service=demo.SERVICE).order_by("closes_on")
    assert this.closes_on - last.closes_on == timedelta(days=365)
    assert not round_is_open(last) and not round_is_open(this)
    assert this.closes_on < timezone.localdate()
    for round_ in (last, this):
        staff = round_.respondents.filter(group="staff", submitted_at__isnull=False).count()
        members = round_.respondents.filter(group="member", submitted_at__isnull=False).count()
        assert staff >= 8 and members >= 12
        result = _result(round_)
        peer = next(row for row in result.sections if row.code == "peer_support")
        assert peer.gap is not None and peer.gap > 0  # staff rate it higher than members
    # The gap on peer support narrows after the first action plan.
    gaps = [
        next(row for row in _result(r).sections if row.code == "peer_support").gap
        for r in (last, this)
    ]
    assert gaps[1] < gaps[0]
    statuses = set(Action.objects.filter(round=this).values_list("status", flat=True))
    assert {"open", "doing"} <= statuses
    assert set(Action.objects.filter(round=last).values_list("status", flat=True)) >= {"done"}
    assert Barrier.objects.filter(round=this).count() == len(demo.BARRIERS)
    counts = (Round.objects.count(), Respondent.objects.count(), Action.objects.count())
    again = io.StringIO()
    demo.load(stdout=again)
    assert again.getvalue() == "Audit: already loaded.\n"
    assert (Round.objects.count(), Respondent.objects.count(), Action.objects.count()) == counts


def test_demo_has_a_round_open_now_waiting_for_the_member_and_staff_logins(db: Any) -> None:
    people_demo.load(stdout=io.StringIO(), people=60)
    demo.load(stdout=io.StringIO())
    open_round = Round.objects.get(service=demo.OPEN_SERVICE)
    assert round_is_open(open_round)
    for email in ("member@example.org", "staff@example.org"):
        mine = open_round.respondents.get(person=people_demo.person(email))
        assert mine.started_at is None and mine.submitted_at is None
    coordinator = open_round.respondents.get(person=people_demo.person("coordinator@example.org"))
    assert coordinator.started_at is not None and coordinator.submitted_at is None
    sent = open_round.respondents.filter(submitted_at__isnull=False)
    assert sent.filter(source="paper").count() == sum(demo.OPEN_PAPER.values())
    assert sent.filter(source="link").count() == 1
    invited_members = open_round.respondents.filter(source="login", group="member")
    assert invited_members.count() == demo.OPEN_INVITED_MEMBERS + 1  # and the member login
