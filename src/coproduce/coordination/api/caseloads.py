"""Coordination API: caseloads."""

from ninja import Router

router = Router(tags=["coordination"])
