"""Community dividends and participatory budgeting.

Money is whole pence in the time-bank ledger (``Unit.PENCE``), posted only by
``timebank.ledger.transfer_post``; ``SavingsTransfer`` names the savings record each
transfer came from.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from coproduce.people.models import Area, Organisation, Person
from coproduce.timebank.models import Account, AccountKind, Transfer


class DividendPolicy(models.Model):
    """A budget holder agrees to return ``share_percent`` of a service's verified cashable
    savings over a period to an area's community pot."""

    budget_holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="dividend_policies"
    )
    service = models.CharField(max_length=200, help_text="The co-produced service that saves.")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="dividend_policies")
    share_percent = models.PositiveSmallIntegerField(
        help_text="The share of verified cashable savings that goes to the community pot."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-period_start", "pk")
        verbose_name_plural = "dividend policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__gte=1, share_percent__lte=100),
                name="dividend_policy_share_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="dividend_policy_period_in_order",
            ),
            models.CheckConstraint(condition=~Q(service=""), name="dividend_policy_service_named"),
        ]

    def __str__(self) -> str:
        return f"{self.share_percent}% of {self.service} savings ({self.budget_holder})"


class SavingsRecord(models.Model):
    """Verified cashable savings, entered with evidence by a manager of the budget holder."""

    policy = models.ForeignKey(
        DividendPolicy, on_delete=models.PROTECT, related_name="savings_records"
    )
    amount_pence = models.BigIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    evidence = models.TextField(help_text="How the saving was measured and who checked it.")
    evidence_url = models.URLField(blank=True)
    verified_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-period_start", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gt=0), name="savings_record_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="savings_record_period_in_order",
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="savings_record_has_evidence"),
        ]

    def __str__(self) -> str:
        return f"£{self.amount_pence / 100:,.2f} saved by {self.policy.service}"


class DividendStatus(models.TextChoices):
    PROPOSED = "proposed", "Awaiting the budget holder's approval"
    CREDITED = "credited", "Approved and credited to the community pot"


class Dividend(models.Model):
    """The community's share of one savings record; credited to the pot on approval."""

    savings_record = models.OneToOneField(
        SavingsRecord, on_delete=models.PROTECT, related_name="dividend"
    )
    amount_pence = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=DividendStatus.choices, default=DividendStatus.PROPOSED
    )
    approved_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-pk",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gte=0), name="dividend_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", approved_at__isnull=True)
                | Q(status="credited", approved_at__isnull=False, approved_by__isnull=False),
                name="dividend_credited_has_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"Dividend of £{self.amount_pence / 100:,.2f}"


class SavingsTransfer(models.Model):
    """Which savings record a ledger transfer of pence came from: the dividend credited to a
    pot, or a payment from the pot to a funded project (``proposal``). The money itself moves
    only through ``timebank.ledger.transfer_post``."""

    transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, related_name="savings_transfer"
    )
    savings_record = models.ForeignKey(
        SavingsRecord, on_delete=models.PROTECT, related_name="transfers"
    )
    proposal = models.ForeignKey(
        "budgeting.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="savings_transfers",
    )

    class Meta:
        ordering = ("-transfer_id",)

    def __str__(self) -> str:
        return f"Transfer {self.transfer_id} from savings {self.savings_record_id}"


class Phase(models.TextChoices):
    PROPOSALS = "proposals", "Proposals"
    REVIEW = "review", "Review"
    VOTING = "voting", "Voting"
    RESULTS = "results", "Results"
    DELIVERY = "delivery", "Delivery"


PHASE_ORDER = [Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING, Phase.RESULTS, Phase.DELIVERY]


