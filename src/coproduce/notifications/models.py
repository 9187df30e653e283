from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", "By email straight away"
    WEEKLY = "weekly", "In a weekly email digest"
    NEVER = "never", "Not by email (only here)"


class Notification(models.Model):
    """News for one person who can sign in. Shown on the site always; emailed as their
    preference for its event says."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=2000)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "event"],
                name="notification_unemailed",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """How one person wants to hear about one kind of event by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(max_length=60)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_preference_per_event"),
            models.CheckConstraint(
                condition=models.Q(frequency__in=Frequency.values), name="preference_frequency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.frequency}"
