"""What coordination tells people, through the notifications package (introductions and
reviews). The services call these inside their own transaction."""

from __future__ import annotations
