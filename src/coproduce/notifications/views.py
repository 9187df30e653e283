from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.notifications import selectors, services
from coproduce.notifications.events import event_get
from coproduce.notifications.forms import PreferencesForm


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.notification_list(user=request.user), per_page=25)
    return render(request, "notifications/list.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_read(user=request.user, notification_id=notification_id)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(user=request.user)
    messages.success(request, f"Marked {count} as read." if count else "Nothing was unread.")
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    choices = selectors.preferences_for(user=request.user)
    form = PreferencesForm(form_data(request), choices=choices)
    saved = form_submit(
        request, form, lambda data: services.preferences_set(user=request.user, choices=data)
    )
    if saved is not None:
        messages.success(request, "Your email choices are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Works without signing in: the link in every email. A GET only asks; the POST (a
    button, or a mail client's one-click unsubscribe) stops the emails."""
    user, event = services.unsubscribe_read(token)
    label = "" if event == services.ALL_EVENTS else event_get(event).label
    if request.method == "POST":
        services.unsubscribe(token=token)
        return render(
            request, "notifications/unsubscribed.html", {"label": label, "email": user.email}
        )
    return render(request, "notifications/unsubscribe.html", {"label": label, "email": user.email})
