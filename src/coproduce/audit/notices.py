"""What the audit tells people, through the notifications package. The services call these
inside their own transaction."""

from __future__ import annotations

from coproduce.notifications.events import event_register

ROUND_INVITED = event_register(
    "audit.round_invited", "You are asked to answer a co-production self-assessment"
).code
