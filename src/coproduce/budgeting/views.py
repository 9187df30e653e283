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
    BallotForm,
    BudgetForm,
    CodeForm,
    CodesForm,
    ConfirmForm,
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
from coproduce.errors import InvalidInput
from coproduce.framework.charts import bar_chart
from coproduce.framework.forms import form_data, form_submit
from coproduce.people.permissions import viewer_of


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
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
    viewer = viewer_of(request)
    round_ = selectors.round_get(viewer=viewer, round_id=round_id)
    may = selectors.round_abilities(viewer=viewer, round_=round_)
    return render(
        request,
        "budgeting/round_detail.html",
        {
            "round": round_,
            "budgets": selectors.budget_list(viewer=viewer, round_=round_),
            "may_propose": may.propose,
            "may_vote": may.vote,
            "may_review": may.review,
            "may_run": may.run,
            "may_enter_paper": may.enter_paper,
            "phases": [Phase(p) for p in Phase.values],
        },
    )


@login_required
def round_advance(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    round_ = selectors.access_round_by_id(
        viewer=viewer, round_id=round_id, ability="budgeting.run_round", action="run a round"
    )
    form = ConfirmForm(form_data(request, sent=request.POST.get("confirmed") == "yes"))
    advanced = form_submit(
        request, form, lambda data: services.round_advance(viewer=viewer, round_id=round_.pk)
    )
    if advanced is not None:
        messages.success(request, f"The round is now in its {advanced.phase} phase.")
        return redirect("budgeting:round_detail", round_id=advanced.pk)
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
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def proposal_create(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    budget = selectors.access_budget_by_id(
        viewer=viewer, budget_id=budget_id, ability="budgeting.propose", action="propose a project"
    )
    form = ProposalForm(form_data(request))
    proposed = form_submit(
        request,
        form,
        lambda data: services.proposal_submit(
            viewer=viewer,
            budget_id=budget.pk,
            title=data["title"],
            description=data["description"],
            cost_pence=pence(data["cost"]),
        ),
        fields={"cost_pence": "cost"},
    )
    if proposed is not None:
        messages.success(request, "Thank you. Staff will check your idea before the vote.")
        return redirect("budgeting:round_detail", round_id=budget.round_id)
    return render(request, "budgeting/proposal_form.html", {"form": form, "budget": budget})


@login_required
def proposal_review(request: HttpRequest, proposal_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    proposal = selectors.access_proposal_by_id(
        viewer=viewer,
        proposal_id=proposal_id,
        ability="budgeting.review",
        action="review proposals",
    )
    round_ = proposal.budget.round
    form = ReviewForm(form_data(request))
    reviewed = form_submit(
        request,
        form,
        lambda data: services.proposal_review(
            viewer=viewer,
            proposal_id=proposal.pk,
            accept=data["decision"] == "accept",
            reason=data["reason"],
            cost_pence=pence(data["cost"]) if data.get("cost") is not None else None,
        ),
        fields={"cost_pence": "cost"},
    )
    if reviewed is not None:
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
    viewer = viewer_of(request)
    budget = selectors.access_budget_by_id(
        viewer=viewer, budget_id=budget_id, ability="budgeting.vote", action="vote"
    )
    proposals = selectors.proposals_on_ballot(viewer=viewer, budget=budget)
    existing = selectors.ballot_choices_for(viewer=viewer, budget=budget)
    chosen = dict(existing or {})
    form = BallotForm(form_data(request))

    def save(data: dict[str, Any]) -> Any:
        picked = choices_from(request.POST, budget=budget, proposals=proposals)
        chosen.clear()
        chosen.update(picked)
        return services.ballot_save(viewer=viewer, budget_id=budget.pk, choices=picked)

    saved = form_submit(request, form, save)
    if saved is not None:
        _, cast = saved
        messages.success(
            request,
            "Your vote is counted. You can change it until voting closes."
            if cast
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
            "form": form,
            "has_voted": existing is not None,
            "voting_open": budget.round.phase == Phase.VOTING,
            "eligibility": eligibility,
            "action": reverse("budgeting:vote", args=[budget.pk]),
        }
    )
    return render(request, "budgeting/vote.html", context, status=400 if form.errors else 200)


@login_required
def paper_ballot(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    budget = selectors.access_budget_by_id(
        viewer=viewer,
        budget_id=budget_id,
        ability="budgeting.enter_paper_ballot",
        action="enter paper ballots",
    )
    proposals = selectors.proposals_on_ballot(viewer=viewer, budget=budget)
    form = PaperBallotForm(form_data(request))
    chosen: dict[int, int] = {}

    def enter(data: dict[str, Any]) -> Any:
        chosen.update(choices_from(request.POST, budget=budget, proposals=proposals))
        return services.paper_ballot_enter(
            viewer=viewer, budget_id=budget.pk, number=data["number"], choices=dict(chosen)
        )

    ballot = form_submit(request, form, enter)
    if ballot is not None:
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
    viewer = viewer_of(request)
    budget = selectors.access_budget_by_id(
        viewer=viewer,
        budget_id=budget_id,
        ability="budgeting.enter_paper_ballot",
        action="print voting codes",
    )
    form = CodesForm(form_data(request))
    made = form_submit(
        request,
        form,
        lambda data: services.voting_codes_create(
            viewer=viewer, budget_id=budget.pk, count=data["count"]
        ),
    )
    if made is not None:
        url = request.build_absolute_uri(reverse("budgeting:code_vote", args=[budget.pk]))
        return render(
            request, "budgeting/code_sheet.html", {"budget": budget, "codes": made, "url": url}
        )
    return render(request, "budgeting/codes.html", {"form": form, "budget": budget})


def code_vote(request: HttpRequest, budget_id: int) -> HttpResponse:
    """Public: whoever holds an unused slip votes with it."""
    viewer = viewer_of(request)
    budget = selectors.budget_public_get(viewer=viewer, budget_id=budget_id)
    proposals = selectors.proposals_on_public_ballot(viewer=viewer, budget=budget)
    form = CodeForm(form_data(request))
    chosen: dict[int, int] = {}

    def cast(data: dict[str, Any]) -> Any:
        chosen.update(choices_from(request.POST, budget=budget, proposals=proposals))
        return services.code_ballot_cast(
            budget_id=budget.pk, code=data["code"], choices=dict(chosen)
        )

    if form_submit(request, form, cast) is not None:
        return render(request, "budgeting/code_thanks.html", {"budget": budget})
    context = _ballot_context(budget, proposals, chosen)
    context.update({"form": form, "voting_open": True})
    return render(request, "budgeting/code_vote.html", context, status=400 if form.errors else 200)


@login_required
def results(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = viewer_of(request)
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
    viewer = viewer_of(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    if budget.round.phase in {Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING}:
        raise InvalidInput(None, "Ballots can be downloaded once voting has closed.")
    response = HttpResponse(pabulib_io.export_budget(budget), content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="budget-{budget.pk}.pb"'
    return response


@login_required
def delivery(request: HttpRequest, budget_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    budget = selectors.budget_get(viewer=viewer, budget_id=budget_id)
    may = selectors.round_abilities(viewer=viewer, round_=budget.round)
    return render(
        request,
        "budgeting/delivery.html",
        {
            "budget": budget,
            "rows": selectors.delivery_rows(viewer=viewer, budget=budget),
            "may_run": may.run,
        },
    )


@login_required
def delivery_update(request: HttpRequest, proposal_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    proposal = selectors.access_proposal_by_id(
        viewer=viewer,
        proposal_id=proposal_id,
        ability="budgeting.run_round",
        action="track delivery",
    )
    budget = proposal.budget
    form = DeliveryForm(
        form_data(request),
        initial={"status": proposal.delivery_status, "note": proposal.delivery_note},
    )
    recorded = form_submit(
        request,
        form,
        lambda data: services.delivery_record(
            viewer=viewer,
            proposal_id=proposal.pk,
            status=data["status"],
            note=data["note"],
            spend_pence=pence(data["spend"]) if data.get("spend") is not None else None,
            memo=data["memo"],
        ),
        fields={"amount_pence": "spend"},
    )
    if recorded is not None:
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
    viewer = viewer_of(request)
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
    viewer = viewer_of(request)
    dividend = selectors.dividend_get(viewer=viewer, dividend_id=dividend_id)
    policy = dividend.savings_record.policy
    form = ConfirmForm(form_data(request, sent=request.POST.get("confirmed") == "yes"))
    approved = form_submit(
        request,
        form,
        lambda data: services.dividend_approve(viewer=viewer, dividend_id=dividend.pk),
    )
    if approved is not None:
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
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def round_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.run_round",
        action="run a round",
    )
    form = RoundForm(form_data(request))
    round_ = form_submit(
        request,
        form,
        lambda data: services.round_create(viewer=viewer, organisation_id=organisation.pk, **data),
    )
    if round_ is not None:
        messages.success(request, "Round started. Add its budgets next.")
        return redirect("budgeting:budget_create", round_id=round_.pk)
    return render(
        request, "budgeting/round_form.html", {"form": form, "organisation": organisation}
    )


@login_required
def budget_create(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    round_ = selectors.access_round_by_id(
        viewer=viewer, round_id=round_id, ability="budgeting.run_round", action="run a round"
    )
    form = BudgetForm(
        form_data(request),
        organisations=selectors.organisations_where(viewer=viewer, ability="budgeting.view"),
        pots=selectors.pot_list(viewer=viewer, ability="budgeting.run_round"),
    )

    def add(cleaned: dict[str, Any]) -> Any:
        data = dict(cleaned)
        return services.budget_add(
            viewer=viewer,
            round_id=round_.pk,
            amount_pence=pence(data.pop("amount")),
            area_id=data.pop("area"),
            pot_id=data.pop("pot"),
            members_of_id=data.pop("members_of"),
            **data,
        )

    # Another organisation's pot or group is a 404 page, as the API's call is.
    if form_submit(request, form, add, fields={"amount_pence": "amount"}) is not None:
        messages.success(request, f"Budget “{form.cleaned_data['name']}” added.")
        return redirect("budgeting:round_detail", round_id=round_.pk)
    return render(request, "budgeting/budget_form.html", {"form": form, "round": round_})


@login_required
def policy_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.approve_dividend",
        action="agree a dividend policy",
    )
    form = PolicyForm(form_data(request))

    def agree(cleaned: dict[str, Any]) -> Any:
        data = dict(cleaned)
        return services.dividend_policy_create(
            viewer=viewer, budget_holder_id=organisation.pk, area_id=data.pop("area"), **data
        )

    if form_submit(request, form, agree) is not None:
        messages.success(request, "Dividend policy agreed.")
        return redirect("budgeting:dividends", organisation_id=organisation.pk)
    return render(
        request, "budgeting/policy_form.html", {"form": form, "organisation": organisation}
    )


@login_required
def savings_create(request: HttpRequest, policy_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    policy = selectors.dividend_policy_get(viewer=viewer, policy_id=policy_id)
    form = SavingsForm(form_data(request))

    def enter(cleaned: dict[str, Any]) -> Any:
        data = dict(cleaned)
        return services.savings_record_enter(
            viewer=viewer, policy_id=policy.pk, amount_pence=pence(data.pop("amount")), **data
        )

    if form_submit(request, form, enter, fields={"amount_pence": "amount"}) is not None:
        messages.success(request, "Savings recorded. Approve the dividend to credit the pot.")
        return redirect("budgeting:dividends", organisation_id=policy.budget_holder_id)
    return render(request, "budgeting/savings_form.html", {"form": form, "policy": policy})


@login_required
def round_import(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.run_round",
        action="import a round",
    )
    form = ImportForm(form_data(request), request.FILES or None)
    round_ = form_submit(
        request,
        form,
        lambda data: services.election_import(
            viewer=viewer,
            organisation_id=organisation.pk,
            text=data["file"],
            title=data["title"],
            rule=data["rule"],
        ),
    )
    if round_ is not None:
        messages.success(request, "Election imported and counted.")
        return redirect("budgeting:round_detail", round_id=round_.pk)
    return render(
        request,
        "budgeting/round_import.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )
