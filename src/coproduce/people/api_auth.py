from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from coproduce.people.permissions import viewer_for
from coproduce.people.services import api_token_user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cp_…`` with a personal token from the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None:
            return None
        request.viewer = viewer_for(user)  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session, with CSRF checked on writes (pages' HTMX calls)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        return None
