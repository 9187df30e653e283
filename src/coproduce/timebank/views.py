"""Time-bank pages: parse input, call one selector or service, render."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from coproduce.errors import InvalidInput
from coproduce.framework.amounts import amount_format
from coproduce.framework.charts import bar_chart
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people.models import Membership, Organisation, OrganisationKind
from coproduce.people.permissions import Viewer, viewer_of
from coproduce.timebank import forms, ledger, selectors, services
from coproduce.timebank.models import ListingKind

GET_POST = require_http_methods(["GET", "POST"])


def _bank(request: HttpRequest, organisation_id: int, ability: str) -> Organisation:
    return selectors.bank_get(
        viewer=viewer_of(request), organisation_id=organisation_id, ability=ability
    )


def _form_page(
    request: HttpRequest,
    *,
    title: str,
    form: django_forms.Form,
    submit: str,
    intro: str = "",
    back: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {"title": title, "form": form, "submit": submit, "intro": intro, "back": back}
    context.update(extra or {})
    return render(request, "timebank/form.html", context)


# --- member pages -----------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.take_part")
    board = selectors.dashboard(viewer=viewer, organisation=organisation)
    may = selectors.bank_abilities(viewer=viewer, organisation=organisation)
    return render(
        request,
        "timebank/dashboard.html",
        {
            "organisation": organisation,
            "board": board,
            "figures": board.figures,
            "balance": amount_format(board.balance),
            "may_coordinate": may.coordinate,
            "may_broker": may.broker,
            "may_statistics": may.view_statistics,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def statement(request: HttpRequest, organisation_id: int) -> StreamingHttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.take_part")
    account = selectors.own_account(viewer=viewer, organisation=organisation)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(["date", "transfer", "kind", "description", "hours", "balance"])
        if account is None:
            return
        for row in selectors.statement(viewer=viewer, account=account):
            yield writer.writerow(
                [
                    row.occurred_at.date().isoformat(),
                    row.transfer_id,
                    row.kind,
                    row.description,
                    amount_format(row.amount).replace("\u2212", "-"),
                    amount_format(row.balance).replace("\u2212", "-"),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="time-bank-statement.csv"'
    return response


@login_required
def listing_browse(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.take_part")
    form = forms.ListingSearchForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "kind": data["kind"],
            "search": data["q"],
            "category": data["category"],
            "area_id": data["area"].pk if data["area"] else None,
            "needs_vetted_helper": {"yes": True, "no": False}.get(data["vetted"]),
        }
    page = selectors.listing_browse_page(
        viewer=viewer, request=request, organisation_id=organisation.pk, **filters
    )
    return render(
        request,
        "timebank/listing_browse.html",
        {"organisation": organisation, "form": form, "page": page},
    )


@login_required
@GET_POST
def listing_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _bank(request, organisation_id, "timebank.take_part")
    form = forms.ListingForm(form_data(request), initial={"kind": ListingKind.OFFER})
    listing = form_submit(
        request,
        form,
        lambda data: services.listing_create(
            viewer=viewer_of(request), organisation=organisation, **data
        ),
    )
    if listing is not None:
        messages.success(request, f"“{listing.title}” is now listed.")
        return redirect("timebank:listing_detail", pk=listing.pk)
    return _form_page(
        request,
        title="Offer help or ask for it",
        form=form,
        submit="Save",
        back=reverse("timebank:listing_browse", args=[organisation.pk]),
    )


@login_required
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    listing = selectors.listing_get(viewer=viewer, listing_id=pk)
    return render(
        request,
        "timebank/listing_detail.html",
        {
            "listing": listing,
            "is_owner": listing.membership.person_id == viewer.person_id,
            "may_edit": selectors.listing_may_edit(viewer=viewer, listing=listing),
            # Coordinators get a link to the people, groups and places that match it (the
            # coordination app's page; the template links only if that page exists).
            "may_match": listing.organisation_id
            in viewer.organisation_ids("coordination.coordinate"),
        },
    )


@login_required
@GET_POST
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    listing = selectors.listing_get_for_edit(viewer=viewer, listing_id=pk)
    initial = {
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "area": listing.area,
        "availability": listing.availability,
        "needs_vetted_helper": listing.needs_vetted_helper,
        "status": listing.status,
    }
    form = forms.ListingEditForm(form_data(request), initial=initial)
    edited = form_submit(
        request,
        form,
        lambda data: services.listing_edit(viewer=viewer, listing_id=listing.pk, **data),
    )
    if edited is not None:
        messages.success(request, "Saved.")
        if edited.status != "active":
            return redirect("timebank:dashboard", organisation_id=listing.organisation_id)
        return redirect("timebank:listing_detail", pk=listing.pk)
    return _form_page(
        request,
        title=f"Change “{listing.title}”",
        form=form,
        submit="Save changes",
        back=reverse("timebank:listing_detail", args=[listing.pk]),
    )


@login_required
@GET_POST
def exchange_propose(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    listing = selectors.listing_get_to_propose(viewer=viewer, listing_id=pk)
    form = forms.ProposeForm(form_data(request), initial={"description": listing.title})
    exchange = form_submit(
        request,
        form,
        lambda data: services.exchange_propose_on_listing(
            viewer=viewer,
            listing_id=listing.pk,
            minutes=data["hours"],
            description=data["description"],
            scheduled_for=data["scheduled_for"],
        ),
    )
    if exchange is not None:
        other = listing.membership.person.display_name
        messages.success(request, f"Your proposal has gone to {other}.")
        return redirect("timebank:exchange_detail", pk=exchange.pk)
    verb = "Ask for this" if listing.kind == ListingKind.OFFER else "Offer to help"
    return _form_page(
        request,
        title=f"{verb}: {listing.title}",
        form=form,
        submit="Send proposal",
        back=reverse("timebank:listing_detail", args=[listing.pk]),
    )


@login_required
def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    exchange = selectors.exchange_get(viewer=viewer, exchange_id=pk)
    allowed = services.exchange_actions_for(viewer=viewer, exchange=exchange)
    return render(
        request,
        "timebank/exchange_detail.html",
        {
            "exchange": exchange,
            "actions": [(action, BUTTONS[action]) for action in allowed if action in BUTTONS],
            "may_resolve": "resolve" in allowed,
            "minutes": amount_format(exchange.minutes),
            "claimed": amount_format(exchange.claimed_minutes or 0),
        },
    )


# The exchange page's button for each action ``exchange_actions_for`` allows.
BUTTONS = {
    "accept": "Accept",
    "decline": "Decline",
    "cancel": "Cancel",
    "claim": "Record that it happened",
    "confirm": "Confirm the hours",
    "dispute": "Dispute the hours",
}

ACTIONS: dict[str, tuple[str, str]] = {
    "accept": ("Accept this exchange", "Accept"),
    "decline": ("Decline this exchange", "Decline"),
    "cancel": ("Cancel this exchange", "Cancel the exchange"),
    "claim": ("Record that the exchange happened", "Record the hours"),
    "confirm": ("Confirm the hours", "Confirm and post the hours"),
    "dispute": ("Dispute the hours", "Send to a coordinator"),
}


@login_required
@GET_POST
def exchange_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET asks "are you sure" (with a reason or the hours where needed); POST acts."""
    viewer = viewer_of(request)
    exchange = selectors.exchange_get(viewer=viewer, exchange_id=pk)
    if action not in ACTIONS:
        raise InvalidInput("action", "That is not something you can do to an exchange.")
    title, submit = ACTIONS[action]
    form: django_forms.Form
    if action == "claim":
        form = forms.ClaimForm(
            form_data(request), initial={"hours": amount_format(exchange.minutes)}
        )
    elif action in {"decline", "cancel", "dispute"}:
        form = forms.ReasonForm(form_data(request))
    else:
        form = django_forms.Form(form_data(request))
    calls: dict[str, Callable[[dict[str, Any]], Any]] = {
        "accept": lambda data: services.exchange_accept(viewer=viewer, exchange_id=pk),
        "decline": lambda data: services.exchange_decline(
            viewer=viewer, exchange_id=pk, reason=data["reason"]
        ),
        "cancel": lambda data: services.exchange_cancel(
            viewer=viewer, exchange_id=pk, reason=data["reason"]
        ),
        "claim": lambda data: services.exchange_claim(
            viewer=viewer, exchange_id=pk, minutes=data["hours"]
        ),
        "confirm": lambda data: services.exchange_confirm(viewer=viewer, exchange_id=pk),
        "dispute": lambda data: services.exchange_dispute(
            viewer=viewer, exchange_id=pk, reason=data["reason"]
        ),
    }
    if form_submit(request, form, calls[action]) is not None:
        messages.success(request, "Done.")
        return redirect("timebank:exchange_detail", pk=pk)
    return _form_page(
        request,
        title=title,
        form=form,
        submit=submit,
        intro=f"{exchange.description} ({amount_format(exchange.minutes)}).",
        back=reverse("timebank:exchange_detail", args=[pk]),
    )


