"""Impact's records: unit costs and the GDP-deflator series that re-bases them. (The pure
measures — SROI, network, wellbeing, price-year arithmetic — are in their own modules and need
no database.)

A unit cost with no organisation is a row of the shipped starter table
(``impact/data/unit-costs-gmca-starter.csv``), loaded by a data migration and read-only; an
organisation adds its own beside them. A deflator year with no organisation belongs to the
default series; an organisation that edits the series edits its own copy.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from coproduce.people.models import Organisation


class Agency(models.TextChoices):
    """The budget holder that bears a cost (or gains the saving)."""

    NHS = "nhs", "NHS"
    SOCIAL_CARE = "la_social_care", "Local authority social care"
    LOCAL_AUTHORITY = "local_authority", "Local authority (other)"
    POLICE = "police", "Police"
    CRIMINAL_JUSTICE = "criminal_justice", "Criminal justice"
    DWP = "dwp", "DWP"
    HOUSING = "housing", "Housing"
    EDUCATION = "education", "Education"
    OTHER = "other", "Other"


class CostKind(models.TextChoices):
    """Green Book supplementary guidance's three kinds of value."""

    FISCAL = "fiscal", "Fiscal"
    ECONOMIC = "economic", "Economic"
    SOCIAL = "social", "Social"


class UnitCost(models.Model):
    """One unit cost in pounds at the prices of ``price_year`` (a financial year, "2013/14")."""

    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="unit_costs",
        help_text="Empty for a row of the shipped starter table.",
    )
    code = models.CharField(max_length=40)
    description = models.CharField(max_length=300)
    unit = models.CharField(max_length=80, help_text="What one unit is: per incident, per week…")
    # Money is whole pence here, as everywhere (STYLE rule 8); ``value`` gives pounds.
    value_pence = models.BigIntegerField(help_text="In pence.")
    price_year = models.CharField(max_length=7, help_text="The financial year, like 2013/14.")
    agency = models.CharField(max_length=20, choices=Agency.choices)
    agency_detail = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=10, choices=CostKind.choices)
    source = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="impact_unit_cost_code_once"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True),
                name="impact_unit_cost_starter_code_once",
            ),
            models.CheckConstraint(
                condition=Q(value_pence__gte=0), name="impact_unit_cost_value_0_up"
            ),
            models.CheckConstraint(
                condition=~Q(price_year=""), name="impact_unit_cost_price_year_given"
            ),
            models.CheckConstraint(condition=~Q(source=""), name="impact_unit_cost_source_given"),
        ]
        ordering = ["agency", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description} (£{self.value}, {self.price_year})"

    @property
    def value(self) -> Decimal:
        """The cost in pounds, to the penny."""
        return (Decimal(self.value_pence) / 100).quantize(Decimal("0.01"))


class DeflatorYear(models.Model):
    """One financial year's GDP-deflator index in a series (any base; only ratios are used)."""

    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deflator_years",
        help_text="Empty for the default series.",
    )
    financial_year = models.CharField(max_length=7, help_text="Like 2013/14.")
    index = models.DecimalField(max_digits=12, decimal_places=6)
    source = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "financial_year"], name="impact_deflator_year_once"
            ),
            models.UniqueConstraint(
                fields=["financial_year"],
                condition=Q(organisation__isnull=True),
                name="impact_deflator_default_year_once",
            ),
            models.CheckConstraint(condition=Q(index__gt=0), name="impact_deflator_index_above_0"),
            models.CheckConstraint(
                condition=~Q(financial_year=""), name="impact_deflator_year_given"
            ),
            models.CheckConstraint(condition=~Q(source=""), name="impact_deflator_source_given"),
        ]
        ordering = ["organisation", "financial_year"]

    def __str__(self) -> str:
        return f"{self.financial_year}: {self.index}"


# --- Outcome indicators, defined with members, and the records against them -------------------


class IndicatorStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    RETIRED = "retired", "Retired"


class SplitRule(models.TextChoices):
    """How an outcome's value is shared when several budget holders gain from it."""

    EQUAL = "equal", "Equal shares"
    STATED = "stated", "Stated shares (per cent, adding to 100)"


