"""Rewards at partners: what a partner offers for time credits, the member's one-time
redemption code, and spending credits on a reward."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.framework.amounts import amount_format
from coproduce.people import permissions
from coproduce.people.ages import age_on
from coproduce.people.history import history_record
from coproduce.people.models import Membership, MembershipStatus, Organisation, OrganisationKind
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer
from coproduce.timebank.ledger import (
    Leg,
    counterparty_account,
    max_transfer,
    member_account,
    transfer_post,
)
from coproduce.timebank.models import (
    Account,
    AccountKind,
    AgeGroup,
    Redemption,
    RedemptionCode,
    RedemptionCodeMiss,
    Reward,
    TransferKind,
    Unit,
)

# A member's code for spending credits at a partner: six digits, for ten minutes, once.
# Five wrong codes for one membership within fifteen minutes shut the desks out until the
# oldest of them is fifteen minutes old.
REDEMPTION_CODE_DIGITS = 6
REDEMPTION_CODE_LIFETIME = timedelta(minutes=10)
REDEMPTION_CODE_MISSES = 5
REDEMPTION_CODE_MISS_WINDOW = timedelta(minutes=15)
# Reward.monthly_cap is a small integer column.
MAX_MONTHLY_CAP = 1000


@transaction.atomic
def reward_create(
    *,
    viewer: Viewer,
    partner_id: int,
    bank_id: int,
    name: str,
    credits: int,
    restrictions: str = "",
    off_peak_only: bool = False,
    age_group: str = AgeGroup.ANYONE,
    monthly_cap: int | None = None,
) -> Reward:
    """A partner (the viewer's organisation ``partner_id``) lists a reward for the credits
    of the time bank ``bank_id``; an organisation the viewer is not part of is a 404."""
    permissions.check(viewer, "timebank.manage_rewards", partner_id, action="list rewards")
    partner = Organisation.objects.get(pk=partner_id)
    bank = Organisation.objects.filter(pk=bank_id, kind=OrganisationKind.TIME_BANK).first()
    if bank is None:
        raise InvalidInput("bank", "Choose the time bank whose credits you accept.")
    name = name.strip()
    if not name:
        raise InvalidInput("name", "Enter the reward's name, like “Off-peak swim”.")
    if credits <= 0:
        raise InvalidInput("credits", "A reward costs more than zero credits.")
    # Redeeming moves the credits in one transfer: it cannot cost more than one may carry.
    most = max_transfer(bank.pk, Unit.MINUTES)
    if credits > most:
        raise InvalidInput(
            "credits",
            f"A reward cannot cost more than {amount_format(most)}, the largest single "
            f"transfer {bank.name} allows.",
        )
    if age_group not in AgeGroup.values:
        raise InvalidInput("age_group", "Choose who the reward is for.")
    if monthly_cap is not None and not 0 < monthly_cap <= MAX_MONTHLY_CAP:
        raise InvalidInput(
            "monthly_cap", f"The monthly cap must be from 1 to {MAX_MONTHLY_CAP}, or left empty."
        )
    reward = Reward.objects.create(
        partner=partner,
        bank=bank,
        name=name[:120],
        credits=credits,
        restrictions=restrictions.strip(),
        off_peak_only=off_peak_only,
        age_group=age_group,
        monthly_cap=monthly_cap,
    )
    counterparty_account(bank, AccountKind.PARTNER, partner)
    history_record(
        actor=viewer.person, organisation=partner, action="timebank.reward_created", subject=reward
    )
    return reward


@transaction.atomic
def reward_active_set(*, viewer: Viewer, reward_id: int, active: bool) -> Reward:
    reward = Reward.objects.select_for_update().filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    permissions.check(viewer, "timebank.manage_rewards", reward.partner_id, action="do that")
    reward.is_active = active
    reward.save(update_fields=["is_active"])
    history_record(
        actor=viewer.person,
        action="timebank.reward_active_set",
        subject=reward,
        detail={"active": active},
    )
    return reward


def is_off_peak(at: datetime) -> bool:
    """Off-peak is Monday to Friday before five in the afternoon, local time."""
    local = timezone.localtime(at)
    return local.weekday() < 5 and local.hour < 17


def _redemption_code_hash(membership_id: int, code: str) -> str:
    # Keyed by the site's secret and the membership: a copy of the table alone does not let
    # anyone try the million six-digit codes against it.
    return salted_hmac(
        "coproduce.timebank.RedemptionCode", f"{membership_id}:{code}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def redemption_code_issue(*, viewer: Viewer, organisation_id: int) -> tuple[RedemptionCode, str]:
    """A member asks for a one-time code to spend credits at a partner of their bank. Returns
    the code's record and the code itself, which is shown to the member once and stored only
    as a hash; any earlier open code of theirs stops working. Locks the membership row so
    two requests at once leave one open code."""
    permissions.check(
        viewer, "timebank.take_part", organisation_id, action="spend credits at partners"
    )
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .filter(
            person_id=viewer.person_id or 0,
            organisation_id=organisation_id,
            status=MembershipStatus.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    now = timezone.now()
    RedemptionCode.objects.filter(
        membership=membership, used_at__isnull=True, replaced_at__isnull=True
    ).update(replaced_at=now)
    code = f"{secrets.randbelow(10**REDEMPTION_CODE_DIGITS):0{REDEMPTION_CODE_DIGITS}d}"
    row = RedemptionCode.objects.create(
        membership=membership,
        code_hash=_redemption_code_hash(membership.pk, code),
        issued_at=now,
        expires_at=now + REDEMPTION_CODE_LIFETIME,
    )
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="timebank.redemption_code_issued",
        subject=row,
    )
    return row, code


def _redemption_code_check(
    *, viewer: Viewer, membership: Membership, partner: Organisation, code: str
) -> RedemptionCode | InvalidInput:
    """The member's open code that matches ``code``, locked for this redemption; or, for a
    wrong code, the refusal to give once the miss is recorded. Call inside the redemption's
    transaction."""
    now = timezone.now()
    misses = list(
        RedemptionCodeMiss.objects.filter(
            membership=membership, entered_at__gt=now - REDEMPTION_CODE_MISS_WINDOW
        )
        .order_by("-entered_at")
        .values_list("entered_at", flat=True)[:REDEMPTION_CODE_MISSES]
    )
    if len(misses) >= REDEMPTION_CODE_MISSES:
        free_at = timezone.localtime(misses[-1] + REDEMPTION_CODE_MISS_WINDOW)
        raise Conflict(
            f"Too many wrong redemption codes have been typed for membership "
            f"{membership.number}. Try again after {free_at:%H:%M}, with a new code from the "
            f"member."
        )
    typed = "".join(code.split()).replace("-", "")
    if not typed:
        raise InvalidInput(
            "code",
            "Enter the member's redemption code: the 6 digits on their time bank page.",
        )
    row = (
        RedemptionCode.objects.select_for_update(of=("self",))
        .filter(membership=membership, code_hash=_redemption_code_hash(membership.pk, typed))
        .order_by("-issued_at", "-pk")
        .first()
    )
    if row is None:
        assert viewer.person is not None
        RedemptionCodeMiss.objects.create(
            membership=membership, partner=partner, entered_by=viewer.person, entered_at=now
        )
        return InvalidInput(
            "code",
            f"That redemption code is not right for membership {membership.number}. Check it "
            f"with the member, or ask them to get a new one.",
        )
    if row.used_at is not None:
        raise InvalidInput(
            "code", "That redemption code has already been used. Ask the member to get a new one."
        )
    if row.replaced_at is not None:
        raise InvalidInput(
            "code",
            "That redemption code has been replaced by a newer one. Ask the member for "
            "their latest code.",
        )
    if row.expires_at <= now:
        raise InvalidInput(
            "code",
            f"That redemption code has expired (a code lasts "
            f"{REDEMPTION_CODE_LIFETIME.seconds // 60} minutes). Ask the member to get a new "
            f"one.",
        )
    return row


def reward_redeem(
    *,
    viewer: Viewer,
    reward_id: int,
    membership_number: str,
    code: str,
    at: datetime | None = None,
) -> Redemption:
    """Staff at the venue redeem a reward for a member, found by membership number and
    proved by the member's one-time redemption code. Spending moves the credits from the
    member's account to the partner's, and never takes the member below zero.

    The one service whose refusal also writes: a wrong code is remembered (to stop guessing)
    though the redemption is refused, so the transaction is ``_reward_redeem``'s, which
    returns that refusal for this door to raise once the miss is committed."""
    outcome = _reward_redeem(
        viewer=viewer, reward_id=reward_id, membership_number=membership_number, code=code, at=at
    )
    if isinstance(outcome, InvalidInput):
        raise outcome
    return outcome


@transaction.atomic
def _reward_redeem(
    *,
    viewer: Viewer,
    reward_id: int,
    membership_number: str,
    code: str,
    at: datetime | None,
) -> Redemption | InvalidInput:
    reward = Reward.objects.select_related("partner", "bank").filter(pk=reward_id).first()
    if reward is None:
        raise NotFound()
    permissions.check(viewer, "timebank.redeem", reward.partner_id, action="redeem rewards")
    if not reward.is_active:
        raise Conflict("This reward is no longer offered.")
    at = at or timezone.now()
    number = membership_number_normalise(membership_number)
    # The membership row is locked so that two desks trying codes for one member at once
    # count each other's misses, and redeem one after the other.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .filter(organisation=reward.bank, number=number)
        .first()
    )
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise InvalidInput(
            "membership_number",
            f"No active member of {reward.bank.name} has the number “{number}”.",
        )
    code_row = _redemption_code_check(
        membership=membership, partner=reward.partner, viewer=viewer, code=code
    )
    if isinstance(code_row, InvalidInput):
        return code_row
    name = membership.person.display_name
    if reward.off_peak_only and not is_off_peak(at):
        raise InvalidInput(
            None, "This reward is for off-peak times only (Monday to Friday before 5pm)."
        )
    if reward.age_group != AgeGroup.ANYONE:
        born = membership.person.date_of_birth
        if born is None:
            raise InvalidInput(
                None,
                f"{name}'s date of birth is not recorded, so this reward "
                f"({reward.get_age_group_display()}) cannot be checked.",
            )
        age = age_on(born, timezone.localtime(at).date())
        if (reward.age_group == AgeGroup.ADULTS and age < 18) or (
            reward.age_group == AgeGroup.UNDER_16 and age >= 16
        ):
            raise InvalidInput(None, f"This reward is for {reward.get_age_group_display()}.")
    if reward.monthly_cap is not None:
        local = timezone.localtime(at)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        used = Redemption.objects.filter(
            reward=reward, membership=membership, redeemed_at__gte=month_start
        ).count()
        if used >= reward.monthly_cap:
            times = "once" if reward.monthly_cap == 1 else f"{reward.monthly_cap} times"
            raise Conflict(f"{name} has already had this reward {times} this month.")
    spender = member_account(membership)
    partner_account = counterparty_account(reward.bank, AccountKind.PARTNER, reward.partner)
    # Locked before the balance is read (in id order, as transfer_post locks them), so two
    # desks cannot both spend the same last credits.
    locked = {
        pk: (balance, floor)
        for pk, balance, floor in Account.objects.select_for_update(of=("self",))
        .filter(pk__in=[spender.pk, partner_account.pk])
        .order_by("pk")
        .values_list("pk", "balance", "floor")
    }
    spender_balance, spender_floor = locked[spender.pk]
    # A reward is thanks for time given: exchanges between members may run into the bank's
    # overdraft, spending at a partner never does (nor past a higher floor).
    reward_floor = max(0, spender_floor if spender_floor is not None else 0)
    if spender_balance - reward.credits < reward_floor:
        raise InvalidInput(
            None,
            f"{name}'s balance is {amount_format(spender_balance)} and {reward.name} costs "
            f"{amount_format(reward.credits)}: a reward is thanks for time given, so it is "
            f"spent from hours earned and never takes a balance below "
            f"{amount_format(reward_floor)}.",
        )
    transfer = transfer_post(
        legs=[
            Leg(spender, -reward.credits),
            Leg(partner_account, reward.credits),
        ],
        kind=TransferKind.REDEMPTION,
        reason=f"{reward.name} at {reward.partner.name}",
        operator=viewer.person,
        books={reward.bank_id},
        on_behalf_of=membership.person,
        occurred_at=at,
    )
    assert viewer.person is not None
    redemption = Redemption.objects.create(
        reward=reward,
        membership=membership,
        transfer=transfer,
        redeemed_by=viewer.person,
        redeemed_at=at,
    )
    code_row.used_at = timezone.now()
    code_row.redemption = redemption
    code_row.save(update_fields=["used_at", "redemption"])
    history_record(
        actor=viewer.person,
        organisation=reward.partner,
        action="timebank.reward_redeemed",
        subject=redemption,
    )
    return redemption
