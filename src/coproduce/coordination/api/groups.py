"""Coordination API: groups."""

from ninja import Router

router = Router(tags=["coordination"])
