"""The API's one error format, and the response mapping every operation declares with it."""

from __future__ import annotations

from typing import Any

from ninja import Schema

# What any operation may answer besides its success: bad input a service rejects (400), no or
# a bad token (401), a role that does not allow it (403), an unknown or foreign id (404), a
# clash with the current state (409) and input the schema rejects (422).
ERROR_STATUSES = (400, 401, 403, 404, 409, 422)


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None


class ErrorOut(Schema):
    error: ErrorDetail


def responses(success: Any, status: int = 200) -> dict[int, Any]:
    """``response=`` for an operation: its success schema and the error schema for the rest."""
    return {status: success, **dict.fromkeys(ERROR_STATUSES, ErrorOut)}