@login_required
@GET_POST
def rewards(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The rewards a member's credits buy; a POST gets them a one-time redemption code,
    shown on this response only (it is stored as a hash)."""
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.take_part")
    issued = None
    if request.method == "POST":
        row, code = services.redemption_code_issue(viewer=viewer, organisation_id=organisation.pk)
        issued = {"code": f"{code[:3]} {code[3:]}", "expires_at": row.expires_at}
    response = render(
        request,
        "timebank/rewards.html",
        {
            "organisation": organisation,
            "issued": issued,
            "minutes": services.REDEMPTION_CODE_LIFETIME.seconds // 60,
            "membership": selectors.own_membership(viewer=viewer, organisation=organisation),
            "rewards": selectors.reward_list_for_member(viewer=viewer).filter(bank=organisation),
            "redemptions": selectors.redemption_list_for_viewer(viewer=viewer).filter(
                membership__person_id=viewer.person_id or 0
            )[:50],
        },
    )
    if issued is not None:
        response["Cache-Control"] = "no-store"
    return response


# --- coordinator and staff pages --------------------------------------------------------------


@login_required
def queue(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    items = selectors.coordinator_queue(viewer=viewer, organisation=organisation)
    return render(
        request,
        "timebank/queue.html",
        {"organisation": organisation, "page": paginate(request, items)},
    )


@login_required
@GET_POST
def exchange_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    exchange = selectors.exchange_get_for_coordinator(viewer=viewer, exchange_id=pk)
    form = forms.ResolveForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda data: services.exchange_resolve(
            viewer=viewer,
            exchange_id=pk,
            outcome=data["outcome"],
            note=data["note"],
            minutes=data["hours"],
        ),
    )
    if done is not None:
        messages.success(request, "The dispute is resolved.")
        return redirect("timebank:exchange_detail", pk=pk)
    return _form_page(
        request,
        title="Resolve a disputed exchange",
        form=form,
        submit="Resolve",
        intro=f"{exchange.description}. Claimed: "
        f"{amount_format(exchange.claimed_minutes or 0)}. Dispute: {exchange.note}",
        back=reverse("timebank:exchange_detail", args=[pk]),
    )


def _member(viewer: Viewer, organisation: Organisation, number: str, field: str) -> Membership:
    return selectors.membership_by_number(
        viewer=viewer, organisation=organisation, number=number, field=field
    )


@login_required
@GET_POST
def record_transfer(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    form = forms.RecordTransferForm(form_data(request))
    transfer = form_submit(
        request,
        form,
        lambda data: services.member_transfer_record(
            viewer=viewer,
            payer=_member(viewer, organisation, data["payer"], "payer"),
            payee=_member(viewer, organisation, data["payee"], "payee"),
            amount=data["hours"],
            reason=data["reason"],
        ),
    )
    if transfer is not None:
        messages.success(request, f"Recorded {amount_format(transfer.amount)}.")
        return redirect("timebank:transfer_list", organisation_id=organisation.pk)
    return _form_page(
        request,
        title="Record a transfer on someone's behalf",
        form=form,
        submit="Record the transfer",
        intro="For people who cannot record exchanges themselves. You are recorded as the "
        "person who keyed it, on the payer's behalf.",
        back=reverse("timebank:queue", args=[organisation.pk]),
    )


@login_required
@GET_POST
def record_group(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.broker")
    # The form looks the numbers up itself, so every bad one shows at once.
    form = forms.GroupForm(form_data(request), viewer=viewer, organisation=organisation)

    def record(data: dict[str, Any]) -> Any:
        return services.group_exchange_record(
            viewer=viewer,
            organisation=organisation,
            host=form.host_membership,
            participants=form.participant_memberships,
            minutes_each=data["hours"],
            direction=data["direction"],
            description=data["description"],
        )

    if form_submit(request, form, record) is not None:
        messages.success(request, "The group session is posted.")
        return redirect("timebank:dashboard", organisation_id=organisation.pk)
    return _form_page(
        request,
        title="Record a group session",
        form=form,
        submit="Post the session",
        intro="Everyone's hours are posted together: if one cannot be, none are.",
        back=reverse("timebank:dashboard", args=[organisation.pk]),
    )


@login_required
@GET_POST
def record_agency(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.broker")
    form = forms.AgencyForm(form_data(request))

    def record(data: dict[str, Any]) -> Any:
        membership = _member(viewer, organisation, data["number"], "number")
        if data["kind"] == forms.AWARD:
            return services.credit_award(
                viewer=viewer,
                membership=membership,
                minutes=data["hours"],
                reason=data["reason"],
            )
        return services.agency_time_record(
            viewer=viewer,
            membership=membership,
            minutes=data["hours"],
            direction=data["kind"],
            reason=data["reason"],
        )

    if form_submit(request, form, record) is not None:
        messages.success(request, "Recorded.")
        return redirect("timebank:dashboard", organisation_id=organisation.pk)
    return _form_page(
        request,
        title="Record time with the organisation",
        form=form,
        submit="Record",
        intro="Time a member or member of staff gave the organisation, time the "
        "organisation gave back, or time credits awarded for a contribution.",
        back=reverse("timebank:dashboard", args=[organisation.pk]),
    )


@login_required
def transfer_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    transfers = selectors.transfer_list(viewer=viewer, organisation=organisation)
    return render(
        request,
        "timebank/transfer_list.html",
        {"organisation": organisation, "page": paginate(request, transfers)},
    )


@login_required
@GET_POST
def transfer_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    transfer = selectors.transfer_get_to_reverse(viewer=viewer, transfer_id=pk)
    form = forms.ReasonForm(form_data(request))
    form.fields["reason"].required = True
    reversal = form_submit(
        request,
        form,
        lambda data: services.transfer_reverse(
            viewer=viewer, transfer_id=pk, reason=data["reason"]
        ),
    )
    if reversal is not None:
        messages.success(request, "The transfer is reversed.")
        return redirect("timebank:transfer_list", organisation_id=transfer.organisation_id)
    return _form_page(
        request,
        title="Are you sure you want to reverse this transfer?",
        form=form,
        submit="Reverse the transfer",
        intro=f"“{transfer.reason}”, {amount_format(transfer.amount)}. A reversing "
        "transfer restores both balances; the original stays on record.",
        back=reverse("timebank:transfer_list", args=[transfer.organisation_id]),
        extra={"destructive": True},
    )


@login_required
@GET_POST
def limits(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.set_limits")
    form = forms.LimitsForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda data: ledger.limits_set_for_organisation(
            viewer=viewer,
            organisation=organisation,
            floor=data["floor"],
            ceiling=data["ceiling"],
            reason=data["reason"],
        ),
    )
    if done is not None:
        messages.success(request, "The limits are changed.")
        return redirect("timebank:limits", organisation_id=organisation.pk)
    history = selectors.limit_history(viewer=viewer, organisation=organisation)[:50]
    return render(
        request,
        "timebank/limits.html",
        {"organisation": organisation, "form": form, "history": history},
    )


def _hours(rows: list[tuple[str, int]]) -> list[tuple[str, float]]:
    return [(label, minutes / 60) for label, minutes in rows]


@login_required
def statistics(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.view_statistics")
    stats = selectors.statistics(viewer=viewer, organisation=organisation)
    participation = selectors.staff_participation(viewer=viewer, organisation=organisation)
    charts = [
        bar_chart(title="Hours exchanged by month", rows=_hours(stats.by_month), unit="hours"),
        bar_chart(title="Hours by category", rows=_hours(stats.by_category), unit="hours"),
        bar_chart(title="Hours by area", rows=_hours(stats.by_area), unit="hours"),
    ]
    return render(
        request,
        "timebank/statistics.html",
        {
            "organisation": organisation,
            "stats": stats,
            "hours": amount_format(stats.minutes_exchanged),
            "charts": charts,
            "participation": participation,
        },
    )


@login_required
@GET_POST
def agreements(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    banks = Organisation.objects.filter(kind=OrganisationKind.TIME_BANK).exclude(pk=organisation.pk)
    if "sign" in request.POST:
        # The sign buttons have no form on the page to show an error on: a bad id is a 400.
        signing = forms.SignForm(form_data(request))
        if not signing.is_valid():
            raise InvalidInput("sign", " ".join(str(e) for e in signing.errors["sign"]))
        services.agreement_sign(viewer=viewer, agreement_id=signing.cleaned_data["sign"])
        messages.success(request, "The agreement is signed.")
        return redirect("timebank:agreements", organisation_id=organisation.pk)
    form = forms.AgreementForm(form_data(request), banks=banks)
    done = form_submit(
        request,
        form,
        lambda data: services.agreement_propose(
            viewer=viewer, organisation=organisation, other=data["other"]
        ),
    )
    if done is not None:
        messages.success(request, "The agreement is proposed.")
        return redirect("timebank:agreements", organisation_id=organisation.pk)
    return render(
        request,
        "timebank/agreements.html",
        {
            "organisation": organisation,
            "form": form,
            "agreements": selectors.agreement_list(viewer=viewer, organisation=organisation),
            "may_sign": selectors.bank_abilities(
                viewer=viewer, organisation=organisation
            ).sign_agreements,
        },
    )


# --- partner desk -------------------------------------------------------------------------


@login_required
@GET_POST
def partner_desk(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Staff at a venue list rewards, redeem them by membership number and see
    redemptions."""
    viewer = viewer_of(request)
    partner = selectors.bank_get(
        viewer=viewer, organisation_id=organisation_id, ability="timebank.redeem"
    )
    rewards_qs = selectors.reward_list_for_partner(viewer=viewer, partner=partner)
    banks = Organisation.objects.filter(kind=OrganisationKind.TIME_BANK)
    redeem = forms.RedeemForm(
        form_data(request, sent=request.POST.get("form") == "redeem"),
        rewards=rewards_qs.filter(is_active=True),
        prefix="redeem",
    )
    reward_form = forms.RewardForm(
        form_data(request, sent=request.POST.get("form") == "reward"),
        banks=banks,
        prefix="reward",
    )
    redeemed = form_submit(
        request,
        redeem,
        lambda data: services.reward_redeem(
            viewer=viewer,
            reward_id=data["reward"].pk,
            membership_number=data["membership_number"],
            code=data["code"],
        ),
    )
    if redeemed is not None:
        messages.success(request, f"Redeemed {redeemed.reward.name}.")
        return redirect("timebank:partner_desk", organisation_id=partner.pk)
    listed = form_submit(
        request,
        reward_form,
        lambda data: services.reward_create(
            viewer=viewer,
            partner_id=partner.pk,
            bank_id=data["bank"].pk,
            name=data["name"],
            credits=data["credits"] or 0,
            restrictions=data["restrictions"],
            off_peak_only=data["off_peak_only"],
            age_group=data["age_group"],
            monthly_cap=data["monthly_cap"],
        ),
    )
    if listed is not None:
        messages.success(request, f"“{listed.name}” is listed.")
        return redirect("timebank:partner_desk", organisation_id=partner.pk)
    redemptions = selectors.redemption_list_for_partner(viewer=viewer, partner=partner)
    return render(
        request,
        "timebank/partner_desk.html",
        {
            "partner": partner,
            "rewards": rewards_qs,
            "redeem": redeem,
            "reward_form": reward_form,
            "may_manage": selectors.bank_abilities(
                viewer=viewer, organisation=partner
            ).manage_rewards,
            "page": paginate(request, redemptions),
        },
    )


@login_required
@GET_POST
def exchange_arrange(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A coordinator brokers an exchange between two members, from proposal onwards."""
    viewer = viewer_of(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    form = forms.ArrangeExchangeForm(form_data(request))
    exchange = form_submit(
        request,
        form,
        lambda data: services.exchange_propose(
            viewer=viewer,
            provider=_member(viewer, organisation, data["provider"], "provider"),
            receiver=_member(viewer, organisation, data["receiver"], "receiver"),
            minutes=data["hours"],
            description=data["description"],
            scheduled_for=data["scheduled_for"],
        ),
        fields={"minutes": "hours"},
    )
    if exchange is not None:
        messages.success(request, "Exchange arranged: accept it for them when they agree.")
        return redirect("timebank:exchange_detail", pk=exchange.pk)
    return _form_page(
        request,
        title="Arrange an exchange between two members",
        form=form,
        submit="Arrange the exchange",
        intro="For members who don't use the site: you propose it, accept it when they agree, "
        "record the hours once it has happened and confirm them.",
        back=reverse("timebank:queue", args=[organisation.pk]),
    )
