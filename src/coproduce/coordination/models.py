"""Coordination: Local Area Co-ordination's person-centred plans and caseloads, introductions
to people, groups and places, peer support groups, matching marks, pooled personal budgets
and social prescribing referrals.

Plans and referrals are special-category data: read only through ``selectors``, which write
every view to ``people.SensitiveAccess``. Money in pools lives in the time bank's ledger (in
pence, never mixed with hours); this app keeps only the links to its accounts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from coproduce.directory.models import Asset
from coproduce.people.models import Area, Membership, Organisation, Person
from coproduce.timebank.models import Account, GroupExchange, Transfer

DEFAULT_CASELOAD_CAP = 60
# The warning shows once a caseload is this close to its cap.
CASELOAD_WARNING_MARGIN = 5


class CoordinationSettings(models.Model):
    """An organisation's own settings for coordination (defaults until it sets them)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="coordination_settings"
    )
    caseload_cap = models.PositiveSmallIntegerField(default=DEFAULT_CASELOAD_CAP)
    review_every_days = models.PositiveSmallIntegerField(default=90)
    no_contact_days = models.PositiveSmallIntegerField(
        default=42, help_text="After this many days without contact a person is flagged."
    )

    class Meta:
        verbose_name_plural = "coordination settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(caseload_cap__gte=1) & Q(caseload_cap__lte=500),
                name="coordination_caseload_cap_1_to_500",
            ),
            models.CheckConstraint(
                condition=Q(review_every_days__gte=7) & Q(review_every_days__lte=730),
                name="coordination_review_every_7_to_730_days",
            ),
            models.CheckConstraint(
                condition=Q(no_contact_days__gte=1) & Q(no_contact_days__lte=365),
                name="coordination_no_contact_1_to_365_days",
            ),
        ]

    def __str__(self) -> str:
        return f"Coordination settings of {self.organisation}"


# --- Person-centred plans -----------------------------------------------------------------


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Plan(models.Model):
    """A person's plan, in their own words, held by one coordinator (their caseload).

    ``membership`` is the person's membership of the organisation that coordinates them;
    ``coordinator`` is the coordinator's membership of the same organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coordination_plans"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="coordination_plans"
    )
    coordinator = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="caseload"
    )
    life_wanted = models.TextField("What kind of life do you want to live?", blank=True)
    strengths = models.TextField("Strengths and gifts", blank=True)
    what_matters = models.TextField("What matters to me", blank=True)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default="active")
    next_review_on = models.DateField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("next_review_on", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(status="active"),
                name="coordination_one_active_plan_per_membership",
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False))
                | (Q(status="active") & Q(closed_at__isnull=True)),
                name="coordination_plan_closed_at_iff_closed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["coordinator", "status", "next_review_on"],
                name="coord_plan_caseload_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk}"


class GoalArea(models.TextChoices):
    FRIENDSHIP = "friendship", "Friendship"
    WORK = "work", "Work"
    LEARNING = "learning", "Learning"
    HOME = "home", "Home"
    HEALTH = "health", "Health"
    CONTRIBUTING = "contributing", "Contributing"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    PAUSED = "paused", "Paused"
    DROPPED = "dropped", "No longer wanted"


class Goal(models.Model):
    """One goal of a plan, in the person's own words."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    area = models.CharField(max_length=16, choices=GoalArea.choices)
    text = models.TextField("In your own words")
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default="active")
    review_on = models.DateField(null=True, blank=True)
    needs_vetted_helper = models.BooleanField(
        default=False, help_text="Only people with a current vetting record are suggested."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("plan_id", "pk")

    def __str__(self) -> str:
        return self.text[:60]


class Step(models.Model):
    """A small step towards a goal: what, who helps, by when."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(max_length=300)
    who_helps = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("goal_id", "pk")

    def __str__(self) -> str:
        return self.text[:60]


class PlanComment(models.Model):
    """A comment on a plan: the person on their own plan, or their coordinator."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return self.text[:60]


class ContactHow(models.TextChoices):
    VISIT = "visit", "Visit"
    MEETING = "meeting", "Meeting"
    PHONE = "phone", "Phone call"
    MESSAGE = "message", "Message"


class Contact(models.Model):
    """A contact between the coordinator and the person (keeps ``Plan.last_contact_at``)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="contacts")
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    how = models.CharField(max_length=10, choices=ContactHow.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("-at", "-pk")

    def __str__(self) -> str:
        return f"{self.get_how_display()} on {self.at:%Y-%m-%d}"


class Review(models.Model):
    """A review of the plan with the person, and when the next is due."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(blank=True)
    next_review_on = models.DateField()

    class Meta:
        ordering = ("-held_on", "-pk")

    def __str__(self) -> str:
        return f"Review on {self.held_on}"


class Handover(models.Model):
    """A plan passed from one coordinator to another."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="handovers")
    from_coordinator = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_coordinator = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-at", "-pk")

    def __str__(self) -> str:
        return f"Handover of plan {self.plan_id}"


# --- Peer support groups --------------------------------------------------------------------


class PeerGroup(models.Model):
    """A peer support group run by its members; staff take part as equals."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="peer_groups"
    )
    name = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    meets = models.CharField(
        max_length=200, blank=True, help_text="When and where it meets, e.g. Tuesdays 10am."
    )
    # Weekdays it meets, as iCalendar BYDAY codes ("TU,TH"), for "free on Tuesdays".
    meets_on = models.CharField(max_length=30, blank=True)
    capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty means no limit."
    )
    session_minutes = models.PositiveSmallIntegerField(default=120)
    is_open = models.BooleanField(default=True, help_text="Open to new members.")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(session_minutes__gte=1) & Q(session_minutes__lte=24 * 60),
                name="coordination_group_session_1_to_1440_minutes",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupRole(models.TextChoices):
    MEMBER = "member", "Member"
    FACILITATOR = "facilitator", "Facilitator"


