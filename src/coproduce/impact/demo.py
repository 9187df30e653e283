"""The demo's impact figures for the Holy Cross day service: outcome indicators that members
proposed and agreed (a crisis that did not end in A&E, nights not spent on a mental-health
ward, moving into paid work, tenancies kept — shared between housing and social care by
stated shares — and friendships made, which is not valued in money), a year of monthly
outcome records entered by staff and verified by the coordinator, ONS4 wellbeing answers a
year apart from twenty members, an SROI value map like the report's examples, an
illustrative deflator series (not HM Treasury's), and a finished evaluation report of the
last twelve months for the commissioner to read.

Loading twice changes nothing (an indicator of the day service is the marker)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from coproduce.audit.demo import SERVICE
from coproduce.impact.models import Agency, OutcomeIndicator, SplitRule, UnitCost
from coproduce.impact.services import costs, outcomes, reports, value_maps, wellbeing
from coproduce.impact.services.costs import starter_costs_load
from coproduce.impact.tasks import report_build
from coproduce.people.demo import HOME, organisation, person
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer, viewer_for

B = outcomes.BenefitInput

# name, proposer, unit cost code (None: not valued in money), split rule, grade,
# budget holders, monthly quantity range, unit, description, how measured, who it concerns
INDICATORS = [
    (
        "A crisis that did not end in A&E",
        "member@example.org",
        "HE4.0",
        SplitRule.EQUAL,
        3,
        [B(Agency.NHS)],
        (2, 6),
        "A&E attendance avoided",
        "When things got bad, I came here or rang my peer supporter instead of ending up in A&E.",
        "Each month the crisis-plan reviews count the crises handled through the centre that "
        "the person says would otherwise have meant A&E; checked against the crisis log.",
        "Members with a crisis plan",
    ),
    (
        "Nights not spent on a mental-health ward",
        "staff@example.org",
        "HE14.0.1",
        SplitRule.EQUAL,
        4,
        [B(Agency.NHS)],
        (3, 9),
        "bed day",
        "Staying at home with support around me instead of going into hospital.",
        "Bed days avoided, agreed at the monthly review with the community mental-health team.",
        "Members known to the community mental-health team",
    ),
    (
        "Moving into paid work",
        "member@example.org",
        "E&E1.0",
        SplitRule.EQUAL,
        4,
        [B(Agency.DWP, cashable=True)],
        (0, 2),
        "person entering work",
        "Getting a job — even a few hours — after years out of work.",
        "People who started paid work this month and had been claiming out-of-work benefits; "
        "a payslip or the employer's letter is seen.",
        "Members who were out of work",
    ),
    (
        "Keeping my tenancy",
        "coordinator@example.org",
        "HO1.0",
        SplitRule.STATED,
        5,
        [
            B(Agency.HOUSING, share_percent=Decimal(60), cashable=True),
            B(Agency.SOCIAL_CARE, share_percent=Decimal(40)),
        ],
        (0, 2),
        "eviction avoided",
        "Not losing my flat when I got behind — the centre helped me sort it out with the "
        "housing office.",
        "Tenancies at risk (a notice served or arrears over eight weeks) that were kept, "
        "confirmed by the landlord.",
        "Members whose tenancy was at risk",
    ),
    (
        "Friendships made through the time bank",
        "member@example.org",
        None,
        SplitRule.EQUAL,
        3,
        [B(Agency.SOCIAL_CARE)],
        (3, 8),
        "new friendship",
        "Having someone to ring, and people who ring me.",
        "Members who say at their review that they have made a friend through the time bank "
        "and see them outside the centre.",
        "All members",
    ),
]
# Proposed by a member and not yet agreed: shows the agreement step.
PROPOSED = (
    "Feeling able to cope at weekends",
    "The weekends are the hardest. I want to know I can get through them.",
    "Asked at each review: did you feel able to cope last weekend (yes / no)?",
    "person",
    "Members who are on their own at weekends",
)
# The agreeing people: members and staff other than the proposer.
AGREERS = ("member@example.org", "staff@example.org", "coordinator@example.org")

VALUE_MAP_ROWS = [
    # stakeholder, outcome, indicator, quantity, proxy (£), source, dw, disp, attr, drop, years
    (
        "Members",
        "Fewer crises ending in A&E",
        "A&E attendances avoided in the year",
        "48",
        "109",
        "GMCA Unit Cost Database v1.4 HE4.0, A&E attendance (2011/12 prices)",
        "25",
        "0",
        "20",
        "20",
        "2",
    ),
    (
        "Members",
        "Moving into paid work",
        "People entering work from out-of-work benefits",
        "6",
        "9000",
        "Demo figure, illustrative: put the organisation's chosen proxy and its source here",
        "40",
        "10",
        "30",
        "50",
        "2",
    ),
    (
        "Members",
        "Friendships and feeling part of things",
        "Members who say they have made a friend through the time bank",
        "60",
        "600",
        "Demo figure, illustrative: put the organisation's chosen proxy and its source here",
        "30",
        "0",
        "25",
        "30",
        "3",
    ),
    (
        "Families and neighbours",
        "Less time spent caring in a crisis",
        "Carers' days of crisis care avoided",
        "90",
        "75",
        "Demo figure, illustrative: put the organisation's chosen proxy and its source here",
        "30",
        "0",
        "40",
        "50",
        "1",
    ),
]
VALUE_MAP_COLUMNS = (
    "stakeholder,outcome,indicator,quantity,financial_proxy,proxy_source,deadweight,"
    "displacement,attribution,drop_off,duration"
)
WELLBEING_PEOPLE = 20
# The demo organisation's deflator series, so that costs of different price years re-base to
# one. ILLUSTRATIVE ONLY — not HM Treasury's figures: a real organisation imports the release
# it works to (docs/impact.md).
DEMO_DEFLATORS = [
    ("2009/10", "80.0"),
    ("2010/11", "81.3"),
    ("2011/12", "82.6"),
    ("2012/13", "83.9"),
    ("2013/14", "85.3"),
    ("2014/15", "86.4"),
    ("2015/16", "86.9"),
    ("2016/17", "88.6"),
    ("2017/18", "90.2"),
    ("2018/19", "92.0"),
    ("2019/20", "94.0"),
    ("2020/21", "99.0"),
    ("2021/22", "99.5"),
    ("2022/23", "105.0"),
    ("2023/24", "111.0"),
    ("2024/25", "114.5"),
    ("2025/26", "117.5"),
]
DEMO_PRICE_YEAR = "2025/26"


def _viewer(email: str) -> Viewer:
    user = person(email).user
    assert user is not None
    return viewer_for(user)


def _csv() -> str:
    lines = [VALUE_MAP_COLUMNS]
    for row in VALUE_MAP_ROWS:
        lines.append(",".join(f'"{cell}"' for cell in row))
    return "\n".join(lines) + "\n"


def _months(today: date) -> list[tuple[date, date]]:
    """The twelve whole months before this one."""
    first_this_month = today.replace(day=1)
    months = []
    end = first_this_month - timedelta(days=1)
    for _ in range(12):
        start = end.replace(day=1)
        months.append((start, end))
        end = start - timedelta(days=1)
    return list(reversed(months))


def _indicators(home_id: int, rng: random.Random, today: date) -> None:
    manager = _viewer("manager@example.org")
    staff = _viewer("staff@example.org")
    coordinator = _viewer("coordinator@example.org")
    # The starter table comes with migration 0002; a database flushed since (a test's) has lost
    # it, so bring it back (safe to run again).
    starter_costs_load()
    costs = {c.code: c.pk for c in UnitCost.objects.filter(organisation__isnull=True)}
    months = _months(today)
    for (
        name,
        proposer,
        code,
        rule,
        grade,
        benefits,
        (low, high),
        unit,
        description,
        how,
        concerns,
    ) in INDICATORS:
        indicator = outcomes.indicator_propose(
            viewer=_viewer(proposer),
            organisation_id=home_id,
            service=SERVICE,
            name=name,
            description=description,
            how_measured=how,
            unit=unit,
            concerns=concerns,
            benefits=benefits,
            unit_cost_id=costs[code] if code else None,
            split_rule=rule,
            confidence_grade=grade,
        )
        for email in AGREERS:
            if email != proposer:
                outcomes.indicator_agree(
                    viewer=_viewer(email), indicator_id=indicator.pk, comment=""
                )
        outcomes.indicator_adopt(viewer=manager, indicator_id=indicator.pk)
        for number, (start, end) in enumerate(months):
            record = outcomes.outcome_record(
                viewer=staff,
                indicator_id=indicator.pk,
                period_start=start,
                period_end=end,
                quantity=Decimal(rng.randint(low, high)),
                evidence=f"Monthly review log, {start:%B %Y}.",
            )
            # The last month's records wait for verification, as a real month's would.
            if number < len(months) - 1:
                outcomes.outcome_verify(viewer=coordinator, record_id=record.pk)
    name, description, how, unit, concerns = PROPOSED
    outcomes.indicator_propose(
        viewer=_viewer("member@example.org"),
        organisation_id=home_id,
        service=SERVICE,
        name=name,
        description=description,
        how_measured=how,
        unit=unit,
        concerns=concerns,
        benefits=[B(Agency.SOCIAL_CARE)],
    )


def _wellbeing(home_id: int, rng: random.Random, today: date) -> None:
    staff = _viewer("staff@example.org")
    members = list(
        Membership.objects.filter(
            organisation_id=home_id, status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .order_by("pk")
        .values_list("person_id", flat=True)[: WELLBEING_PEOPLE - 1]
    )
    me = person("member@example.org").pk
    if me not in members:
        members.append(me)
    first_day, last_day = today - timedelta(days=340), today - timedelta(days=20)
    for person_id in members:
        before = [rng.randint(3, 6), rng.randint(4, 7), rng.randint(3, 6), rng.randint(4, 8)]
        lift = rng.choice([0, 1, 1, 2, 2, 3])
        after = [
            min(10, before[0] + lift),
            min(10, before[1] + max(0, lift - 1)),
            min(10, before[2] + lift),
            max(0, before[3] - lift),  # anxiety: lower is better
        ]
        for day, answers in ((first_day, before), (last_day, after)):
            wellbeing.response_record(
                viewer=staff,
                organisation_id=home_id,
                person_id=person_id,
                instrument="ons4",
                taken_on=day,
                answers=answers,
                service=SERVICE,
            )


@transaction.atomic
def _load(today: date) -> int:
    home = organisation(HOME)
    rng = random.Random(2012)
    costs.deflator_import(
        viewer=_viewer("manager@example.org"),
        organisation_id=home.pk,
        text="financial_year,index\n" + "".join(f"{y},{i}\n" for y, i in DEMO_DEFLATORS),
        source="Demo series: illustrative, not HM Treasury's figures",
    )
    _indicators(home.pk, rng, today)
    _wellbeing(home.pk, rng, today)
    value_maps.value_map_create(
        viewer=_viewer("manager@example.org"),
        organisation_id=home.pk,
        service=SERVICE,
        title="Holy Cross time bank: social return on investment",
        inputs="The time-bank broker's post (0.6 FTE), the centre's rooms and members' time.",
        investment=Decimal("30000"),
        csv_text=_csv(),
    )
    report = reports.report_request(
        viewer=_viewer("commissioner@example.org"),
        organisation_id=home.pk,
        service=SERVICE,
        period_start=today - timedelta(days=365),
        period_end=today - timedelta(days=1),
        price_year=DEMO_PRICE_YEAR,
    )
    return report.pk


def load(*, stdout: TextIO) -> None:
    if OutcomeIndicator.objects.filter(organisation__slug=HOME, service=SERVICE).exists():
        stdout.write("Impact: already loaded.\n")
        return
    report_id = _load(timezone.localdate())
    # Built here rather than left to the worker, so the commissioner finds it ready.
    report_build.call(report_id)
    stdout.write(
        "Impact: five outcome indicators of the day service agreed with members and a year of "
        "verified outcomes, ONS4 wellbeing a year apart, an SROI value map and an evaluation "
        "report of the last twelve months.\n"
    )
