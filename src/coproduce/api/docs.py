"""The API's documentation page: Swagger UI served from our own static files.

django-ninja's default page loads Swagger UI from a CDN unless ``ninja`` is an installed app,
and the content security policy (scripts and styles from 'self' only) blocks the CDN, so the
page was blank offline and online. This page loads the vendored copy in
api/static/api/vendor/ and starts it from a script file, never an inline script."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI

SWAGGER_UI_VERSION = "5.35.0"


class VendoredSwagger(Swagger):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            self.template,
            {
                "api": api,
                "swagger_settings": settings,
                "vendor": f"api/vendor/swagger-ui-{SWAGGER_UI_VERSION}",
            },
        )
