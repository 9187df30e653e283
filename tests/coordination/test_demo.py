"""The demo's coordination: full caseloads and a year of coordinators' work."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from coproduce.coordination import demo
from coproduce.coordination.models import Plan


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_gives_coordinators_caseloads_once() -> None:
    from coproduce.directory import demo as directory_demo
    from coproduce.people import demo as people_demo

    people_demo.load(stdout=io.StringIO(), people=40)
    directory_demo.load(stdout=io.StringIO())
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
    # a year of introductions at every stage, to people, groups and places; follow-ups due
    from coproduce.coordination.models import Introduction

    statuses = set(Introduction.objects.values_list("status", flat=True))
    assert {"proposed", "met", "ongoing", "didnt_work_out"} <= statuses
    assert {"person", "asset"} <= set(Introduction.objects.values_list("target_kind", flat=True))
    assert Introduction.objects.filter(follow_up_on__lt=timezone.localdate()).exists()
    assert "group" in set(Introduction.objects.values_list("target_kind", flat=True))
    oldest = Introduction.objects.order_by("created_at").first()
    assert oldest is not None and (timezone.now() - oldest.created_at).days > 90
    demo.load(stdout=out)
    assert Plan.objects.count() == plans
    assert out.getvalue().endswith("Coordination: already loaded.\n")
