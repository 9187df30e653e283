"""Pooled personal budgets in the browser: Colin, a coordinator, records a personal budget;
Mo, a budget holder, puts part of his into the allotment club's pool (too much is refused and
nothing is written); Colin records a spend after a confirmation showing each share's part; Mo
reads the pool and sees only his own share. Every page passes axe."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coproduce.coordination import demo
from coproduce.coordination.models import Pool, PoolShare, PoolSpend
from coproduce.directory import demo as directory_demo
from coproduce.people import demo as people_demo
from coproduce.people.models import Membership
from coproduce.timebank.models import Account, AccountKind, Transfer, Unit
from tests.e2e.conftest import axe_violations, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _insecure_cookies_for_http(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost", "http://127.0.0.1"]


@pytest.fixture
def demo_pools() -> None:
    people_demo.load(stdout=io.StringIO(), people=60)
    directory_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())


def _budget(membership: Membership) -> Account | None:
    return Account.objects.filter(
        membership=membership, kind=AccountKind.MEMBER, unit=Unit.PENCE
    ).first()


def _pounds(pence: int) -> str:
    """As the pool pages write it: £1,234.50, whole pounds without pence."""
    whole, rest = divmod(pence, 100)
    return f"£{whole:,}" if rest == 0 else f"£{whole:,}.{rest:02d}"


def _pence(text: str) -> int:
    """ "£1,234.50" or "£20" → pence."""
    match = re.fullmatch(r"£([\d,]+)(?:\.(\d\d))?", text.strip())
    assert match is not None, text
    return int(match.group(1).replace(",", "")) * 100 + int(match.group(2) or 0)


def test_budgets_pooled_spent_and_each_holder_sees_their_own_share(
    page: Any, demo_pools: None
) -> None:
    home = people_demo.organisation(people_demo.HOME)
    pool = Pool.objects.get(name="Tuesday allotment club")
    mo = Membership.objects.get(organisation=home, person__user__email="member@example.org")
    newcomer = next(
        m
        for m in Membership.objects.filter(organisation=home, role="member", status="active")
        .select_related("person")
        .order_by("pk")
        if _budget(m) is None
    )
    others = list(
        PoolShare.objects.filter(pool=pool)
        .exclude(membership=mo)
        .values_list("membership__person__full_name", flat=True)
    )
    assert others

    # Colin records a personal budget, typed in pounds and pence.
    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="personal budgets"))
    expect(page.get_by_role("heading", name="Personal budgets", level=1)).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Record a personal budget"))
    assert axe_violations(page) == []
    page.get_by_label("Membership number").fill(newcomer.number)
    page.get_by_label("Personal budget allocated").fill("250.00")
    page.get_by_label("What the budget is for").fill("Direct payment, April to March")
    submit(page, page.get_by_role("button", name="Record the budget"))
    expect(
        page.get_by_text(f"£250.00 recorded as personal budget for {newcomer.person.display_name}.")
    ).to_be_visible()
    budget = _budget(newcomer)
    assert budget is not None and budget.balance == 25_000
    row = page.get_by_role("row").filter(has_text=newcomer.number)
    expect(row.get_by_role("cell").nth(1)).to_have_text("£250")
    assert axe_violations(page) == []

    # Mo, a budget holder, contributes: too much first, then what he means.
    page.context.clear_cookies()
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto("/coordination/")
    submit(page, page.get_by_role("link", name="pooled budgets"))
    expect(page.get_by_role("heading", name="Your personal budget")).to_be_visible()
    assert axe_violations(page) == []
    submit(
        page,
        page.get_by_role("region", name="Pools").get_by_role("link", name="Tuesday allotment club"),
    )
    submit(page, page.get_by_role("link", name="Contribute"))
    assert axe_violations(page) == []
    mo_budget = _budget(mo)
    assert mo_budget is not None
    left = mo_budget.balance
    transfers = Transfer.objects.count()
    page.get_by_label("Amount to put into the pool").fill("10,000.00")
    submit(page, page.get_by_role("button", name="Put it into the pool"))
    message = (
        f"You have £{left // 100}.{left % 100:02d} left of the personal budget: "
        "a contribution of £10000.00 is more than that."
    )
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page.locator(".error-message")).to_contain_text(message)
    assert Transfer.objects.count() == transfers
    mo_budget.refresh_from_db()
    assert mo_budget.balance == left
    assert axe_violations(page) == []
    page.get_by_label("Amount to put into the pool").fill("250.00")
    submit(page, page.get_by_role("button", name="Put it into the pool"))
    expect(page.get_by_text("£250.00 is now in the pool Tuesday allotment club.")).to_be_visible()
    mo_budget.refresh_from_db()
    assert mo_budget.balance == left - 25_000
    assert Transfer.objects.count() == transfers + 1

    # Colin records a spend: the confirmation shows each share's part before anything is written.
    page.context.clear_cookies()
    sign_in(page, "coordinator@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/pools/{pool.pk}/")
    expect(page.get_by_role("heading", name="Each share")).to_be_visible()
    assert axe_violations(page) == []
    submit(page, page.get_by_role("link", name="Record a spend"))
    assert axe_violations(page) == []
    page.get_by_label("Amount spent").fill("45.00")
    page.get_by_label("What it was spent on").fill("Sessional gardener, one morning")
    spends = PoolSpend.objects.filter(pool=pool).count()
    submit(page, page.get_by_role("button", name="Check the spend"))
    expect(
        page.get_by_role("heading", name="Confirm the spend from Tuesday allotment club")
    ).to_be_visible()
    table = page.get_by_role("table", name="What the spend takes from each share")
    rows = table.locator("tbody tr")
    shares = PoolShare.objects.filter(pool=pool, account__balance__gt=0).count()
    expect(rows).to_have_count(shares)
    parts = {}
    for index in range(shares):
        cells = rows.nth(index).locator("th, td").all_inner_texts()
        parts[cells[0]] = _pence(cells[2])
    assert sum(parts.values()) == 4_500
    assert mo.person.display_name in parts and set(others) <= set(parts)
    assert PoolSpend.objects.filter(pool=pool).count() == spends
    assert axe_violations(page) == []
    submit(page, page.get_by_role("button", name="Record the spend"))
    expect(page.get_by_text("Spend of £45.00 recorded, drawn from the shares.")).to_be_visible()
    assert PoolSpend.objects.filter(pool=pool).count() == spends + 1

    # Mo reads the pool: his own share and his part of the spend, nobody else's.
    page.context.clear_cookies()
    sign_in(page, "member@example.org", people_demo.DEMO_PASSWORD)
    page.goto(f"/coordination/pools/{pool.pk}/")
    expect(page.get_by_role("heading", name="Your share")).to_be_visible()
    assert page.get_by_role("heading", name="Each share").count() == 0
    text = page.locator("main").inner_text()
    for name in others:
        assert name not in text
    spend_row = page.get_by_role("row").filter(has_text="Sessional gardener, one morning").first
    expect(spend_row.locator("td").last).to_have_text(_pounds(parts[mo.person.display_name]))
    assert axe_violations(page) == []
