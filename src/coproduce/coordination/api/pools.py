"""Coordination API: pools."""

from ninja import Router

router = Router(tags=["coordination"])
