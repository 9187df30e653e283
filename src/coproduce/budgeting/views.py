"""Pages for rounds, proposals, voting, results, delivery and dividends. Thin: parse, call one
service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from coproduce.budgeting import pabulib_io, selectors, services
from coproduce.budgeting.forms import (
    BudgetForm,
    CodeForm,
    CodesForm,
    DeliveryForm,
    ImportForm,
    PaperBallotForm,
    PolicyForm,
    ProposalForm,
    ReviewForm,
    RoundForm,
    SavingsForm,
    choices_from,
    pence,
)
from coproduce.budgeting.models import BallotKind, Budget, Phase, Proposal
from coproduce.budgeting.money import pounds
from coproduce.errors import CoproduceError, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.permissions import Viewer
from coproduce.web.charts import bar_chart
from coproduce.web.forms import add_error


def _viewer(request: HttpRequest) -> Viewer:
    return request.viewer  # type: ignore[attr-defined]


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    run_organisations = list(
        selectors.organisations_where(viewer=viewer, ability="budgeting.run_round")
    )
    # One "start a round" control for every organisation the viewer runs rounds for: the
    # form comes back here and goes on to that organisation's new-round or import page.
    if "organisation" in request.GET:
        chosen = next(
            (o for o in run_organisations if str(o.pk) == request.GET["organisation"]), None
        )
        if chosen is not None:
            how = request.GET.get("how")
            return redirect(
                "budgeting:round_import" if how == "import" else "budgeting:round_create",
                chosen.pk,
            )
    rounds = list(selectors.round_list(viewer=viewer))
    pots = list(selectors.pot_list(viewer=viewer))
    return render(
        request,
        "budgeting/round_list.html",
        {
            "rounds": rounds,
            "pots": pots,
            "dividend_organisations": selectors.organisations_where(
                viewer=viewer, ability="budgeting.approve_dividend"
            ),
            "run_organisations": run_organisations,
        },
    )


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = _viewer(request)
    round_ = selectors.round_get(viewer=viewer, round_id=round_id)
    organisation_id = round_.organisation_id
    return render(
        request,
        "budgeting/round_detail.html",
        {
            "round": round_,
            "budgets": selectors.budget_list(viewer=viewer, round_=round_),
            "may_propose": permissions.may(viewer, "budgeting.propose", organisation_id),
            "may_vote": permissions.may(viewer, "budgeting.vote", organisation_id),
            "may_review": permissions.may(viewer, "budgeting.review", organisation_id),
            "may_run": permissions.may(viewer, "budgeting.run_round", organisation_id),
            "may_enter_paper": permissions.may(
                viewer, "budgeting.enter_paper_ballot", organisation_id
            ),
            "phases": [Phase(p) for p in Phase.values],
        },
    )


@login_required
def round_advance(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = _viewer(request)
    round_ = selectors.round_get(viewer=viewer, round_id=round_id)
    permissions.check(viewer, "budgeting.run_round", round_.organisation_id, action="run a round")
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            round_ = services.round_advance(viewer=viewer, round_id=round_.pk)
        except CoproduceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The round is now in its {round_.phase} phase.")
        return redirect("budgeting:round_detail", round_id=round_.pk)
    order = [Phase(p) for p in Phase.values]
    index = order.index(Phase(round_.phase))
    next_phase = order[index + 1].label if index + 1 < len(order) else None
    warning = (
        f"This moves “{round_.title}” from {round_.get_phase_display()} to {next_phase}."
        if next_phase
        else "This round is already in its last phase."
    )
    if round_.phase == Phase.VOTING:
        warning += " Voting closes and every budget is counted; ballots can no longer change."
    return render(
        request,
        "web/confirm.html",
        {
            "title": "Move the round to its next phase?",
            "warning": warning,
            "confirm_label": f"Move to {next_phase}" if next_phase else "Try anyway",
            "cancel_url": reverse("budgeting:round_detail", args=[round_.pk]),
            "hidden": {},
        },
    )


@login_required
def proposal_create(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    permissions.check(
        viewer, "budgeting.propose", budget.round.organisation_id, action="propose a project"
    )
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_submit(
                viewer=viewer,
                budget_id=budget.pk,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                cost_pence=pence(form.cleaned_data["cost"]),
            )
        except InvalidInput as error:
            if error.field == "cost_pence":
                error.field = "cost"
            add_error(form, error)
        except CoproduceError as error:
            add_error(form, error)
        else:
            messages.success(request, "Thank you. Staff will check your idea before the vote.")
            return redirect("budgeting:round_detail", round_id=budget.round_id)
    return render(request, "budgeting/proposal_form.html", {"form": form, "budget": budget})


@login_required
def proposal_review(request: HttpRequest, proposal_id: int) -> HttpResponse:
    viewer = _viewer(request)
    proposal = selectors.proposal_get(viewer=viewer, proposal_id=proposal_id)
    round_ = proposal.budget.round
    permissions.check(viewer, "budgeting.review", round_.organisation_id, action="review proposals")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cost = form.cleaned_data.get("cost")
        try:
            services.proposal_review(
                viewer=viewer,
                proposal_id=proposal.pk,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
                cost_pence=pence(cost) if cost is not None else None,
            )
        except CoproduceError as error:
            if isinstance(error, InvalidInput) and error.field == "cost_pence":
                error.field = "cost"
            add_error(form, error)
        else:
            messages.success(request, f"Review of “{proposal.title}” saved.")
            return redirect("budgeting:round_detail", round_id=round_.pk)
    return render(request, "budgeting/proposal_review.html", {"form": form, "proposal": proposal})


def _ballot_context(
    budget: Budget, proposals: list[Proposal], chosen: dict[int, int]
) -> dict[str, Any]:
    rows = [
        {"proposal": p, "checked": p.pk in chosen, "points": chosen.get(p.pk, "")}
        for p in proposals
    ]
    return {
        "budget": budget,
        "rows": rows,
        "cumulative": budget.ballot_kind == BallotKind.CUMULATIVE,
        "limit_text": pounds(budget.amount_pence),
        "chosen_cost": pounds(sum(p.cost_pence for p in proposals if p.pk in chosen)),
        "chosen_points": sum(chosen.values()),
        "chosen_count": len([p for p in proposals if p.pk in chosen]),
    }


@login_required
def vote(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    permissions.check(viewer, "budgeting.vote", budget.round.organisation_id, action="vote")
    proposals = selectors.proposals_on_ballot(viewer=viewer, budget=budget)
    existing = selectors.ballot_choices_for(viewer=viewer, budget=budget)
    chosen = existing or {}
    error: str | None = None
    if request.method == "POST":
        try:
            chosen = choices_from(request.POST, budget=budget, proposals=proposals)
            if existing is None:
                services.ballot_cast(viewer=viewer, budget_id=budget.pk, choices=chosen)
            else:
                services.ballot_change(viewer=viewer, budget_id=budget.pk, choices=chosen)
        except CoproduceError as problem:
            error = problem.message
        else:
            messages.success(
                request,
                "Your vote is counted. You can change it until voting closes."
                if existing is None
                else "Your vote is changed.",
            )
            return redirect("budgeting:vote", budget_id=budget.pk)
    context = _ballot_context(budget, proposals, chosen)
    eligibility = (
        services.eligibility_problem(budget=budget, person=viewer.person)
        if viewer.person is not None
        else None
    )
    context.update(
        {
            "error": error,
            "has_voted": existing is not None,
            "voting_open": budget.round.phase == Phase.VOTING,
            "eligibility": eligibility,
            "action": reverse("budgeting:vote", args=[budget.pk]),
        }
    )
    status = 400 if error else 200
    return render(request, "budgeting/vote.html", context, status=status)


@login_required
def paper_ballot(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    permissions.check(
        viewer,
        "budgeting.enter_paper_ballot",
        budget.round.organisation_id,
        action="enter paper ballots",
    )
    proposals = selectors.proposals_on_ballot(viewer=viewer, budget=budget)
    form = PaperBallotForm(request.POST or None)
    chosen: dict[int, int] = {}
    if request.method == "POST" and form.is_valid():
        try:
            chosen = choices_from(request.POST, budget=budget, proposals=proposals)
            ballot = services.paper_ballot_enter(
                viewer=viewer,
                budget_id=budget.pk,
                number=form.cleaned_data["number"],
                choices=chosen,
            )
        except CoproduceError as error:
            add_error(form, error)
        else:
            messages.success(request, f"Paper ballot for {ballot.person} counted.")
            return redirect("budgeting:paper_ballot", budget_id=budget.pk)
    context = _ballot_context(budget, proposals, chosen)
    context.update({"form": form, "voting_open": budget.round.phase == Phase.VOTING})
    return render(
        request, "budgeting/paper_ballot.html", context, status=400 if form.errors else 200
    )


@login_required
def codes(request: HttpRequest, budget_id: int) -> HttpResponse:
    """GET asks how many; POST makes them and shows the printable sheet, once."""
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    permissions.check(
        viewer,
        "budgeting.enter_paper_ballot",
        budget.round.organisation_id,
        action="print voting codes",
    )
    form = CodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.voting_codes_create(
                viewer=viewer, budget_id=budget.pk, count=form.cleaned_data["count"]
            )
        except CoproduceError as error:
            add_error(form, error)
        else:
            url = request.build_absolute_uri(reverse("budgeting:code_vote", args=[budget.pk]))
            return render(
                request, "budgeting/code_sheet.html", {"budget": budget, "codes": made, "url": url}
            )
    return render(request, "budgeting/codes.html", {"form": form, "budget": budget})


def code_vote(request: HttpRequest, budget_id: int) -> HttpResponse:
    """Public: whoever holds an unused slip votes with it."""
    viewer = _viewer(request)
    budget = selectors.budget_public_get(viewer=viewer, budget_id=budget_id)
    proposals = selectors.proposals_on_public_ballot(viewer=viewer, budget=budget)
    form = CodeForm(request.POST or None)
    chosen: dict[int, int] = {}
    if request.method == "POST" and form.is_valid():
        try:
            chosen = choices_from(request.POST, budget=budget, proposals=proposals)
            services.code_ballot_cast(
                budget_id=budget.pk, code=form.cleaned_data["code"], choices=chosen
            )
        except CoproduceError as error:
            add_error(form, error)
        else:
            return render(request, "budgeting/code_thanks.html", {"budget": budget})
    context = _ballot_context(budget, proposals, chosen)
    context.update({"form": form, "voting_open": True})
    return render(request, "budgeting/code_vote.html", context, status=400 if form.errors else 200)


@login_required
def results(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    result = selectors.result_get(viewer=viewer, budget=budget)
    chart = None
    # Most votes first, as people read results; a tie keeps the rule's own order.
    lines = (
        sorted(result.lines.all(), key=lambda line: (-line.votes, line.position)) if result else []
    )
    if lines:
        unit = "points" if budget.ballot_kind == BallotKind.CUMULATIVE else "votes"
        chart = bar_chart(
            title=f"{unit.capitalize()} for each project in {budget.name}",
            rows=[
                (line.proposal.title, line.votes, "Funded" if line.selected else "Not funded")
                for line in lines
            ],
            unit=unit,
        )
    rejected = selectors.rejected_proposals(viewer=viewer, budget=budget)
    return render(
        request,
        "budgeting/results.html",
        {
            "budget": budget,
            "result": result,
            "lines": lines,
            "chart": chart,
            "rejected": rejected,
            "funded_total": pounds(
                sum(line.proposal.cost_pence for line in lines if line.selected)
            ),
        },
    )


@login_required
def export(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    if budget.round.phase in {Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING}:
        raise InvalidInput(None, "Ballots can be downloaded once voting has closed.")
    response = HttpResponse(pabulib_io.export_budget(budget), content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="budget-{budget.pk}.pb"'
    return response


@login_required
def delivery(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = _viewer(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    return render(
        request,
        "budgeting/delivery.html",
        {
            "budget": budget,
            "rows": selectors.delivery_rows(viewer=viewer, budget=budget),
            "may_run": permissions.may(viewer, "budgeting.run_round", budget.round.organisation_id),
        },
    )


@login_required
def delivery_update(request: HttpRequest, proposal_id: int) -> HttpResponse:
    viewer = _viewer(request)
    proposal = selectors.proposal_get(viewer=viewer, proposal_id=proposal_id)
    budget = proposal.budget
    permissions.check(
        viewer, "budgeting.run_round", budget.round.organisation_id, action="track delivery"
    )
    form = DeliveryForm(
        request.POST or None,
        initial={"status": proposal.delivery_status, "note": proposal.delivery_note},
    )
    if request.method == "POST" and form.is_valid():
        spend = form.cleaned_data.get("spend")
        try:
            services.delivery_record(
                viewer=viewer,
                proposal_id=proposal.pk,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                spend_pence=pence(spend) if spend is not None else None,
                memo=form.cleaned_data["memo"],
            )
        except NotFound:
            raise
        except CoproduceError as error:
            if isinstance(error, InvalidInput) and error.field == "amount_pence":
                error.field = "spend"
            add_error(form, error)
        else:
            messages.success(request, f"Delivery of “{proposal.title}” updated.")
            return redirect("budgeting:delivery", budget_id=budget.pk)
    return render(
        request,
        "budgeting/delivery_update.html",
        {"form": form, "proposal": proposal, "budget": budget},
        status=400 if form.errors else 200,
    )


@login_required
def dividends(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = _viewer(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.approve_dividend",
        action="see dividends",
    )
    policies = selectors.dividend_policy_list(viewer=viewer).filter(budget_holder=organisation)
    return render(
        request,
        "budgeting/dividends.html",
        {"policies": list(policies), "organisation": organisation},
    )


@login_required
def dividend_approve(request: HttpRequest, dividend_id: int) -> HttpResponse:
    viewer = _viewer(request)
    dividend = selectors.dividend_get(viewer=viewer, dividend_id=dividend_id)
    policy = dividend.savings_record.policy
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.dividend_approve(viewer=viewer, dividend_id=dividend.pk)
        except CoproduceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{pounds(dividend.amount_pence)} credited to the pot.")
        return redirect("budgeting:dividends", organisation_id=policy.budget_holder_id)
    return render(
        request,
        "web/confirm.html",
        {
            "title": "Approve this dividend?",
            "warning": (
                f"{pounds(dividend.amount_pence)} ({policy.share_percent}% of "
                f"{pounds(dividend.savings_record.amount_pence)} verified savings) will be "
                f"credited to the {policy.area.name} community pot. This cannot be undone."
            ),
            "confirm_label": "Approve and credit",
            "cancel_url": reverse("budgeting:dividends", args=[policy.budget_holder_id]),
            "hidden": {},
        },
    )


def _field_for(error: CoproduceError, renames: dict[str, str]) -> CoproduceError:
    """Services name amounts in pence; the forms ask for pounds."""
    if isinstance(error, InvalidInput) and error.field in renames:
        error.field = renames[error.field]
    return error


@login_required
def round_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = _viewer(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.run_round",
        action="run a round",
    )
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(
                viewer=viewer, organisation_id=organisation.pk, **form.cleaned_data
            )
        except CoproduceError as error:
            add_error(form, error)
        else:
            messages.success(request, "Round started. Add its budgets next.")
            return redirect("budgeting:budget_create", round_id=round_.pk)
    return render(
        request, "budgeting/round_form.html", {"form": form, "organisation": organisation}
    )


@login_required
def budget_create(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = _viewer(request)
    round_ = selectors.round_get(viewer=viewer, round_id=round_id)
    permissions.check(viewer, "budgeting.run_round", round_.organisation_id, action="run a round")
    form = BudgetForm(
        request.POST or None,
        organisations=selectors.organisations_where(viewer=viewer, ability="budgeting.view"),
        pots=selectors.pot_list(viewer=viewer, ability="budgeting.run_round"),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        amount = data.pop("amount")
        try:
            services.budget_add(
                viewer=viewer,
                round_id=round_.pk,
                amount_pence=pence(amount),
                area_id=data.pop("area"),
                pot_id=data.pop("pot"),
                members_of_id=data.pop("members_of"),
                **data,
            )
        except NotFound:
            raise  # another organisation's pot or group: the page is 404, as the API's call
        except CoproduceError as error:
            add_error(form, _field_for(error, {"amount_pence": "amount"}))
        else:
            messages.success(request, f"Budget “{data['name']}” added.")
            return redirect("budgeting:round_detail", round_id=round_.pk)
    return render(request, "budgeting/budget_form.html", {"form": form, "round": round_})


@login_required
def policy_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = _viewer(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.approve_dividend",
        action="agree a dividend policy",
    )
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            services.dividend_policy_create(
                viewer=viewer,
                budget_holder_id=organisation.pk,
                area_id=data.pop("area"),
                **data,
            )
        except CoproduceError as error:
            add_error(form, error)
        else:
            messages.success(request, "Dividend policy agreed.")
            return redirect("budgeting:dividends", organisation_id=organisation.pk)
    return render(
        request, "budgeting/policy_form.html", {"form": form, "organisation": organisation}
    )


@login_required
def savings_create(request: HttpRequest, policy_id: int) -> HttpResponse:
    viewer = _viewer(request)
    policy = selectors.dividend_policy_get(viewer=viewer, policy_id=policy_id)
    form = SavingsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        amount = data.pop("amount")
        try:
            services.savings_record_enter(
                viewer=viewer, policy_id=policy.pk, amount_pence=pence(amount), **data
            )
        except CoproduceError as error:
            add_error(form, _field_for(error, {"amount_pence": "amount"}))
        else:
            messages.success(request, "Savings recorded. Approve the dividend to credit the pot.")
            return redirect("budgeting:dividends", organisation_id=policy.budget_holder_id)
    return render(request, "budgeting/savings_form.html", {"form": form, "policy": policy})


@login_required
def round_import(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = _viewer(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.run_round",
        action="import a round",
    )
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.election_import(
                viewer=viewer,
                organisation_id=organisation.pk,
                text=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                rule=form.cleaned_data["rule"],
            )
        except CoproduceError as error:
            add_error(form, error)
        else:
            messages.success(request, "Election imported and counted.")
            return redirect("budgeting:round_detail", round_id=round_.pk)
    return render(
        request,
        "budgeting/round_import.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )
