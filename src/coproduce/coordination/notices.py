"""What coordination tells people, through the notifications package (introductions and
reviews). The services call these inside their own transaction."""

from __future__ import annotations

from coproduce.notifications.events import event_register

REVIEW_DUE = event_register(
    "coordination.review_due", "A plan on your caseload is due a review"
).code
PLAN_HANDED_OVER = event_register(
    "coordination.plan_handed_over", "A person's plan is handed over to you"
).code
