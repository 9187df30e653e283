"""The neighbourhood asset map: community assets, their opening times, bookable spare capacity
and asset-mapping sessions. Ids that leave the system (Open Referral UK) are UUIDs."""

from __future__ import annotations

import uuid

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from coproduce.people.models import Area, Organisation, Person

# The longest text each free-text field keeps: the form, the API schema and the model share
# these, and a CHECK constraint backs each one up (a TextField has no length in the database).
LONG_TEXT = 5000
MEDIUM_TEXT = 2000


def bounded_text(verbose_name: str | None = None, *, limit: int = LONG_TEXT) -> models.TextField:
    """A blank-able TextField that full_clean and the forms hold to ``limit`` characters."""
    return models.TextField(
        verbose_name, blank=True, max_length=limit, validators=[MaxLengthValidator(limit)]
    )


def text_length_check(field: str, limit: int, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=name,
    )


class AssetCategory(models.TextChoices):
    """The asset-based community development (ABCD) categories."""

    INDIVIDUAL_GIFT = "individual_gift", "Individuals' gifts"
    ASSOCIATION = "association", "Associations and groups"
    INSTITUTION = "institution", "Institutions and services"
    PHYSICAL_SPACE = "physical_space", "Physical spaces"
    ECONOMIC = "economic", "Economic assets"
    CULTURE = "culture", "Culture and history"


class AssetStatus(models.TextChoices):
    # The values are Open Referral UK's service statuses, so they export unchanged.
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class AccessibilityFeature(models.TextChoices):
    STEP_FREE = "step_free", "Step-free access"
    ACCESSIBLE_TOILET = "accessible_toilet", "Accessible toilet"
    HEARING_LOOP = "hearing_loop", "Hearing loop"
    QUIET_SPACE = "quiet_space", "Quiet space"


class OrganisationIdentity(models.Model):
    """The stable UUID an organisation carries in Open Referral UK, kept across imports."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="openreferral_identity"
    )
    uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    def __str__(self) -> str:
        return f"{self.organisation} = {self.uuid}"


class Taxonomy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    uri = models.URLField(blank=True)
    version = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "taxonomies"
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="taxonomy_has_name")]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.PROTECT, related_name="terms"
    )
    code = models.CharField(max_length=80, blank=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    term_uri = models.URLField(blank=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="taxonomy_term_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class MappingSessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class MappingSession(models.Model):
    """A coordinator and residents capturing the assets of a neighbourhood together."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="mapping_sessions"
    )
    title = models.CharField(max_length=200)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    held_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=MappingSessionStatus.choices, default=MappingSessionStatus.OPEN
    )
    created_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-held_on", "-pk")

    def __str__(self) -> str:
        return self.title


class Asset(models.Model):
    """A community asset; exported to Open Referral UK as a service at one location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assets")
    category = models.CharField(max_length=20, choices=AssetCategory.choices)
    name = models.CharField(max_length=200)
    description = bounded_text()
    status = models.CharField(max_length=20, choices=AssetStatus.choices, default="active")
    is_public = models.BooleanField(
        default=True, help_text="Shown to visitors when the organisation is public too."
    )
    url = models.URLField("website", blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    contact_name = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    # As an imported address gave it (ISO 3166 alpha-2 in the standard); assets entered here
    # are in the UK.
    country = models.CharField(max_length=60, default="GB")
    # A UK postcode normalised; an imported record may carry another country's postal code.
    postcode = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    needs_location = models.BooleanField(
        default=False,
        help_text="Imported with an address we could not place on the map; give it a point.",
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    cost_pence = models.PositiveIntegerField("cost in pence", default=0, help_text="0 means free.")
    cost_description = models.CharField(max_length=200, blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    eligibility = bounded_text("who may use it", limit=MEDIUM_TEXT)
    accessibility = bounded_text("accessibility details", limit=MEDIUM_TEXT)
    step_free = models.BooleanField(default=False)
    accessible_toilet = models.BooleanField(default=False)
    hearing_loop = models.BooleanField(default=False)
    quiet_space = models.BooleanField(default=False)
    languages = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated language codes, like en,pl,ur."
    )
    taxonomy_terms = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="assets")
    mapping_session = models.ForeignKey(
        MappingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_checked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the services (not auto_now) so an import keeps the feed's last_modified.
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("name", "id")
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="asset_lat_lon"),
            models.Index(fields=["organisation", "category"], name="asset_org_category"),
            models.Index(fields=["cost_pence"], name="asset_cost"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="asset_has_name"),
            text_length_check("description", LONG_TEXT, "asset_description_length"),
            text_length_check("eligibility", MEDIUM_TEXT, "asset_eligibility_length"),
            text_length_check("accessibility", MEDIUM_TEXT, "asset_accessibility_length"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="asset_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="asset_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="asset_lat_lon_together",
            ),
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="asset_age_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("directory:asset_detail", kwargs={"pk": self.pk})

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @property
    def accessibility_features(self) -> list[str]:
        return [
            str(feature.label) for feature in AccessibilityFeature if getattr(self, feature.value)
        ]


class Frequency(models.TextChoices):
    WEEKLY = "WEEKLY", "Weekly"
    MONTHLY = "MONTHLY", "Monthly"


class Schedule(models.Model):
    """A recurring opening time, in the iCalendar terms Open Referral UK uses."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="schedules")
    freq = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY)
    interval = models.PositiveSmallIntegerField(default=1)
    # "MO,TU" for weekly; monthly parts may carry an occurrence, like "2MO" or "-1FR".
    byday = models.CharField(max_length=60)
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("asset_id", "opens_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="schedule_closes_after_opening",
            ),
            models.CheckConstraint(condition=Q(interval__gte=1), name="schedule_interval_1"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="schedule_valid_range_ordered",
            ),
            models.CheckConstraint(condition=~Q(byday=""), name="schedule_has_days"),
        ]

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at:%H:%M} to {self.closes_at:%H:%M}"