class ConfidenceGrade(models.IntegerChoices):
    """How far the figures behind a value can be trusted, 1 (best) to 6; each grade carries an
    optimism-bias correction (``impact.value.OPTIMISM_BIAS``)."""

    AUDITED = 1, "1 — independently audited or verified data"
    MONITORING = 2, "2 — data from an established monitoring system"
    EVALUATION = 3, "3 — local data or a previous evaluation"
    NATIONAL = 4, "4 — national data or research applied locally"
    JUDGEMENT = 5, "5 — expert or professional judgement"
    ESTIMATE = 6, "6 — an estimate with little data behind it"


class OutcomeIndicator(models.Model):
    """An outcome that the people who use a service said matters, how it is measured and who
    gains from it. Proposed by anyone taking part; agreed when people other than the proposer
    agree to it and a manager adopts it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="outcome_indicators"
    )
    service = models.CharField(max_length=200, help_text="The service, like: day service.")
    name = models.CharField(max_length=200)
    description = models.TextField(help_text="What the outcome means, in members' own words.")
    how_measured = models.TextField(help_text="How it is counted or measured, and how often.")
    unit = models.CharField(max_length=80, help_text="What one is: a person, a week, a visit…")
    concerns = models.CharField(max_length=300, help_text="The people it concerns: who is counted.")
    unit_cost = models.ForeignKey(
        UnitCost,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        help_text="The value of one unit of outcome; empty when it is not valued in money.",
    )
    split_rule = models.CharField(max_length=10, choices=SplitRule.choices, default=SplitRule.EQUAL)
    confidence_grade = models.PositiveSmallIntegerField(
        choices=ConfidenceGrade.choices, default=ConfidenceGrade.EVALUATION
    )
    status = models.CharField(
        max_length=10, choices=IndicatorStatus.choices, default=IndicatorStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    adopted_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "service", "name"], name="impact_indicator_name_once"
            ),
            models.CheckConstraint(
                condition=Q(confidence_grade__gte=1, confidence_grade__lte=6),
                name="impact_indicator_grade_1_6",
            ),
        ]
        ordering = ["organisation", "service", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.service})"


class IndicatorBenefit(models.Model):
    """A budget holder that gains when the outcome happens: its share of the value (under the
    indicator's split rule) and whether the saving is cashable."""

    indicator = models.ForeignKey(
        OutcomeIndicator, on_delete=models.CASCADE, related_name="benefits"
    )
    agency = models.CharField(max_length=20, choices=Agency.choices)
    share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Per cent of the value, under the stated-shares rule.",
    )
    cashable = models.BooleanField(
        default=False, help_text="Money that can be taken out of a budget, not capacity freed."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "agency"], name="impact_benefit_agency_once"
            ),
            models.CheckConstraint(
                condition=Q(share_percent__isnull=True)
                | Q(share_percent__gt=0, share_percent__lte=100),
                name="impact_benefit_share_0_100",
            ),
        ]
        ordering = ["indicator", "agency"]

    def __str__(self) -> str:
        return f"{self.get_agency_display()} ({self.indicator})"


class IndicatorAgreement(models.Model):
    """One person's agreement that an indicator measures what matters."""

    indicator = models.ForeignKey(
        OutcomeIndicator, on_delete=models.CASCADE, related_name="agreements"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    comment = models.CharField(max_length=500, blank=True)
    agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "person"], name="impact_agreement_once")
        ]
        ordering = ["indicator", "agreed_at"]

    def __str__(self) -> str:
        return f"{self.person_id} agrees to {self.indicator_id}"


class OutcomeRecord(models.Model):
    """A count or measurement of an indicator for a period, with its evidence; it counts in
    value and payment only once someone other than the recorder has verified it."""

    indicator = models.ForeignKey(
        OutcomeIndicator, on_delete=models.PROTECT, related_name="records"
    )
    area = models.ForeignKey(
        "people.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day of the period, inclusive.")
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    evidence = models.TextField(help_text="What shows it happened: a register, a letter…")
    recorded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="impact_record_quantity_0_up"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="impact_record_period_ordered",
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="impact_record_evidence_given"),
        ]
        indexes = [models.Index(fields=["indicator", "period_start"])]
        ordering = ["indicator", "period_start", "pk"]

    def __str__(self) -> str:
        return f"{self.indicator.name}: {self.quantity} ({self.period_start} to {self.period_end})"

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


