"""The time bank: a double-entry ledger in whole minutes, offers and requests, exchanges,
rewards at partners and agreements between banks.

Only ``ledger.transfer_post`` writes ``Transfer`` and ``Entry`` rows or changes
``Account.balance``; entries are never updated or deleted (DESIGN invariant 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from coproduce.people.models import Area, Membership, Organisation, Person

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

MAX_EXCHANGE_MINUTES = 24 * 60
# The largest single transfer a bank allows unless it sets its own (BankLimits): large
# enough for a big group session, a year of agency time or a county's dividend, small enough
# that a typo (or 2^62) never reaches a balance. No bank may set more than the hard maximum,
# so no run of transfers can carry a balance past a 64-bit column.
DEFAULT_MAX_TRANSFER = {"minutes": 1_000 * 60, "pence": 1_000_000 * 100}
HARD_MAX_TRANSFER = 10**12


class Unit(models.TextChoices):
    MINUTES = "minutes", "Minutes"
    # For pooled personal budgets and community dividends: same ledger, same posting code.
    PENCE = "pence", "Pence"


class AccountKind(models.TextChoices):
    MEMBER = "member", "Member"
    AGENCY = "agency", "Agency account"
    POT = "pot", "Community pot"
    ISSUING = "issuing", "Issued time credits"
    PARTNER = "partner", "Partner"
    CLEARING = "clearing", "Clearing with another bank"
    # Money in pence (community dividends): the budget holder's side of every dividend it
    # pays, an area's community pot in the budget holder's books, and what a funded project
    # has spent.
    DIVIDEND = "dividend", "Dividends paid from savings"
    AREA_POT = "area_pot", "Area community pot"
    DELIVERY = "delivery", "Project delivery spend"
    # Pooled personal budgets (coordination): the budget holder's side of the personal
    # budgets it allocates, and each contributor's share of a pool.
    PERSONAL_BUDGETS = "budgets", "Personal budgets allocated"
    POOL_SHARE = "pool_share", "Share of a pooled budget"


class IsInteger(models.Func):
    """True when the value is stored as an integer. A SQLite column takes any type: a
    balance pushed past 64 bits there silently becomes a float. PostgreSQL's bigint column
    already refuses it; the check states the same promise on both."""

    arity = 1
    output_field = models.BooleanField()
    template = "(%(expressions)s IS NOT NULL)"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        return self.as_sql(
            compiler, connection, template="typeof(%(expressions)s) = 'integer'", **extra_context
        )

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="pg_typeof(%(expressions)s) = 'bigint'::regtype",
            **extra_context,
        )


class Account(models.Model):
    """An account in one bank's books. ``organisation`` is the bank whose ledger holds it;
    ``counterparty`` is the partner venue or the other bank of a clearing account; ``area``
    is the neighbourhood an area pot belongs to."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="timebank_accounts"
    )
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.MINUTES)
    membership = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="timebank_accounts",
    )
    counterparty = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="timebank_accounts"
    )
    name = models.CharField(max_length=200)
    balance = models.BigIntegerField(default=0)
    floor = models.BigIntegerField(null=True, blank=True)
    ceiling = models.BigIntegerField(null=True, blank=True)
    # False: the account follows its organisation's limits; True: a coordinator set its own.
    own_limits = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("organisation_id", "kind", "name", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(balance__gte=F("floor")),
                name="account_balance_at_or_above_floor",
            ),
            models.CheckConstraint(
                condition=IsInteger("balance"), name="account_balance_is_integer"
            ),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True) | Q(balance__lte=F("ceiling")),
                name="account_balance_at_or_below_ceiling",
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(floor__lte=0),
                name="account_floor_not_positive",
            ),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True) | Q(ceiling__gte=0),
                name="account_ceiling_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(kind="member") & Q(membership__isnull=False))
                | (~Q(kind="member") & Q(membership__isnull=True)),
                name="account_membership_iff_member",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["partner", "clearing"], counterparty__isnull=False)
                | (~Q(kind__in=["partner", "clearing"]) & Q(counterparty__isnull=True)),
                name="account_counterparty_iff_partner_or_clearing",
            ),
            models.CheckConstraint(
                condition=(Q(kind="area_pot") & Q(area__isnull=False))
                | (~Q(kind="area_pot") & Q(area__isnull=True)),
                name="account_area_iff_area_pot",
            ),
            models.UniqueConstraint(
                fields=["membership", "unit"],
                condition=Q(membership__isnull=False),
                name="account_one_per_membership_unit",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "unit"],
                condition=Q(kind__in=["agency", "pot", "issuing", "dividend", "budgets"]),
                name="account_one_organisation_account_per_kind_unit",
            ),
            models.UniqueConstraint(
                fields=["organisation", "area", "unit"],
                condition=Q(kind="area_pot"),
                name="account_one_area_pot_per_bank_area_unit",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "counterparty", "unit"],
                condition=Q(kind__in=["partner", "clearing"]),
                name="account_one_per_counterparty_kind_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TransferKind(models.TextChoices):
    EXCHANGE = "exchange", "Exchange"
    GROUP = "group", "Group exchange"
    AGENCY = "agency", "Time with the organisation"
    AWARD = "award", "Time credits awarded"
    REDEMPTION = "redemption", "Reward redeemed"
    CROSS_BANK = "cross_bank", "Exchange with another bank"
    ADJUSTMENT = "adjustment", "Adjustment by a coordinator"
    REVERSAL = "reversal", "Reversal"
    DIVIDEND = "dividend", "Dividend credited to a community pot"
    SPEND = "spend", "Delivery spend on a funded project"
    BUDGET = "budget", "Personal budget allocated"
    POOL = "pool", "Contribution to a pooled budget"
    POOL_SPEND = "pool_spend", "Spend from a pooled budget"