class GroupMember(models.Model):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="peer_groups")
    role = models.CharField(max_length=12, choices=GroupRole.choices, default="member")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("group_id", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "membership"],
                condition=Q(left_at__isnull=True),
                name="coordination_one_current_group_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} in {self.group}"


class Meeting(models.Model):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    place = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # The group exchange posted for the attendance, once (one transfer for everyone present).
    group_exchange = models.OneToOneField(
        GroupExchange, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-starts_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=24 * 60),
                name="coordination_meeting_1_to_1440_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(default=True)

    class Meta:
        ordering = ("meeting_id", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "membership"], name="coordination_one_attendance_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} at {self.meeting}"


# --- Introductions --------------------------------------------------------------------------


class IntroductionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed by both"
    MET = "met", "Met"
    ONGOING = "ongoing", "Ongoing"
    DIDNT_WORK_OUT = "didnt_work_out", "Didn't work out"


class TargetKind(models.TextChoices):
    PERSON = "person", "A person"
    GROUP = "group", "A group"
    ASSET = "asset", "A place or service"


class Introduction(models.Model):
    """A coordinator introduces the plan's person to a person, a group or a directory asset."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="coordination_introductions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="introductions")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="introductions"
    )
    introduced_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(max_length=8, choices=TargetKind.choices)
    target_membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_group = models.ForeignKey(
        PeerGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="introductions"
    )
    target_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=IntroductionStatus.choices, default="proposed")
    person_agreed_at = models.DateTimeField(null=True, blank=True)
    other_agreed_at = models.DateTimeField(null=True, blank=True)
    met_on = models.DateField(null=True, blank=True)
    outcome_reason = models.TextField("Why it didn't work out", blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target_kind="person", target_membership__isnull=False)
                    & Q(target_group__isnull=True, target_asset__isnull=True)
                )
                | (
                    Q(target_kind="group", target_group__isnull=False)
                    & Q(target_membership__isnull=True, target_asset__isnull=True)
                )
                | (
                    Q(target_kind="asset", target_asset__isnull=False)
                    & Q(target_membership__isnull=True, target_group__isnull=True)
                ),
                name="coordination_introduction_one_target_of_its_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status="didnt_work_out") | ~Q(outcome_reason=""),
                name="coordination_introduction_says_why_it_didnt_work",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"], name="coord_intro_plan_status_idx"),
            models.Index(fields=["follow_up_on"], name="coord_intro_follow_up_idx"),
        ]

    def __str__(self) -> str:
        return f"Introduction {self.pk}"


# --- Matching marks -------------------------------------------------------------------------


class MatchMark(models.Model):
    """A coordinator's verdict on one suggestion: kept to report precision@5 on their own
    history. ``candidate`` is ``<kind>:<id>`` as the matcher names it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    coordinator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL)
    query = models.TextField()
    candidate = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField()
    good = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__gte=1) & Q(rank__lte=100), name="coordination_mark_rank_1_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} marked {'good' if self.good else 'bad'}"


