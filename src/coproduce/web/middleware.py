from __future__ import annotations

from collections.abc import Callable

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


NUL_MESSAGE = (
    "The request contained a character that cannot be stored (a null byte). "
    "Remove it and try again."
)


class RejectNulMiddleware:
    """A null byte in a query, form or JSON body is bad input, not a server error: PostgreSQL
    cannot store one, so refuse it at the door for every page and API call alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "invalid", "message": NUL_MESSAGE, "field": None}},
                    status=400,
                )
            response = TemplateResponse(
                request,
                "web/error.html",
                {"title": "That did not work", "message": NUL_MESSAGE},
                status=400,
            )
            return response.render()
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        for values in request.GET.lists():
            if any("\x00" in value for value in values[1]):
                return True
        content_type = request.content_type or ""
        if request.method in {"POST", "PUT", "PATCH"}:
            if content_type == "application/json":
                return b"\\u0000" in request.body
            if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                return any(
                    "\x00" in value for _name, values in request.POST.lists() for value in values
                )
        return False