class Transfer(models.Model):
    """One movement of value: its entries sum to zero in each bank's books."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="timebank_transfers"
    )
    kind = models.CharField(max_length=16, choices=TransferKind.choices)
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.MINUTES)
    amount = models.BigIntegerField(help_text="The total moved: the sum of the credits.")
    operator = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    exchange = models.ForeignKey(
        "Exchange", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    listing = models.ForeignKey(
        "Listing", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    group = models.ForeignKey(
        "GroupExchange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-occurred_at", "-pk")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="transfer_reason_not_empty"),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="transfer_reversal_points_at_original",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "occurred_at"])]

    def __str__(self) -> str:
        return f"Transfer {self.pk} ({self.get_kind_display()})"


class Entry(models.Model):
    """One leg of a transfer: positive credits the account, negative debits it."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()

    class Meta:
        ordering = ("pk",)
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="entry_one_per_account_per_transfer"
            ),
        ]
        indexes = [models.Index(fields=["account", "transfer"])]

    def __str__(self) -> str:
        return f"{self.amount} to account {self.account_id}"


class BankLimits(models.Model):
    """The default floor and ceiling of member accounts in one bank, and the largest single
    transfer its books take in each unit (empty: ``DEFAULT_MAX_TRANSFER``)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="timebank_limits"
    )
    member_floor = models.BigIntegerField(null=True, blank=True)
    member_ceiling = models.BigIntegerField(null=True, blank=True)
    max_transfer_minutes = models.BigIntegerField(null=True, blank=True)
    max_transfer_pence = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "bank limits"
        constraints = [
            models.CheckConstraint(
                condition=Q(member_floor__isnull=True) | Q(member_floor__lte=0),
                name="banklimits_floor_not_positive",
            ),
            models.CheckConstraint(
                condition=Q(member_ceiling__isnull=True) | Q(member_ceiling__gte=0),
                name="banklimits_ceiling_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_transfer_minutes__isnull=True)
                | Q(max_transfer_minutes__gt=0, max_transfer_minutes__lte=HARD_MAX_TRANSFER),
                name="banklimits_max_transfer_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=Q(max_transfer_pence__isnull=True)
                | Q(max_transfer_pence__gt=0, max_transfer_pence__lte=HARD_MAX_TRANSFER),
                name="banklimits_max_transfer_pence_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Limits of {self.organisation}"


class LimitChange(models.Model):
    """History of every change of limits, for the organisation or for one account."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="limit_changes"
    )
    floor = models.BigIntegerField(null=True, blank=True)
    ceiling = models.BigIntegerField(null=True, blank=True)
    previous_floor = models.BigIntegerField(null=True, blank=True)
    previous_ceiling = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField()
    changed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-changed_at", "-pk")

    def __str__(self) -> str:
        return f"Limits changed by {self.changed_by} at {self.changed_at:%Y-%m-%d}"


class Category(models.TextChoices):
    PRACTICAL = "practical", "Practical help and DIY"
    GARDENING = "gardening", "Gardening"
    COMPANY = "company", "Company and befriending"
    TRANSPORT = "transport", "Lifts and errands"
    LEARNING = "learning", "Learning and teaching"
    WELLBEING = "wellbeing", "Health and wellbeing"
    CREATIVE = "creative", "Arts and crafts"
    COOKING = "cooking", "Cooking and food"
    ADMIN = "admin", "Forms, letters and computers"
    OTHER = "other", "Something else"


class ListingKind(models.TextChoices):
    OFFER = "offer", "Offer"
    REQUEST = "request", "Request"


class ListingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


