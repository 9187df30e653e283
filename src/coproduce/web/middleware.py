from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
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
