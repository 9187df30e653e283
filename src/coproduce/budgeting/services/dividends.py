"""Community dividends: a budget holder agrees a share of a service's savings, records
verified savings, and approves the dividend into the area's pot."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from coproduce.budgeting import selectors
from coproduce.budgeting.models import Dividend, DividendPolicy, DividendStatus, SavingsRecord
from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record, model_update, model_validate
from coproduce.people.permissions import Viewer
from coproduce.timebank import ledger as timebank
from coproduce.timebank.ledger import Leg
from coproduce.timebank.models import AccountKind, TransferKind, Unit

from .acting import acting_person
from .pots import pot_account, savings_transfer_post


@transaction.atomic
def dividend_policy_create(
    *,
    viewer: Viewer,
    budget_holder_id: int,
    service: str,
    area_id: int,
    share_percent: int,
    period_start: date,
    period_end: date,
) -> DividendPolicy:
    """A manager of the budget holder agrees the community's share of a service's savings."""
    budget_holder = selectors.organisation_for(
        viewer=viewer,
        organisation_id=budget_holder_id,
        ability="budgeting.approve_dividend",
        action="agree a dividend policy",
    )
    area = selectors.area_for(viewer=viewer, area_id=area_id)
    if not 1 <= share_percent <= 100:
        raise InvalidInput("share_percent", "Enter a share between 1% and 100%.")
    if period_end < period_start:
        raise InvalidInput("period_end", "The period must end on or after the day it starts.")
    policy = DividendPolicy(
        budget_holder=budget_holder,
        service=service.strip(),
        area=area,
        share_percent=share_percent,
        period_start=period_start,
        period_end=period_end,
        created_by=acting_person(viewer),
    )
    if not policy.service:
        raise InvalidInput("service", "Name the service whose savings are shared.")
    model_validate(policy)
    policy.save()
    history_record(
        actor=viewer.person,
        organisation=budget_holder,
        action="budgeting.dividend_policy_created",
        subject=policy,
        detail={"share_percent": share_percent, "area": area.pk},
    )
    return policy


@transaction.atomic
def savings_record_enter(
    *,
    viewer: Viewer,
    policy_id: int,
    amount_pence: int,
    period_start: date,
    period_end: date,
    evidence: str,
    evidence_url: str = "",
) -> SavingsRecord:
    """A manager of the budget holder records verified cashable savings with evidence; the
    community's share becomes a dividend awaiting approval.

    Locks the policy row, so two overlapping periods cannot both be counted."""
    policy = selectors.dividend_policy_get(viewer=viewer, policy_id=policy_id, for_update=True)
    if amount_pence <= 0:
        raise InvalidInput("amount_pence", "Enter the cashable savings: more than £0.")
    if not evidence.strip():
        raise InvalidInput("evidence", "Describe the evidence that the savings are cashable.")
    if period_end < period_start:
        raise InvalidInput("period_end", "The period must end on or after the day it starts.")
    if period_start < policy.period_start or period_end > policy.period_end:
        raise InvalidInput(
            "period_start",
            f"The savings must fall within the policy's period, "
            f"{policy.period_start:%d %B %Y} to {policy.period_end:%d %B %Y}.",
        )
    overlapping = SavingsRecord.objects.filter(
        policy=policy, period_start__lte=period_end, period_end__gte=period_start
    ).first()
    if overlapping is not None:
        raise Conflict(
            f"Savings for {overlapping.period_start:%d %B %Y} to "
            f"{overlapping.period_end:%d %B %Y} are already recorded; "
            "a period can be counted only once."
        )
    record = SavingsRecord(
        policy=policy,
        amount_pence=amount_pence,
        period_start=period_start,
        period_end=period_end,
        evidence=evidence.strip(),
        evidence_url=evidence_url.strip(),
        verified_by=acting_person(viewer),
    )
    model_validate(record)
    record.save()
    # Round down: the community never receives more than the agreed share.
    dividend = Dividend.objects.create(
        savings_record=record, amount_pence=amount_pence * policy.share_percent // 100
    )
    history_record(
        actor=viewer.person,
        organisation=policy.budget_holder,
        action="budgeting.savings_recorded",
        subject=record,
        detail={"amount_pence": amount_pence, "dividend_pence": dividend.amount_pence},
    )
    return record


@transaction.atomic
def dividend_approve(*, viewer: Viewer, dividend_id: int) -> Dividend:
    """The budget holder approves a dividend and it is credited to the area's pot.

    Locks the dividend row, so it is credited once.
    """
    dividend = (
        Dividend.objects.select_for_update(of=("self",))
        .select_related("savings_record__policy__budget_holder", "savings_record__policy__area")
        .filter(pk=dividend_id)
        .first()
    )
    if dividend is None:
        raise NotFound()
    policy = dividend.savings_record.policy
    permissions.check(
        viewer, "budgeting.approve_dividend", policy.budget_holder_id, action="approve a dividend"
    )
    if dividend.status == DividendStatus.CREDITED:
        raise Conflict("This dividend has already been approved and credited.")
    if dividend.amount_pence == 0:
        raise Conflict("This dividend is £0; there is nothing to credit.")
    actor = acting_person(viewer)
    pot = pot_account(policy.area, policy.budget_holder)
    record = dividend.savings_record
    savings_transfer_post(
        kind=TransferKind.DIVIDEND,
        savings_record=record,
        reason=f"{policy.share_percent}% dividend of {policy.service} savings "
        f"{record.period_start:%b %Y} to {record.period_end:%b %Y}",
        operator=actor,
        legs=[
            Leg(
                timebank.organisation_account(
                    policy.budget_holder, AccountKind.DIVIDEND, Unit.PENCE
                ),
                -dividend.amount_pence,
            ),
            Leg(pot, dividend.amount_pence),
        ],
        books={policy.budget_holder_id},
    )
    model_update(
        dividend,
        data={
            "status": DividendStatus.CREDITED,
            "approved_by": actor,
            "approved_at": timezone.now(),
        },
        actor=actor,
        organisation=policy.budget_holder,
        action="budgeting.dividend_credited",
        detail={"amount_pence": dividend.amount_pence, "pot": pot.pk},
    )
    return dividend
