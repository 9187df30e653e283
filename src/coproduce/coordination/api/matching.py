"""Coordination API: matching."""

from ninja import Router

router = Router(tags=["coordination"])
