from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A login. People who do not use email or a phone have a Person and no User."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email


class Area(models.Model):
    """A neighbourhood; the boundary is a centre point and a radius."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_km = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="area_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="area_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(radius_km__isnull=True) | Q(radius_km__gt=0),
                name="area_radius_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    TIME_BANK = "time_bank", "Time bank"
    PUBLIC_SERVICE = "public_service", "Public service"
    COMMUNITY_GROUP = "community_group", "Community group"
    PARTNER = "partner", "Partner"
    COMMISSIONER = "commissioner", "Commissioner"


class Sector(models.TextChoices):
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    HEALTH = "health", "Health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "Housing"
    CRIMINAL_JUSTICE = "criminal_justice", "Criminal justice"
    EDUCATION_AND_FAMILIES = "education_and_families", "Education and families"
    WELFARE_TO_WORK = "welfare_to_work", "Welfare to work"
    REGENERATION = "regeneration", "Regeneration"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Listed for visitors, who may apply to join."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="organisation_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    ONLY_ME = "only_me", "Only me (and coordinators when they need it)"
    COORDINATORS = "coordinators", "Coordinators of my organisations"
    MEMBERS = "members", "Members of my organisations"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    POST = "post", "Post"
    IN_PERSON = "in_person", "In person, through my coordinator"


class Person(models.Model):
    """Anyone taking part. ``user`` is empty for people a coordinator acts for."""

    user = models.OneToOneField(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    full_name = models.CharField(max_length=200)
    preferred_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    date_of_birth = models.DateField(null=True, blank=True)
    contact_by = models.CharField(
        max_length=16, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    email_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.COORDINATORS
    )
    phone_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.COORDINATORS
    )
    address_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.ONLY_ME
    )
    about = models.TextField("About me", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("full_name", "pk")
        indexes = [models.Index(fields=["full_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    STAFF = "staff", "Staff"
    COORDINATOR = "coordinator", "Coordinator"
    MANAGER = "manager", "Manager"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMIN = "admin", "Administrator"


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"
    DECLINED = "declined", "Declined"


class Membership(models.Model):
    """A person in an organisation. Only ``people.services.memberships._membership_write``
    changes ``role`` or ``status`` (the one-door test keeps it so)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED
    )
    number = models.CharField("membership number", max_length=20)
    application_note = models.TextField(blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.TextField(blank=True)
    contracted_minutes_per_week = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="For staff: contracted time, for the 10% participation line.",
    )

    class Meta:
        ordering = ("organisation_id", "person__full_name", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"], name="membership_one_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["organisation", "number"], name="membership_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="membership_declined_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "role"]),
            # The few memberships that are not active: "only what active members offer" is
            # then an anti-join against this small index, not a join to every membership.
            models.Index(
                fields=["id"], condition=~Q(status="active"), name="membership_not_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.organisation} ({self.role})"


class SkillKind(models.TextChoices):
    OFFER = "offer", "What I can offer"
    INTEREST = "interest", "What I'd like to do"


class Skill(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    kind = models.CharField(max_length=10, choices=SkillKind.choices)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("kind", "label")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "label"], name="skill_unique"),
            models.CheckConstraint(condition=~Q(label=""), name="skill_label_not_empty"),
        ]

    def __str__(self) -> str:
        return self.label


class ConsentPurpose(models.TextChoices):
    CONTACT = "contact", "Being contacted about exchanges and activities"
    SPECIAL_CATEGORY = "special_category", "Recording health or disability details"
    SHARE_WITH_PARTNERS = "share_with_partners", "Sharing my name with partner venues"
    PHOTOS = "photos", "Photographs at events"
    # Coordination suggests a person to others (for an introduction) only with this.
    BE_FOUND = "be_found", "Being suggested by a coordinator to people who share my interests"


class Consent(models.Model):
    """A consent given at a time; withdrawing sets ``withdrawn_at`` and keeps the record."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-given_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_current_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.purpose}"


class DbsLevel(models.TextChoices):
    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard"
    ENHANCED = "enhanced", "Enhanced"
    ENHANCED_BARRED = "enhanced_barred", "Enhanced with barred lists"


class Vetting(models.Model):
    """References and DBS check. Special-category: coordinators only, every view logged."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vettings")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    references_taken = models.PositiveSmallIntegerField(default=0)
    dbs_checked_on = models.DateField(null=True, blank=True)
    dbs_level = models.CharField(max_length=20, choices=DbsLevel.choices, blank=True)
    checked_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-recorded_at",)
        constraints = [
            models.CheckConstraint(
                condition=(Q(dbs_checked_on__isnull=True) & Q(dbs_level=""))
                | (Q(dbs_checked_on__isnull=False) & ~Q(dbs_level="")),
                name="vetting_dbs_date_and_level_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Vetting of {self.person}"


class SensitiveAccess(models.Model):
    """Who looked at special-category data, and when (DESIGN invariant 5)."""

    viewer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # Empty when the record is not yet linked to a person (a referral received for someone
    # who is not yet a member): ``object_ref`` then says which record it was.
    subject = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    what = models.CharField(max_length=60)
    # The organisation whose record was read, so its managers can read the log.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_ref = models.CharField(max_length=80, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-at",)

    def __str__(self) -> str:
        return f"{self.viewer} viewed {self.what} of {self.subject or self.object_ref}"


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organisation}"


class ApiToken(models.Model):
    """A personal API token; only a SHA-256 of the secret is stored."""

    user = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class HistoryEntry(models.Model):
    """What happened, by whom: every service that changes state writes one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-at",)
        verbose_name_plural = "history entries"
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}:{self.subject_id}"