class MatchDocument(models.Model):
    """One candidate in the matching index: a person who consented to be found, an open
    offer or request, a peer group or a directory asset, as plain text with a place. Kept in
    step with its source by ``matching.index``; the full-text table beside it (FTS5 on SQLite,
    a tsvector on PostgreSQL) is maintained by that module's SQL."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80, unique=True, help_text="<kind>:<source id>")
    kind = models.CharField(max_length=12)
    title = models.CharField(max_length=200)
    text = models.TextField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Facts for scoring and reasons: weekdays free or open ("MO,TU"), places left, vetted.
    days = models.CharField(max_length=30, blank=True)
    places_left = models.IntegerField(null=True, blank=True)
    vetted = models.BooleanField(default=False)
    # A public asset of a public organisation: every organisation's matches may suggest it
    # (as introductions may), from this one document (migration 0003).
    is_public = models.BooleanField(default=False)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "kind"], name="coord_matchdoc_org_kind")]

    def __str__(self) -> str:
        return self.key


class MatchIndexState(models.Model):
    """When an organisation's matching documents were last brought up to date, so a page
    view freshens them at most once an interval (``matching.index.index_freshen_if_due``)."""

    organisation = models.OneToOneField(
        Organisation, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    freshened_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.organisation_id} at {self.freshened_at:%Y-%m-%d %H:%M}"


# --- Pooled personal budgets ----------------------------------------------------------------


class PoolStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Pool(models.Model):
    """Personal budget holders pooling part of their budgets for a shared activity. The money
    sits in the ledger: one share account per contributor (pence, floor zero) and one
    delivery account for what the pool has spent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="pools")
    name = models.CharField(max_length=200)
    purpose = models.TextField()
    status = models.CharField(max_length=8, choices=PoolStatus.choices, default="open")
    spend_account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name


class PoolShare(models.Model):
    """A contributor's share of a pool: its ledger account holds what remains of it."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="shares")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("pool_id", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "membership"], name="coordination_one_share_per_pool_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} in {self.pool}"


class PoolSpend(models.Model):
    """What a pool spent, on what: the ledger transfer carries the money."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="spends")
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    spent_on = models.DateField()
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("-spent_on", "-pk")

    def __str__(self) -> str:
        return self.description


# --- Social prescribing ---------------------------------------------------------------------


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"
    SUPPORTING = "supporting", "Being supported"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined"


class Referral(models.Model):
    """A referral to social prescribing, holding the PRSB Social Prescribing Information
    Standard's groups (demographics, needs and concerns, support offered, outcomes) as JSON
    shaped by ``coordination.prsb``."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals"
    )
    reference = models.CharField(max_length=80, help_text="The referrer's own reference.")
    received_at = models.DateTimeField()
    referrer = models.JSONField(default=dict)
    demographics = models.JSONField(default=dict)
    needs = models.JSONField(default=dict)
    support = models.JSONField(default=list)
    outcomes = models.JSONField(default=list)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    link_worker = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ReferralStatus.choices, default="received")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-received_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="coordination_referral_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.reference}"