class Listing(models.Model):
    """An offer of help or a request for it."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="timebank_listings"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ListingKind.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    availability = models.CharField(max_length=200, blank=True)
    needs_vetted_helper = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ListingStatus.choices, default=ListingStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="listing_title_not_empty"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "kind", "category"]),
            models.Index(fields=["membership", "status"]),
            # Browsing is newest first: read in order and stop at the page.
            models.Index(
                fields=["organisation", "status", "-created_at", "-id"],
                name="listing_browse_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ExchangeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    CLAIMED = "claimed", "Done, waiting for confirmation"
    POSTED = "posted", "Confirmed and posted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    DISPUTED = "disputed", "Disputed"


class Exchange(models.Model):
    """One person gives time to another. ``provider`` earns, ``receiver`` pays."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="timebank_exchanges"
    )
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.PROTECT, related_name="exchanges"
    )
    provider = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    receiver = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField()
    claimed_minutes = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField()
    scheduled_for = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ExchangeStatus.choices, default=ExchangeStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    claimed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Why it was declined, cancelled or disputed.")
    resolution = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0, minutes__lte=MAX_EXCHANGE_MINUTES),
                name="exchange_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=Q(claimed_minutes__isnull=True)
                | Q(claimed_minutes__gt=0, claimed_minutes__lte=MAX_EXCHANGE_MINUTES),
                name="exchange_claimed_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(provider=F("receiver")), name="exchange_not_with_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["receiver", "status"]),
        ]

    def __str__(self) -> str:
        return f"Exchange {self.pk}: {self.description[:40]}"


class GroupDirection(models.TextChoices):
    HUB_PAYS = "hub_pays", "The host gives each participant the hours (everyone earns)"
    HUB_EARNS = "hub_earns", "Each participant gives the host the hours"


class GroupExchange(models.Model):
    """A group session: one host (a member, or the organisation when empty) and many
    participants, posted as one transfer."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    host = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(max_length=16, choices=GroupDirection.choices)
    minutes_each = models.PositiveIntegerField()
    description = models.TextField()
    participants = models.ManyToManyField(Membership, related_name="timebank_group_sessions")
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-occurred_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_each__gt=0, minutes_each__lte=MAX_EXCHANGE_MINUTES),
                name="groupexchange_minutes_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class AgeGroup(models.TextChoices):
    ANYONE = "anyone", "Anyone"
    ADULTS = "adults", "Adults (18 and over)"
    UNDER_16 = "under_16", "Under-16s"


class Reward(models.Model):
    """What a partner venue gives in thanks for time credits issued by one bank."""

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    credits = models.PositiveIntegerField(help_text="In minutes: 60 is one time credit.")
    restrictions = models.TextField(blank=True)
    off_peak_only = models.BooleanField(default=False)
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, default=AgeGroup.ANYONE)
    monthly_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most times one member may have it in a month."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("partner_id", "name")
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0), name="reward_credits_positive"),
            models.CheckConstraint(condition=~Q(name=""), name="reward_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="redemption")
    redeemed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    redeemed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-redeemed_at", "-pk")
        indexes = [models.Index(fields=["reward", "membership", "redeemed_at"])]

    def __str__(self) -> str:
        return f"{self.reward} for {self.membership.number}"


class RedemptionCode(models.Model):
    """A one-time code a member shows at a partner's desk to prove the redemption is theirs:
    the membership number alone is no proof. Only a keyed hash of the code is stored; a code
    is open until it is used, replaced by a newer one or expires."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="timebank_redemption_codes"
    )
    code_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    redemption = models.OneToOneField(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="code"
    )
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-issued_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("issued_at")), name="redemptioncode_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True, redemption__isnull=True)
                | Q(used_at__isnull=False, redemption__isnull=False),
                name="redemptioncode_used_iff_redemption",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(used_at__isnull=True, replaced_at__isnull=True),
                name="redemptioncode_one_open_per_membership",
            ),
        ]
        indexes = [models.Index(fields=["membership", "code_hash"])]

    def __str__(self) -> str:
        return f"Redemption code for {self.membership.number}"


class RedemptionCodeMiss(models.Model):
    """A wrong code typed at a partner's desk for a membership: too many in a short time and
    the desk is refused for a while, so six digits cannot be guessed."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    entered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ("-entered_at", "-pk")
        indexes = [models.Index(fields=["membership", "entered_at"])]

    def __str__(self) -> str:
        return f"Wrong redemption code for {self.membership.number}"


class Agreement(models.Model):
    """Two banks agree that exchanges may cross between them. ``first_id < second_id``."""

    first = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    proposer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-proposed_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="agreement_ordered_pair"
            ),
            models.UniqueConstraint(fields=["first", "second"], name="agreement_one_per_pair"),
        ]

    def __str__(self) -> str:
        return f"Agreement between {self.first} and {self.second}"
