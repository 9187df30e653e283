"""The demo's coordination: full caseloads and a year of coordinators' work."""

from __future__ import annotations

import io

import pytest

from coproduce.coordination import demo
from coproduce.coordination.models import Plan


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_gives_coordinators_caseloads_once() -> None:
    from coproduce.people import demo as people_demo

    people_demo.load(stdout=io.StringIO(), people=40)
    out = io.StringIO()
    demo.load(stdout=out)
    plans = Plan.objects.count()
    assert plans >= 30
    coordinators = set(Plan.objects.values_list("coordinator__person__full_name", flat=True))
    assert {"Colin Reyes", "Lena Ward", "Tomasz Byrne"} <= coordinators
    # Mo, the demo member, can read his own plan
    assert Plan.objects.filter(membership__person__user__email="member@example.org").exists()
    # some reviews are overdue and the history runs back months
    assert Plan.objects.filter(reviews__isnull=False).exists()
    demo.load(stdout=out)
    assert Plan.objects.count() == plans
    assert out.getvalue().endswith("Coordination: already loaded.\n")