class PostcodeCentroid(models.Model):
    """Where a postcode is, learnt from assets entered with both; no national dataset ships."""

    postcode = models.CharField(max_length=10, unique=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ("postcode",)

    def __str__(self) -> str:
        return self.postcode


class ResourceKind(models.TextChoices):
    ROOM = "room", "Room"
    VEHICLE = "vehicle", "Vehicle"
    KITCHEN = "kitchen", "Kitchen"
    EQUIPMENT = "equipment", "Equipment"
    OTHER = "other", "Other"


class Resource(models.Model):
    """Spare capacity that others may book: a room, a minibus, a kitchen, equipment."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=ResourceKind.choices)
    description = bounded_text()
    capacity = models.PositiveIntegerField(null=True, blank=True)
    available_days = models.CharField(
        max_length=30, default="MO,TU,WE,TH,FR,SA,SU", help_text="Days it may be booked."
    )
    available_from = models.TimeField()
    available_until = models.TimeField()
    credit_minutes = models.PositiveIntegerField(
        "price in time credits",
        default=0,
        help_text="Minutes of time credit a booking costs (60 is one credit); 0 is free.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__gt=models.F("available_from")),
                name="resource_available_window_ordered",
            ),
            text_length_check("description", LONG_TEXT, "resource_description_length"),
        ]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the owner"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


# A request holds its slot until the owner decides, so two people are never both told yes.
HOLDING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.APPROVED)
# How far ahead a booking may be asked for, in days (two years).
BOOKING_HORIZON_DAYS = 730


class Booking(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="bookings")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    purpose = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = bounded_text(limit=MEDIUM_TEXT)
    credit_minutes = models.PositiveIntegerField(default=0)
    # The time bank whose credits pay, and the ledger transfer that paid: a plain id rather
    # than a foreign key, so the directory's tables do not depend on the time bank's.
    bank = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_transfer_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("starts_at", "pk")
        indexes = [models.Index(fields=["resource", "starts_at"], name="booking_resource_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="booking_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(credit_minutes=0) | Q(bank__isnull=False),
                name="booking_paid_names_its_bank",
            ),
            text_length_check("decline_reason", MEDIUM_TEXT, "booking_decline_reason_length"),
        ]
        # PostgreSQL also gets booking_no_overlap, an exclusion constraint (migration 0002).

    def __str__(self) -> str:
        return f"{self.resource} {self.starts_at:%Y-%m-%d %H:%M}"


class PendingImport(models.Model):
    """Parsed rows of an uploaded sheet (or the services of an Open Referral UK file), held for
    preview; no asset exists until confirmed."""

    class Format(models.TextChoices):
        SHEET = "sheet", "CSV or Excel sheet"
        OPENREFERRAL = "openreferral", "Open Referral UK JSON"

    session = models.ForeignKey(MappingSession, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=12, choices=Format.choices, default=Format.SHEET)
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.filename
