"""Signing in by email: the address is compared as it is stored, trimmed and in lower case,
so ``User@Example.org`` signs in as ``user@example.org`` and django-axes counts failed
attempts against the one address however it was typed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def sign_in_email(raw: str) -> str:
    return raw.strip().lower()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """``AXES_USERNAME_CALLABLE``: the address a lock-out is counted against."""
    source: Any = credentials if credentials else getattr(request, "POST", {})
    return sign_in_email(str(source.get("username") or ""))
