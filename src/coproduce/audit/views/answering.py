"""Answering pages: a signed-in invitee's questionnaire, an anonymous link's (public, no
sign-in), a paper form typed in by staff and the evidence beside a round's scores. Thin:
parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from coproduce.audit.forms_answering import EvidenceForm, PaperForm, QuestionnaireForm
from coproduce.audit.forms_instruments import ConfirmForm
from coproduce.audit.models import Respondent, Round, Source
from coproduce.audit.selectors import answering as selectors
from coproduce.audit.selectors.rounds import access_round, round_instrument, round_is_open
from coproduce.audit.services import answering as services
from coproduce.errors import PermissionDenied
from coproduce.framework.forms import form_data, form_submit, long_date
from coproduce.framework.pagination import paginate
from coproduce.people.permissions import viewer_of

# A service error on evidence names its own fields; the questionnaire's are these.
_EVIDENCE_FIELDS = {"item_code": "evidence_item", "what_happened": "evidence_text"}


def _questionnaire(
    request: HttpRequest,
    *,
    respondent: Respondent,
    save: Any,
    send: Any,
    with_evidence: bool,
) -> HttpResponse:
    """The questionnaire page of one respondent, shared by the invitee's and the link's.

    "Send my answers" saves them and asks once more, since sent answers cannot change; the
    confirmation (``action=confirm``) sends what is saved."""
    found: Round = respondent.round
    if respondent.submitted_at is not None:
        return render(
            request, "audit/respond_sent.html", {"round": found, "respondent": respondent}
        )
    if not round_is_open(found):
        return render(
            request,
            "audit/respond.html",
            {"round": found, "closed": True, "form": None},
            status=409 if request.method == "POST" else 200,
        )
    instrument = round_instrument(found)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        confirm = ConfirmForm(form_data(request))
        if form_submit(request, confirm, lambda _d: send()) is not None:
            return redirect(request.path)
        return _confirm_page(request, respondent, instrument, confirm, status=400)
    form = QuestionnaireForm(
        form_data(request),
        instrument=instrument,
        saved=selectors.respondent_answers(respondent),
        ladder=respondent.ladder_rung,
        with_evidence=with_evidence,
    )
    saved = form_submit(
        request, form, lambda d: save({**d, "submit": False}), fields=_EVIDENCE_FIELDS
    )
    if saved is not None:
        if form.cleaned_data["submit"]:
            return _confirm_page(request, saved, instrument, ConfirmForm())
        messages.success(
            request,
            "Your answers are saved. Come back to finish them before the round closes on "
            f"{long_date(found.closes_on)}.",
        )
        return redirect(request.path)
    return render(
        request,
        "audit/respond.html",
        {"round": found, "form": form, "instrument": instrument, "closed": False},
        status=400 if form.errors else 200,
    )


def _confirm_page(
    request: HttpRequest,
    respondent: Respondent,
    instrument: Any,
    form: ConfirmForm,
    *,
    status: int = 200,
) -> HttpResponse:
    """Before sending: how much is answered, and that sent answers cannot change."""
    answers = selectors.respondent_answers(respondent)
    items = instrument.items()
    answered = sum(1 for item in items if answers.get(item.code) is not None)
    return render(
        request,
        "audit/respond_confirm.html",
        {
            "round": respondent.round,
            "form": form,
            "answered": answered,
            "total": len(items),
            "dont_know": len(items) - answered,
            "ladder": bool(respondent.ladder_rung) or instrument.ladder is None,
        },
        status=status,
    )


@login_required
def respond(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = access_round(viewer, round_id=round_id)
    respondent = selectors.invitation_for(viewer, found)
    if respondent is None:
        raise PermissionDenied(services.NOT_INVITED)
    respondent.round = found
    return _questionnaire(
        request,
        respondent=respondent,
        with_evidence=selectors.may_see_evidence(viewer, found),
        save=lambda d: services.response_save(
            viewer=viewer,
            round_id=found.pk,
            answers=d["answers"],
            ladder=d["ladder"],
            submit=d["submit"],
            evidence_item=d.get("evidence_item", ""),
            evidence_text=d.get("evidence_text", ""),
        ),
        send=lambda: services.response_save(
            viewer=viewer, round_id=found.pk, answers={}, submit=True
        ),
    )


@never_cache
@csrf_protect
def respond_link(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the link's token is the only key. CSRF stays on (the form has its token, which
    works without signing in)."""
    respondent = selectors.respondent_by_token(token)
    if respondent.submitted_at is not None and request.method == "POST":
        return render(
            request,
            "audit/respond_sent.html",
            {"round": respondent.round, "respondent": respondent, "replayed": True},
            status=409,
        )
    return _questionnaire(
        request,
        respondent=respondent,
        with_evidence=True,
        save=lambda d: services.link_response_save(
            token=token,
            answers=d["answers"],
            ladder=d["ladder"],
            submit=d["submit"],
            evidence_item=d.get("evidence_item", ""),
            evidence_text=d.get("evidence_text", ""),
        ),
        send=lambda: services.link_response_save(token=token, answers={}, submit=True),
    )


@login_required
def paper_entry(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = access_round(viewer, round_id=round_id, ability="audit.enter_paper")
    instrument = round_instrument(found)
    form = PaperForm(form_data(request), instrument=instrument)
    entered = form_submit(
        request,
        form,
        lambda d: services.paper_response_enter(
            viewer=viewer,
            round_id=found.pk,
            group=d["group"],
            answers=d["answers"],
            ladder=d["ladder"] or None,
            label=d["label"],
        ),
    )
    if entered is not None:
        number = entered.label or str(
            Respondent.objects.filter(round=found, source=Source.PAPER).count()
        )
        messages.success(request, f"Form {number} entered. The form below is ready for the next.")
        return redirect("audit:paper_entry", round_id=found.pk)
    return render(
        request,
        "audit/paper_entry.html",
        {
            "round": found,
            "form": form,
            "instrument": instrument,
            "closed": not round_is_open(found),
        },
        status=400 if form.errors else 200,
    )


@login_required
def evidence(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = access_round(viewer, round_id=round_id)
    listed = selectors.round_evidence(viewer, found)
    instrument = round_instrument(found)
    form = EvidenceForm(form_data(request), instrument=instrument)
    added = form_submit(
        request,
        form,
        lambda d: services.evidence_add(
            viewer=viewer,
            round_id=found.pk,
            item_code=d["item_code"],
            what_happened=d["what_happened"],
            happened_on=d["happened_on"],
        ),
    )
    if added is not None:
        messages.success(request, "Your example is added.")
        return redirect("audit:evidence", round_id=found.pk)
    page = paginate(request, listed, per_page=25)
    texts = {item.code: item.text for item in instrument.items()}
    rows = [
        {"evidence": e, "item": f"{e.item_code}: {texts.get(e.item_code, '')}"}
        for e in page.object_list
    ]
    return render(
        request,
        "audit/evidence.html",
        {"round": found, "form": form, "page": page, "rows": rows},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("rounds/<int:round_id>/respond/", respond, name="respond"),
    path("r/<str:token>/", respond_link, name="respond_link"),
    path("rounds/<int:round_id>/paper/", paper_entry, name="paper_entry"),
    path("rounds/<int:round_id>/evidence/", evidence, name="evidence"),
]