class Round(models.Model):
    """A participatory-budgeting round run by an organisation; it moves through the phases."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="budgeting_rounds"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.PROPOSALS)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    phase_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="round_has_title")]

    def __str__(self) -> str:
        return self.title


class BallotKind(models.TextChoices):
    APPROVAL_BUDGET = "approval_budget", "Approve projects up to the budget limit"
    APPROVAL_COUNT = "approval_count", "Approve up to a number of projects"
    CUMULATIVE = "cumulative", "Share out points between projects"


class Rule(models.TextChoices):
    # The greedy rules pass over projects whose score (votes, or points on cumulative ballots)
    # is below the budget's threshold, as pabulib's min_project_score_threshold does.
    GREEDY = "greedy", "Greedy by votes"
    GREEDY_NO_SKIP = "greedy-no-skip", "Greedy by votes, stopping at the first that doesn't fit"
    GREEDY_THRESHOLD = "greedy-threshold", "Greedy by votes, above a vote threshold"
    # pabulib's equalshares/add1: equal shares raised a pound at a time, nothing after it.
    MES = "mes", "Method of Equal Shares"
    MES_GREEDY = "mes-greedy", "Method of Equal Shares, then greedy by votes for what is left"


class Budget(models.Model):
    """One pot of money in a round: for an area, or city-wide when ``area`` is empty."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="budgets")
    name = models.CharField(max_length=200)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT)
    pot = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budgets",
        limit_choices_to={"kind": AccountKind.AREA_POT},
        help_text="The community pot that pays for the winning projects.",
    )
    amount_pence = models.BigIntegerField()
    ballot_kind = models.CharField(
        max_length=20, choices=BallotKind.choices, default=BallotKind.APPROVAL_BUDGET
    )
    rule = models.CharField(max_length=20, choices=Rule.choices, default=Rule.MES)
    threshold_votes = models.PositiveIntegerField(
        default=0,
        help_text=(
            "For the greedy rules: a project needs at least this many votes (points, on "
            "cumulative ballots)."
        ),
    )
    min_projects = models.PositiveSmallIntegerField(default=1)
    max_projects = models.PositiveSmallIntegerField(null=True, blank=True)
    min_share_percent = models.PositiveSmallIntegerField(
        default=0, help_text="A ballot must spend at least this share of the budget."
    )
    points = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For cumulative ballots: points each voter shares out."
    )
    residents_only = models.BooleanField(
        default=True, help_text="Only people living in the budget's area may vote."
    )
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    members_of = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("round_id", "name", "pk")
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="budget_amount_positive"),
            models.CheckConstraint(condition=~Q(name=""), name="budget_has_name"),
            models.CheckConstraint(
                condition=Q(max_projects__isnull=True) | Q(max_projects__gte=F("min_projects")),
                name="budget_max_projects_not_below_min",
            ),
            models.CheckConstraint(
                condition=Q(min_share_percent__lte=100), name="budget_min_share_at_most_100"
            ),
            models.CheckConstraint(
                condition=~Q(ballot_kind="cumulative") | Q(points__gt=0),
                name="budget_cumulative_has_points",
            ),
            models.CheckConstraint(
                condition=~Q(ballot_kind="approval_count") | Q(max_projects__isnull=False),
                name="budget_approval_count_has_max",
            ),
            models.CheckConstraint(
                condition=~Q(residents_only=True) | Q(area__isnull=False),
                name="budget_residents_only_needs_area",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for review"
    ACCEPTED = "accepted", "On the ballot"
    REJECTED = "rejected", "Not on the ballot"


class DeliveryStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class Proposal(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(max_length=200)
    description = models.TextField()
    cost_pence = models.BigIntegerField()
    proposer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    rejection_reason = models.TextField(blank=True, help_text="Shown publicly.")
    reviewed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    delivery_status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.NOT_STARTED
    )
    delivery_note = models.TextField(blank=True)
    # What the project has spent, in pence, in the time-bank ledger's books.
    delivery_account = models.OneToOneField(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )

    class Meta:
        ordering = ("budget_id", "pk")
        constraints = [
            models.CheckConstraint(condition=Q(cost_pence__gt=0), name="proposal_cost_positive"),
            models.CheckConstraint(condition=~Q(title=""), name="proposal_has_title"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="proposal_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VotingCode(models.Model):
    """A one-time code handed out on paper; only its SHA-256 is stored."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return f"Code {self.pk} for {self.budget}"


class BallotChannel(models.TextChoices):
    ONLINE = "online", "Online, as a member"
    CODE = "code", "With a one-time code"
    PAPER = "paper", "Paper ballot entered by staff"
    IMPORTED = "imported", "Imported from a pabulib file"


class Ballot(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.OneToOneField(
        VotingCode, null=True, blank=True, on_delete=models.PROTECT, related_name="ballot"
    )
    channel = models.CharField(max_length=8, choices=BallotChannel.choices)
    entered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            # One ballot per person per budget: the backstop under concurrent submission.
            models.UniqueConstraint(
                fields=["budget", "person"],
                condition=Q(person__isnull=False),
                name="ballot_one_per_person_per_budget",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(code__isnull=False) | Q(channel="imported"),
                name="ballot_has_voter_or_code",
            ),
        ]

    def __str__(self) -> str:
        return f"Ballot {self.pk} in {self.budget}"


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("ballot_id", "proposal_id")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "proposal"], name="ballot_choice_once_per_proposal"
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="ballot_choice_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.points} for {self.proposal_id}"


class Result(models.Model):
    """The stored outcome of tallying one budget with its rule."""

    budget = models.OneToOneField(Budget, on_delete=models.CASCADE, related_name="result")
    rule = models.CharField(max_length=20, choices=Rule.choices)
    ballots_counted = models.PositiveIntegerField()
    computed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-computed_at",)

    def __str__(self) -> str:
        return f"Result of {self.budget}"


class ResultLine(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="lines")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    votes = models.PositiveIntegerField()
    selected = models.BooleanField()
    explanation = models.TextField()

    class Meta:
        ordering = ("result_id", "position")
        constraints = [
            models.UniqueConstraint(fields=["result", "proposal"], name="result_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {'funded' if self.selected else 'not funded'}"
