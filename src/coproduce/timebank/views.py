"""Time-bank pages: parse input, call one selector or service, render."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from coproduce.errors import CoproduceError, InvalidInput, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import Membership, Organisation, OrganisationKind
from coproduce.people.permissions import Viewer
from coproduce.timebank import forms, selectors, services
from coproduce.timebank.amounts import amount_format
from coproduce.timebank.models import ExchangeStatus, ListingKind
from coproduce.web.charts import bar_chart
from coproduce.web.forms import add_error
from coproduce.web.pagination import paginate

GET_POST = require_http_methods(["GET", "POST"])


def _viewer(request: HttpRequest) -> Viewer:
    return request.viewer  # type: ignore[attr-defined]


def _data(request: HttpRequest) -> Any:
    """The POST data to bind a form to, or None on GET (an empty POST still binds)."""
    return request.POST if request.method == "POST" else None


def _bank(request: HttpRequest, organisation_id: int, ability: str) -> Organisation:
    return selectors.bank_get(
        viewer=_viewer(request), organisation_id=organisation_id, ability=ability
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


def _attempt(form: django_forms.Form, action: Callable[[], Any]) -> Any:
    """Run a service; put its InvalidInput or Conflict on the form. PermissionDenied and
    NotFound go on to the error pages."""
    try:
        return action()
    except PermissionDenied:
        raise
    except CoproduceError as error:
        if error.status == 404:
            raise
        add_error(form, error)
        return None


# --- member pages -----------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.take_part")
    board = selectors.dashboard(viewer=viewer, organisation=organisation)
    return render(
        request,
        "timebank/dashboard.html",
        {
            "organisation": organisation,
            "board": board,
            "figures": board.figures,
            "balance": amount_format(board.balance),
            "may_coordinate": permissions.may(viewer, "timebank.coordinate", organisation.pk),
            "may_broker": permissions.may(viewer, "timebank.broker", organisation.pk),
            "may_statistics": permissions.may(viewer, "timebank.view_statistics", organisation.pk),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def statement(request: HttpRequest, organisation_id: int) -> StreamingHttpResponse:
    viewer = _viewer(request)
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
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.take_part")
    form = forms.ListingSearchForm(request.GET or None)
    cards = connection.vendor != "sqlite"  # see below
    listings = selectors.listing_browse(viewer=viewer, organisation_id=organisation.pk, cards=cards)
    if form.is_valid():
        data = form.cleaned_data
        vetted = {"yes": True, "no": False}.get(data["vetted"])
        listings = selectors.listing_browse(
            viewer=viewer,
            organisation_id=organisation.pk,
            kind=data["kind"],
            search=data["q"],
            category=data["category"],
            area_id=data["area"].pk if data["area"] else None,
            needs_vetted_helper=vetted,
            cards=cards,
        )
    if not cards:
        # Bare ids for the page and its total in one query, so the FTS5 match runs once;
        # then the one page loaded with names and areas.
        page = paginate(request, listings.select_related(None).only("pk"), one_query=True)
        ids = [row.pk for row in page.object_list]
        page.object_list = selectors.listing_page(viewer=viewer, listing_ids=ids)
    else:
        # PostgreSQL: a window count defeats the GIN index's bitmap plan (measured: 7x
        # slower), so it counts apart; the page comes with its names and areas in one query.
        page = paginate(request, listings)
    return render(
        request,
        "timebank/listing_browse.html",
        {"organisation": organisation, "form": form, "page": page},
    )


@login_required
@GET_POST
def listing_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _bank(request, organisation_id, "timebank.take_part")
    form = forms.ListingForm(_data(request), initial={"kind": ListingKind.OFFER})
    if request.method == "POST" and form.is_valid():
        listing = _attempt(
            form,
            lambda: services.listing_create(
                viewer=_viewer(request), organisation=organisation, **form.cleaned_data
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
    viewer = _viewer(request)
    listing = selectors.listing_get(viewer=viewer, listing_id=pk)
    return render(
        request,
        "timebank/listing_detail.html",
        {
            "listing": listing,
            "is_owner": listing.membership.person_id == viewer.person_id,
            "may_edit": listing.membership.person_id == viewer.person_id
            or permissions.may(viewer, "timebank.coordinate", listing.organisation_id),
        },
    )


@login_required
@GET_POST
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    listing = selectors.listing_get(viewer=viewer, listing_id=pk)
    if listing.membership.person_id != viewer.person_id:
        permissions.check(
            viewer, "timebank.coordinate", listing.organisation_id, action="change this"
        )
    initial = {
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "area": listing.area,
        "availability": listing.availability,
        "needs_vetted_helper": listing.needs_vetted_helper,
        "status": listing.status,
    }
    form = forms.ListingEditForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        status = data.pop("status")

        def save() -> Any:
            services.listing_update(viewer=viewer, listing_id=listing.pk, **data)
            if status != listing.status:
                services.listing_status_set(viewer=viewer, listing_id=listing.pk, status=status)
            return True

        if _attempt(form, save):
            messages.success(request, "Saved.")
            if status != "active":
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
    viewer = _viewer(request)
    listing = selectors.listing_get(viewer=viewer, listing_id=pk)
    permissions.check(
        viewer, "timebank.take_part", listing.organisation_id, action="propose exchanges"
    )
    mine = selectors.own_membership(viewer=viewer, organisation=listing.organisation)
    form = forms.ProposeForm(_data(request), initial={"description": listing.title})
    if request.method == "POST" and form.is_valid() and mine is not None:
        owner = listing.membership
        provider, receiver = (owner, mine) if listing.kind == ListingKind.OFFER else (mine, owner)
        exchange = _attempt(
            form,
            lambda: services.exchange_propose(
                viewer=viewer,
                provider=provider,
                receiver=receiver,
                minutes=form.cleaned_data["hours"],
                description=form.cleaned_data["description"],
                scheduled_for=form.cleaned_data["scheduled_for"],
                listing=listing,
            ),
        )
        if exchange is not None:
            other = owner.person.display_name
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
    viewer = _viewer(request)
    exchange = selectors.exchange_get(viewer=viewer, exchange_id=pk)
    coordinator = any(
        permissions.may(viewer, "timebank.coordinate", org)
        for org in (exchange.provider.organisation_id, exchange.receiver.organisation_id)
    )
    party = viewer.person_id in {exchange.provider.person_id, exchange.receiver.person_id}
    actions: list[tuple[str, str]] = []
    if exchange.status == ExchangeStatus.PROPOSED:
        if viewer.person_id != exchange.proposed_by_id or coordinator:
            actions += [("accept", "Accept"), ("decline", "Decline")]
        actions.append(("cancel", "Cancel"))
    elif exchange.status == ExchangeStatus.ACCEPTED:
        if party:
            actions.append(("claim", "Record that it happened"))
        actions.append(("cancel", "Cancel"))
    elif exchange.status == ExchangeStatus.CLAIMED and (
        coordinator or viewer.person_id != exchange.claimed_by_id
    ):
        actions += [("confirm", "Confirm the hours"), ("dispute", "Dispute the hours")]
    return render(
        request,
        "timebank/exchange_detail.html",
        {
            "exchange": exchange,
            "actions": actions,
            "may_resolve": coordinator and exchange.status == ExchangeStatus.DISPUTED,
            "minutes": amount_format(exchange.minutes),
            "claimed": amount_format(exchange.claimed_minutes or 0),
        },
    )


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
    viewer = _viewer(request)
    exchange = selectors.exchange_get(viewer=viewer, exchange_id=pk)
    if action not in ACTIONS:
        raise InvalidInput("action", "That is not something you can do to an exchange.")
    title, submit = ACTIONS[action]
    form: django_forms.Form
    if action == "claim":
        form = forms.ClaimForm(_data(request), initial={"hours": amount_format(exchange.minutes)})
    elif action in {"decline", "cancel", "dispute"}:
        form = forms.ReasonForm(_data(request))
    else:
        form = django_forms.Form(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        calls: dict[str, Callable[[], Any]] = {
            "accept": lambda: services.exchange_accept(viewer=viewer, exchange_id=pk),
            "decline": lambda: services.exchange_decline(
                viewer=viewer, exchange_id=pk, reason=data.get("reason", "")
            ),
            "cancel": lambda: services.exchange_cancel(
                viewer=viewer, exchange_id=pk, reason=data.get("reason", "")
            ),
            "claim": lambda: services.exchange_claim(
                viewer=viewer, exchange_id=pk, minutes=data.get("hours") or 0
            ),
            "confirm": lambda: services.exchange_confirm(viewer=viewer, exchange_id=pk),
            "dispute": lambda: services.exchange_dispute(
                viewer=viewer, exchange_id=pk, reason=data.get("reason", "")
            ),
        }
        if _attempt(form, calls[action]) is not None:
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
    viewer = _viewer(request)
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
    viewer = _viewer(request)
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
    viewer = _viewer(request)
    exchange = selectors.exchange_get(viewer=viewer, exchange_id=pk)
    permissions.check_any(
        viewer,
        "timebank.coordinate",
        [exchange.provider.organisation_id, exchange.receiver.organisation_id],
        action="resolve disputes",
    )
    form = forms.ResolveForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            form,
            lambda: services.exchange_resolve(
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
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    form = forms.RecordTransferForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        transfer = _attempt(
            form,
            lambda: services.member_transfer_record(
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
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.broker")
    form = forms.GroupForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def record() -> Any:
            host = _member(viewer, organisation, data["host"], "host") if data["host"] else None
            people = [
                _member(viewer, organisation, number, "participants")
                for number in form.participant_numbers()
            ]
            return services.group_exchange_record(
                viewer=viewer,
                organisation=organisation,
                host=host,
                participants=people,
                minutes_each=data["hours"],
                direction=data["direction"],
                description=data["description"],
            )

        if _attempt(form, record) is not None:
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
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.broker")
    form = forms.AgencyForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def record() -> Any:
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

        if _attempt(form, record) is not None:
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
    viewer = _viewer(request)
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
    viewer = _viewer(request)
    transfer = selectors.transfer_get(viewer=viewer, transfer_id=pk)
    permissions.check(
        viewer, "timebank.coordinate", transfer.organisation_id, action="reverse transfers"
    )
    form = forms.ReasonForm(_data(request))
    form.fields["reason"].required = True
    if request.method == "POST" and form.is_valid():
        reversal = _attempt(
            form,
            lambda: services.transfer_reverse(
                viewer=viewer, transfer_id=pk, reason=form.cleaned_data["reason"]
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
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.set_limits")
    form = forms.LimitsForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _attempt(
            form,
            lambda: services.limits_set_for_organisation(
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
    viewer = _viewer(request)
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
    viewer = _viewer(request)
    organisation = _bank(request, organisation_id, "timebank.coordinate")
    banks = Organisation.objects.filter(kind=OrganisationKind.TIME_BANK).exclude(pk=organisation.pk)
    form = forms.AgreementForm(_data(request), banks=banks)
    if request.method == "POST":
        sign = request.POST.get("sign")
        if sign:
            services.agreement_sign(viewer=viewer, agreement_id=int(sign))
            messages.success(request, "The agreement is signed.")
            return redirect("timebank:agreements", organisation_id=organisation.pk)
        if form.is_valid():
            done = _attempt(
                form,
                lambda: services.agreement_propose(
                    viewer=viewer, organisation=organisation, other=form.cleaned_data["other"]
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
            "may_sign": permissions.may(viewer, "timebank.agreements", organisation.pk),
        },
    )


# --- partner desk -------------------------------------------------------------------------


@login_required
@GET_POST
def partner_desk(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Staff at a venue list rewards, redeem them by membership number and see
    redemptions."""
    viewer = _viewer(request)
    partner = selectors.bank_get(
        viewer=viewer, organisation_id=organisation_id, ability="timebank.redeem"
    )
    rewards_qs = selectors.reward_list_for_partner(viewer=viewer, partner=partner)
    banks = Organisation.objects.filter(kind=OrganisationKind.TIME_BANK)
    redeem = forms.RedeemForm(
        request.POST if request.POST.get("form") == "redeem" else None,
        rewards=rewards_qs.filter(is_active=True),
        prefix="redeem",
    )
    reward_form = forms.RewardForm(
        request.POST if request.POST.get("form") == "reward" else None,
        banks=banks,
        prefix="reward",
    )
    if request.method == "POST" and redeem.is_bound and redeem.is_valid():
        done = _attempt(
            redeem,
            lambda: services.reward_redeem(
                viewer=viewer,
                reward_id=redeem.cleaned_data["reward"].pk,
                membership_number=redeem.cleaned_data["membership_number"],
                code=redeem.cleaned_data["code"],
            ),
        )
        if done is not None:
            messages.success(request, f"Redeemed {done.reward.name}.")
            return redirect("timebank:partner_desk", organisation_id=partner.pk)
    if request.method == "POST" and reward_form.is_bound and reward_form.is_valid():
        data = reward_form.cleaned_data
        done = _attempt(
            reward_form,
            lambda: services.reward_create(
                viewer=viewer,
                partner=partner,
                bank=data["bank"],
                name=data["name"],
                credits=data["credits"] or 0,
                restrictions=data["restrictions"],
                off_peak_only=data["off_peak_only"],
                age_group=data["age_group"],
                monthly_cap=data["monthly_cap"],
            ),
        )
        if done is not None:
            messages.success(request, f"“{done.name}” is listed.")
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
            "may_manage": permissions.may(viewer, "timebank.manage_rewards", partner.pk),
            "page": paginate(request, redemptions),
        },
    )
