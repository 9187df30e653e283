from typing import Any

from django.apps import AppConfig
from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.http import HttpRequest


def _say_signed_out(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Signing out lands on the sign-in page, which otherwise looks as if nothing happened.
    # The message travels in the messages cookie, so the session flush that follows keeps it.
    if request is not None and hasattr(request, "_messages"):
        messages.success(request, "You have signed out.")


class WebConfig(AppConfig):
    name = "coproduce.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        user_logged_out.connect(_say_signed_out, dispatch_uid="coproduce.web.signed_out")
