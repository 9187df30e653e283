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
INTRODUCTION_ASKED = event_register(
    "coordination.introduction_asked", "You are asked to agree to an introduction"
).code
INTRODUCTION_AGREED = event_register(
    "coordination.introduction_agreed", "An introduction is agreed by everyone asked"
).code
INTRODUCTION_DECLINED = event_register(
    "coordination.introduction_declined", "Someone said no to an introduction you made"
).code
INTRODUCTION_FOLLOW_UP_DUE = event_register(
    "coordination.introduction_follow_up_due", "An introduction you made is due a follow-up"
).code
GROUP_MEETING_SCHEDULED = event_register(
    "coordination.group_meeting_scheduled", "A peer support group you are in has a new meeting"
).code
