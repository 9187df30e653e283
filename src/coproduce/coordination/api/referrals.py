"""Coordination API: referrals."""

from ninja import Router

router = Router(tags=["coordination"])
