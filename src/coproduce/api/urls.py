"""The JSON API at /api/v1/: one NinjaAPI, a router per app, one error format."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from coproduce.api.docs import VendoredSwagger
from coproduce.audit.api import router as audit_router
from coproduce.budgeting.api import router as budgeting_router
from coproduce.coordination.api import router as coordination_router
from coproduce.directory.api import router as directory_router
from coproduce.errors import CoproduceError, InvalidInput
from coproduce.impact.api import router as impact_router
from coproduce.people.api import router as people_router
from coproduce.people.api_auth import SessionAuth, TokenAuth
from coproduce.timebank.api import router as timebank_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Coproduce API",
    version="1",
    description=(
        "People, organisations and memberships; the time bank; the asset directory; "
        "co-production audits; participatory budgeting; impact (outcomes, wellbeing, value "
        "by budget holder, SROI, network measures, evaluation reports). "
        "Authenticate with `Authorization: Bearer <token>` "
        "(create a token on your profile page or with `coproduce token create`). "
        'Every error is `{"error": {"code", "message", "field"}}`.'
    ),
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
    # Headings closed at first: with every operation open, Swagger UI 5.35 drew only the first
    # tag once the API passed about 140 operations (tests/e2e/test_structure.py).
    docs=VendoredSwagger(settings={"docExpansion": "none"}),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "field": field}}, status=status
    )


@api.exception_handler(CoproduceError)
def _domain_error(request: HttpRequest, exc: CoproduceError) -> HttpResponse:
    field = exc.field if isinstance(exc, InvalidInput) else None
    return _error(request, exc.status, exc.code, exc.message, field)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in {"body", "query", "path"}]
    field = location[-1] if location else None
    if location and location[0] == "payload":
        location = location[1:]
    message = str(first.get("msg", "Invalid input."))
    if field:
        message = f"{field}: {message}"
    return _error(request, 422, "invalid", message, field)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Send a valid API token.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error", exc_info=exc)
    return _error(request, 500, "server_error", "Something went wrong on our side.")


api.add_router("/", people_router)
api.add_router("/timebank/", timebank_router)
api.add_router("/directory/", directory_router)
api.add_router("/coordination/", coordination_router)
api.add_router("/audit/", audit_router)
api.add_router("/budgeting/", budgeting_router)
api.add_router("/impact/", impact_router)
