"""The domain errors every service raises; web and api each map them to HTTP in one place."""

from __future__ import annotations


class CoproduceError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(CoproduceError):
    """The viewer can see the record but their role does not allow this action (HTTP 403)."""

    code = "permission_denied"
    status = 403


class NotFound(CoproduceError):
    """No such record, or one the viewer may not know exists (HTTP 404)."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class InvalidInput(CoproduceError):
    """Bad input; ``field`` names the form or API field at fault, or is None for the whole."""

    code = "invalid"
    status = 400

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class Conflict(CoproduceError):
    """The request clashes with the current state (already decided, double booking...)."""

    code = "conflict"
    status = 409