# --- Wellbeing ---------------------------------------------------------------------------------


class Instrument(models.TextChoices):
    ONS4 = "ons4", "ONS4 personal wellbeing"
    SWEMWBS = "swemwbs", "SWEMWBS (Short Warwick-Edinburgh Mental Wellbeing Scale)"


class WellbeingLicence(models.Model):
    """An organisation's record that it holds the SWEMWBS licence from its owners. Without it
    the instrument's text is not shown and its scores cannot be entered."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="wellbeing_licence"
    )
    swemwbs_licence_held = models.BooleanField(default=False)
    licence_reference = models.CharField(
        max_length=200, blank=True, help_text="The licence number or the owners' letter."
    )
    recorded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SWEMWBS licence held: {'yes' if self.swemwbs_licence_held else 'no'}"


class WellbeingResponse(models.Model):
    """One person's answers to one instrument on one day. ``answers`` holds the item scores
    in the instrument's order (ONS4: life satisfaction, worthwhile, happiness, anxiety, each
    0-10; SWEMWBS: seven items, 1-5); ``score`` the SWEMWBS metric score."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="wellbeing_responses"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="wellbeing_responses"
    )
    service = models.CharField(max_length=200, blank=True)
    instrument = models.CharField(max_length=10, choices=Instrument.choices)
    taken_on = models.DateField()
    answers = models.JSONField()
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person", "instrument", "taken_on"],
                name="impact_wellbeing_once_a_day",
            )
        ]
        ordering = ["organisation", "person", "instrument", "taken_on"]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} on {self.taken_on}"


# --- SROI value maps ---------------------------------------------------------------------------


class ValueMap(models.Model):
    """An SROI value map of a service: the investment and the discounting it is read with."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="value_maps"
    )
    service = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    inputs = models.TextField(help_text="What went in: money, time, premises, volunteers' time.")
    investment_pence = models.BigIntegerField(help_text="The value of the inputs, in pence.")
    discount_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("3.5"), help_text="Per cent a year."
    )
    discount_year_one = models.BooleanField(
        default=True, help_text="Discount the first year's value too (the SROI template does)."
    )
    created_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(investment_pence__gt=0), name="impact_value_map_investment_above_0"
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lte=100),
                name="impact_value_map_rate_0_100",
            ),
        ]
        ordering = ["organisation", "service", "title"]

    def __str__(self) -> str:
        return self.title


class ValueMapOutcome(models.Model):
    """One row of a value map: the columns of ``coproduce impact sroi``'s CSV."""

    value_map = models.ForeignKey(ValueMap, on_delete=models.CASCADE, related_name="outcomes")
    stakeholder = models.CharField(max_length=200)
    outcome = models.CharField(max_length=300)
    indicator = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    financial_proxy = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Pounds per unit, per year."
    )
    proxy_source = models.CharField(max_length=300)
    deadweight = models.DecimalField(max_digits=7, decimal_places=4)
    displacement = models.DecimalField(max_digits=7, decimal_places=4)
    attribution = models.DecimalField(max_digits=7, decimal_places=4)
    drop_off = models.DecimalField(max_digits=7, decimal_places=4)
    duration = models.PositiveSmallIntegerField(help_text="Years.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["value_map", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.stakeholder}: {self.outcome}"


# --- Evaluation reports, built in the background -----------------------------------------------


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class EvaluationReport(models.Model):
    """An evaluation report of a service (or all of an organisation's services), an area (or
    all) and a period, built by a background task; ``figures`` holds the finished report,
    aggregates only."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="evaluation_reports"
    )
    service = models.CharField(max_length=200, blank=True, help_text="Empty: every service.")
    area = models.ForeignKey(
        "people.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    price_year = models.CharField(max_length=7, blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    stage = models.CharField(max_length=200, blank=True)
    figures = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="impact_report_period_ordered",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="impact_report_progress"),
        ]
        ordering = ["organisation", "-requested_at"]

    def __str__(self) -> str:
        return f"{self.service or 'All services'} {self.period_start} to {self.period_end}"
