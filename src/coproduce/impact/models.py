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
from django.db.models import Q

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
