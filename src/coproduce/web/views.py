from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Page not found", "message": "We could not find that page."},
        status=404,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "You cannot do that", "message": "You do not have access to this page."},
        status=403,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Sorry, something went wrong", "message": "Please try again later."},
        status=500,
    )
