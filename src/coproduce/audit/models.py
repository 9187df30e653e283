"""Co-production self-assessment: instruments, rounds, respondents and their answers, evidence
beside a score, the action plan and the barriers a round finds.

An instrument is a document (``coproduce.audit.instruments``): sections of items on an answer
scale, a ladder question and bands. The shipped documents live in ``audit/data/instruments``;
an organisation's editable copies live here, one row per version. A round pins the version it
was opened with, so editing an instrument never changes a round already answered.

Scores are never stored: ``coproduce.audit.scoring`` computes them from the answers, the same
way for a round and for a paper CSV (``coproduce audit score``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from coproduce.directory.models import Asset, bounded_text
from coproduce.people.models import Organisation, Person

DEFAULT_THRESHOLD = 5


class Instrument(models.Model):
    """One version of an organisation's instrument; ``document`` is its JSON form."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_instruments"
    )
    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    document = models.JSONField()
    based_on = models.CharField(
        max_length=80, blank=True, help_text="The shipped instrument this copy started from."
    )
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "version"], name="audit_instrument_version_once"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="audit_instrument_version_1_up"
            ),
        ]
        ordering = ["organisation", "code", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Round(models.Model):
    """A self-assessment of one service, open from ``opens_on`` to ``closes_on`` inclusive."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_rounds"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="rounds")
    service = models.CharField(max_length=200, help_text="The service being assessed.")
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_rounds"
    )
    title = models.CharField(max_length=200)
    opens_on = models.DateField()
    closes_on = models.DateField()
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a manager closes the round early."
    )
    threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_THRESHOLD,
        help_text="No score is shown for a group with fewer respondents than this.",
    )
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="audit_round_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=1) & Q(threshold__lte=100),
                name="audit_round_threshold_1_to_100",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "service", "closes_on"])]
        ordering = ["-closes_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} — {self.service}"


class Group(models.TextChoices):
    STAFF = "staff", "Staff"
    MEMBER = "member", "Members"


class Source(models.TextChoices):
    LOGIN = "login", "Signed in"
    LINK = "link", "Anonymous link"
    PAPER = "paper", "Paper form"


class Respondent(models.Model):
    """One person's questionnaire in a round: signed in, through a single-use link, or a paper
    form entered by staff. Only a submitted questionnaire is scored."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="respondents")
    group = models.CharField(max_length=10, choices=Group.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_responses"
    )
    # SHA-256 of the link's token: the token itself is shown once, when the link is made.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    label = models.CharField(
        max_length=120, blank=True, help_text="A paper form's number or a CSV's respondent id."
    )
    ladder_rung = models.CharField(max_length=40, blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(person__isnull=False),
                name="audit_respondent_person_once_per_round",
            ),
            models.CheckConstraint(
                condition=~Q(source="link") | Q(token_hash__isnull=False),
                name="audit_respondent_link_has_token",
            ),
            models.CheckConstraint(
                condition=Q(group__in=["staff", "member"]), name="audit_respondent_group_known"
            ),
        ]
        indexes = [models.Index(fields=["round", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_group_display()} respondent {self.pk} in {self.round_id}"


class Answer(models.Model):
    """An answer to one item; ``value`` empty means "don't know" (not an answer when scored)."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    item_code = models.CharField(max_length=40)
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "item_code"], name="audit_answer_once_per_item"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | (Q(value__gte=0) & Q(value__lte=100)),
                name="audit_answer_value_small",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code}={self.value}"


class Evidence(models.Model):
    """An example beside a score: what happened and when, from the staff or the members' side."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="evidence")
    item_code = models.CharField(max_length=40)
    side = models.CharField(max_length=10, choices=Group.choices)
    what_happened = bounded_text("what happened", limit=2000)
    happened_on = models.DateField(null=True, blank=True)
    respondent = models.ForeignKey(
        Respondent, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    added_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["item_code", "-happened_on", "pk"]

    def __str__(self) -> str:
        return f"Evidence for {self.item_code} in round {self.round_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Not started"
    DOING = "doing", "In progress"
    DONE = "done", "Done"


class Action(models.Model):
    """A step in the action plan, taken from a round's weakest items and seen at the next one."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="actions")
    item_code = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200)
    detail = bounded_text(limit=2000)
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_actions"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default="open")
    done_at = models.DateTimeField(null=True, blank=True)
    progress_note = bounded_text(limit=2000)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False)
                | (~Q(status="done") & Q(done_at__isnull=True)),
                name="audit_action_done_at_when_done",
            ),
        ]
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Barrier(models.Model):
    """A barrier to co-production found during a round. When the commissioning app's barrier
    register exists it takes a copy (``coproduce.audit.barriers``) and ``register_ref`` keeps
    its reference."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="barriers")
    section_code = models.CharField(max_length=40, blank=True)
    description = bounded_text(limit=2000)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    register_ref = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Barrier in round {self.round_id}"
