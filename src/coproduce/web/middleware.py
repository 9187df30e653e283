from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from coproduce.errors import CoproduceError, InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import User
from coproduce.people.permissions import viewer_for


class ViewerMiddleware:
    """Puts ``request.viewer`` (the user's person and active roles) on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if isinstance(request.user, User) else None
        request.viewer = viewer_for(user)  # type: ignore[attr-defined]
        return self.get_response(request)


class DomainErrorMiddleware:
    """The one place pages turn a service's domain error into an HTTP answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, CoproduceError):
            return None
        if isinstance(exception, NotFound):
            template, title = "web/error.html", "Page not found"
            message = "We could not find that page. It may have moved, or you may not have access."
        elif isinstance(exception, PermissionDenied):
            template, title = "web/error.html", "You cannot do that"
            message = exception.message
        else:
            template, title = "web/error.html", "That did not work"
            message = exception.message
            if isinstance(exception, InvalidInput) and exception.field:
                message = f"{exception.field.replace('_', ' ').capitalize()}: {message}"
        response = TemplateResponse(
            request,
            template,
            {"title": title, "message": message},
            status=exception.status,
        )
        return response.render()


# What each unstorable character is called in the message.
_NUL = "a null byte"
_SURROGATE = "an unpaired UTF-16 surrogate, like \\ud800"
# A JSON escape that may decode to an unstorable character: \u0000, or \ud800-\udfff.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _unstorable(text: str) -> str | None:
    """What in ``text`` the database cannot store: a null byte (PostgreSQL refuses one) or a
    lone UTF-16 surrogate (no UTF-8 encoding exists, so neither database can take it)."""
    if "\x00" in text:
        return _NUL
    if any("\ud800" <= char <= "\udfff" for char in text):
        return _SURROGATE
    return None


def _first_unstorable(
    value: Any, path: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], str] | None:
    """The path to the first key or text in a parsed JSON document that cannot be stored."""
    if isinstance(value, str):
        found = _unstorable(value)
        return (path, found) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key)
            if found:
                return (*path, key), found
            hit = _first_unstorable(item, (*path, key))
            if hit:
                return hit
    if isinstance(value, list):
        for index, item in enumerate(value):
            hit = _first_unstorable(item, (*path, index))
            if hit:
                return hit
    return None


class RejectNulMiddleware:
    """Text that cannot be stored -- a null byte, or a lone surrogate that a JSON body can
    carry as ``\\ud800`` -- is bad input, not a server error: refuse it at the door for every
    page and API call alike, naming the field it came in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self._find(request)
        if found is None:
            return self.get_response(request)
        field, what = found
        message = f"The request contained a character that cannot be stored ({what})."
        if field:
            message = f"{field}: {message[0].lower()}{message[1:]}"
        message += " Remove it and try again."
        if request.path.startswith("/api/"):
            name = field.rsplit(".", 1)[-1].split("[", 1)[0] if field else None
            return JsonResponse(
                {"error": {"code": "invalid", "message": message, "field": name}}, status=400
            )
        response = TemplateResponse(
            request,
            "web/error.html",
            {"title": "That did not work", "message": message},
            status=400,
        )
        return response.render()

    @staticmethod
    def _find(request: HttpRequest) -> tuple[str | None, str] | None:
        """(the field, what is wrong with it) for the first unstorable text, else None."""
        found = _unstorable(request.path)
        if found:
            return None, found
        for name, values in request.GET.lists():
            for text in (name, *values):
                found = _unstorable(text)
                if found:
                    return name, found
        content_type = request.content_type or ""
        if request.method not in {"POST", "PUT", "PATCH"}:
            return None
        if content_type == "application/json":
            body = request.body
            if not _SUSPECT_ESCAPE.search(body):
                return None
            try:
                document = json.loads(body)
            except ValueError:
                return None  # not JSON: the view's own parser says so
            hit = _first_unstorable(document)
            if hit is None:
                return None
            path, found = hit
            return _json_path(path) or None, found
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            for name, values in request.POST.lists():
                for text in (name, *values):
                    found = _unstorable(text)
                    if found:
                        return name, found
        return None


def _json_path(parts: tuple[str | int, ...]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path
