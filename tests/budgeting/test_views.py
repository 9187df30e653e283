from __future__ import annotations

from typing import Any

from django.urls import reverse

from coproduce.budgeting import services
from coproduce.budgeting.models import (
    Ballot,
    BallotKind,
    Budget,
    DividendPolicy,
    Proposal,
    ProposalStatus,
    Rule,
    SavingsRecord,
)
from coproduce.timebank.models import Transfer, TransferKind
from tests.budgeting.factories import area, election, policy_with_savings
from tests.conftest import World


def test_round_page_lists_budgets_and_proposals_with_public_rejection_reasons(
    world: World,
) -> None:
    e = election(world, open_voting=False)
    rejected = services.proposal_submit(
        viewer=world.viewer("member"),
        budget_id=e.budget.pk,
        title="A helipad",
        description="For visitors",
        cost_pence=9_000,
    )
    services.proposal_review(
        viewer=world.viewer("staff"),
        proposal_id=rejected.pk,
        accept=False,
        reason="There is no flat roof.",
    )
    response = world.client("member").get(reverse("budgeting:round_detail", args=[e.round.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Idea 1" in text and "£400" in text
    assert "There is no flat roof." in text
    assert "Propose an idea" in text


def test_proposal_form_submits_an_idea_in_pounds(world: World) -> None:
    e = election(world, open_voting=False)
    response = world.client("member").post(
        reverse("budgeting:proposal_create", args=[e.budget.pk]),
        {"title": "Bulb planting", "description": "Daffodils on the verge", "cost": "125.50"},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(title="Bulb planting")
    assert (proposal.cost_pence, proposal.status) == (12_550, ProposalStatus.SUBMITTED)


def test_proposal_form_shows_the_service_refusal_on_the_cost_field(world: World) -> None:
    e = election(world, open_voting=False)
    response = world.client("member").post(
        reverse("budgeting:proposal_create", args=[e.budget.pk]),
        {"title": "A bridge", "description": "Over the river", "cost": "5000"},
    )
    assert response.status_code == 200
    assert "That costs more than the whole budget of £1,000." in response.content.decode()
    assert not Proposal.objects.filter(title="A bridge").exists()


def test_review_page_rejects_with_a_reason(world: World) -> None:
    e = election(world, open_voting=False)
    proposal = services.proposal_submit(
        viewer=world.viewer("member"),
        budget_id=e.budget.pk,
        title="Fountain",
        description="Big",
        cost_pence=5_000,
    )
    response = world.client("staff").post(
        reverse("budgeting:proposal_review", args=[proposal.pk]),
        {"decision": "reject", "reason": "Needs planning permission.", "cost": ""},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.rejection_reason == "Needs planning permission."


def test_vote_page_shows_the_limit_and_a_live_running_total(world: World) -> None:
    e = election(world)
    response = world.client("member").get(reverse("budgeting:vote", args=[e.budget.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'aria-live="polite"' in text
    assert "Your choices cost £0 of £1,000." in text
    assert 'data-cost="40000"' in text
    assert "budgeting/ballot.js" in text


def test_vote_page_casts_then_changes_the_ballot(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    client = world.client("member")
    url = reverse("budgeting:vote", args=[e.budget.pk])
    assert client.post(url, {"project": [str(a.pk)]}).status_code == 302
    assert client.post(url, {"project": [str(b.pk)]}).status_code == 302
    ballot = Ballot.objects.get()
    assert list(ballot.choices.values_list("proposal_id", flat=True)) == [b.pk]
    page = client.get(url).content.decode()
    assert "You have voted." in page
    assert "Your choices cost £300 of £1,000." in page


def test_vote_page_says_whether_the_ballot_was_cast_or_changed(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    client = world.client("member")
    url = reverse("budgeting:vote", args=[e.budget.pk])
    cast = client.post(url, {"project": [str(a.pk)]}, follow=True).content.decode()
    assert "Your vote is counted. You can change it until voting closes." in cast
    changed = client.post(url, {"project": [str(b.pk)]}, follow=True).content.decode()
    assert "Your vote is changed." in changed
    assert Ballot.objects.count() == 1


def test_vote_page_refused_change_shows_the_error_and_keeps_the_ballot(world: World) -> None:
    e = election(world)
    a, _, _ = e.proposals
    client = world.client("member")
    url = reverse("budgeting:vote", args=[e.budget.pk])
    client.post(url, {"project": [str(a.pk)]})
    response = client.post(url, {"project": [str(p.pk) for p in e.proposals]})
    text = response.content.decode()
    assert response.status_code == 400
    assert '<div class="error-summary"' in text
    assert "<li>Your choices cost £1,200, over the budget of £1,000.</li>" in text
    # The page shows what was sent, so it can be mended; the ballot keeps the old choice.
    assert "Your choices cost £1,200 of £1,000." in text
    ballot = Ballot.objects.get()
    assert list(ballot.choices.values_list("proposal_id", flat=True)) == [a.pk]


def test_vote_page_refuses_a_ballot_over_the_limit_without_javascript(world: World) -> None:
    e = election(world)
    response = world.client("member").post(
        reverse("budgeting:vote", args=[e.budget.pk]),
        {"project": [str(p.pk) for p in e.proposals]},
    )
    assert response.status_code == 400
    assert "Your choices cost £1,200, over the budget of £1,000." in response.content.decode()
    assert not Ballot.objects.exists()


def test_cumulative_vote_page_takes_points(world: World) -> None:
    e = election(world, ballot_kind=BallotKind.CUMULATIVE, points=5)
    a, b, _ = e.proposals
    response = world.client("member").post(
        reverse("budgeting:vote", args=[e.budget.pk]),
        {f"points-{a.pk}": "3", f"points-{b.pk}": "2"},
    )
    assert response.status_code == 302
    assert dict(Ballot.objects.get().choices.values_list("proposal_id", "points")) == {
        a.pk: 3,
        b.pk: 2,
    }


def test_code_sheet_prints_codes_that_vote_once_on_the_public_page(world: World) -> None:
    e = election(world)
    sheet = world.client("staff").post(reverse("budgeting:codes", args=[e.budget.pk]), {"count": 2})
    assert sheet.status_code == 200
    codes: list[Any] = sheet.context["codes"]
    assert len(codes) == 2 and codes[0] in sheet.content.decode()
    from django.test import Client

    visitor = Client()
    url = reverse("budgeting:code_vote", args=[e.budget.pk])
    ok = visitor.post(url, {"code": codes[0], "project": [str(e.proposals[0].pk)]})
    assert ok.status_code == 200 and "Thank you for voting" in ok.content.decode()
    again = visitor.post(url, {"code": codes[0], "project": [str(e.proposals[1].pk)]})
    assert again.status_code == 400
    assert "This code has already been used." in again.content.decode()
    assert Ballot.objects.count() == 1


def test_paper_ballot_page_counts_a_ballot_by_membership_number(world: World) -> None:
    e = election(world)
    number = world.people["member"].memberships.get(organisation=world.org).number
    response = world.client("staff").post(
        reverse("budgeting:paper_ballot", args=[e.budget.pk]),
        # Typed as written on the paper, in lower case with spaces around it.
        {"number": f"  {number.lower()} ", "project": [str(e.proposals[0].pk)]},
    )
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert (ballot.person, ballot.channel) == (world.people["member"], "paper")


def test_paper_ballot_with_an_unknown_or_foreign_number_counts_nothing(world: World) -> None:
    e = election(world)
    url = reverse("budgeting:paper_ballot", args=[e.budget.pk])
    assert world.outsider is not None
    outsider_number = world.outsider.memberships.get().number
    for number in ["NOPE0001", outsider_number]:
        response = world.client("staff").post(
            url, {"number": number, "project": [str(e.proposals[0].pk)]}
        )
        assert response.status_code == 400
        text = response.content.decode()
        assert f"No active member of {world.org.name} has the number" in text
        assert 'href="#id_number"' in text
    assert not Ballot.objects.exists()


def test_results_page_has_a_chart_and_each_explanation(
    world: World, django_assert_max_num_queries: Any
) -> None:
    e = election(world, rule=Rule.GREEDY)
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    client = world.client("member")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("budgeting:results", args=[e.budget.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in text and "Votes for each project in Riverside" in text
    assert "Funded" in text and "Not funded" in text
    # Greedy funds £400 (1 vote) then £300 (0 votes, still fits); £500 no longer fits.
    assert text.count("<td>Not funded</td>") == 1


def test_dividend_page_approves_and_credits_the_pot(world: World) -> None:
    _, dividend_id = policy_with_savings(world, area())
    client = world.client("manager")
    page = client.get(reverse("budgeting:dividends", args=[world.org.pk]))
    assert "Awaiting the budget holder" in page.content.decode()
    response = client.post(
        reverse("budgeting:dividend_approve", args=[dividend_id]), {"confirmed": "yes"}
    )
    assert response.status_code == 302
    listing = client.get(reverse("budgeting:round_list")).content.decode()
    assert "Riverside community pot" in listing and "£2,000" in listing


def test_round_advance_confirms_before_closing_the_vote(world: World) -> None:
    e = election(world)
    client = world.client("manager")
    url = reverse("budgeting:round_advance", args=[e.round.pk])
    page = client.get(url).content.decode()
    assert "Voting closes and every budget is counted" in page
    client.post(url, {"confirmed": "yes"})
    e.round.refresh_from_db()
    assert e.round.phase == "results"


def test_round_advance_refusal_shows_on_the_confirm_page(world: World) -> None:
    e = election(world)
    manager = world.viewer("manager")
    services.round_advance(viewer=manager, round_id=e.round.pk)
    services.round_advance(viewer=manager, round_id=e.round.pk)
    client = world.client("manager")
    url = reverse("budgeting:round_advance", args=[e.round.pk])
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 400
    assert "<li>This round is already in delivery, its last phase.</li>" in (
        response.content.decode()
    )
    e.round.refresh_from_db()
    assert e.round.phase == "delivery"


def test_round_advance_without_confirming_asks_again(world: World) -> None:
    e = election(world)
    response = world.client("manager").post(
        reverse("budgeting:round_advance", args=[e.round.pk]), {}
    )
    assert response.status_code == 200
    assert "Move the round to its next phase?" in response.content.decode()
    e.round.refresh_from_db()
    assert e.round.phase == "voting"


def test_dividend_approved_twice_shows_the_refusal_on_the_confirm_page(world: World) -> None:
    _, dividend_id = policy_with_savings(world, area())
    client = world.client("manager")
    url = reverse("budgeting:dividend_approve", args=[dividend_id])
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    again = client.post(url, {"confirmed": "yes"})
    assert again.status_code == 400
    assert "<li>This dividend has already been approved and credited.</li>" in (
        again.content.decode()
    )
    assert Transfer.objects.filter(kind=TransferKind.DIVIDEND).count() == 1


def test_manager_starts_a_round_and_adds_a_budget_in_pounds(world: World) -> None:
    client = world.client("manager")
    riverside = area()
    response = client.post(
        reverse("budgeting:round_create", args=[world.org.pk]),
        {"title": "Spring ideas", "description": ""},
    )
    assert response.status_code == 302
    round_id = int(response["Location"].rstrip("/").split("/")[-3])
    form = {
        "name": "Riverside",
        "amount": "2500.00",
        "area": riverside.pk,
        "pot": "",
        "ballot_kind": "approval_budget",
        "rule": "mes",
        "threshold_votes": "0",
        "min_projects": "1",
        "max_projects": "",
        "min_share_percent": "0",
        "points": "",
        "residents_only": "on",
        "min_age": "16",
        "members_of": "",
    }
    added = client.post(reverse("budgeting:budget_create", args=[round_id]), form)
    assert added.status_code == 302
    budget = Budget.objects.get(round_id=round_id)
    assert (budget.amount_pence, budget.area, budget.min_age, budget.residents_only) == (
        250_000,
        riverside,
        16,
        True,
    )
    refused = client.post(
        reverse("budgeting:budget_create", args=[round_id]),
        {**form, "ballot_kind": "cumulative"},
    )
    assert "Say how many points each voter shares out." in refused.content.decode()
    assert Budget.objects.filter(round_id=round_id).count() == 1


def test_manager_agrees_a_policy_and_records_savings_with_evidence(world: World) -> None:
    client = world.client("manager")
    riverside = area()
    response = client.post(
        reverse("budgeting:policy_create", args=[world.org.pk]),
        {
            "service": "Day service",
            "area": riverside.pk,
            "share_percent": "25",
            "period_start": "2025-04-01",
            "period_end": "2026-03-31",
        },
    )
    assert response.status_code == 302
    policy = DividendPolicy.objects.get()
    url = reverse("budgeting:savings_create", args=[policy.pk])
    missing = client.post(
        url,
        {"amount": "1000", "period_start": "2025-04-01", "period_end": "2025-06-30"},
    )
    assert missing.status_code == 200 and not SavingsRecord.objects.exists()
    recorded = client.post(
        url,
        {
            "amount": "1000.10",
            "period_start": "2025-04-01",
            "period_end": "2025-06-30",
            "evidence": "Finance ledger lines 12-19",
            "evidence_url": "",
        },
    )
    assert recorded.status_code == 302
    record = SavingsRecord.objects.get()
    assert (record.amount_pence, record.dividend.amount_pence) == (100_010, 25_002)


def test_round_list_queries_do_not_grow_with_rounds(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        election(world, open_voting=False)
    client = world.client("member")
    client.get(reverse("budgeting:round_list"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("budgeting:round_list"))
    assert response.content.decode().count("Riverside ideas 2026") == 3


def test_vote_page_tells_an_ineligible_member_why(world: World) -> None:
    e = election(world, area_id=area("Riverside").pk, residents_only=True)
    response = world.client("member").get(reverse("budgeting:vote", args=[e.budget.pk]))
    text = response.content.decode()
    assert "Only residents of Riverside may vote in “Riverside”." in text
    assert "Cast my vote" not in text


def test_delivery_page_records_progress_and_spend_from_the_pot(world: World) -> None:
    riverside = area()
    _, dividend_id = policy_with_savings(world, riverside)
    manager = world.viewer("manager")
    services.dividend_approve(viewer=manager, dividend_id=dividend_id)
    pot = services.pot_account(riverside, world.org)
    e = election(world, costs=(40_000,), pot_id=pot.pk, rule=Rule.GREEDY)
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    services.round_advance(viewer=manager, round_id=e.round.pk)
    services.round_advance(viewer=manager, round_id=e.round.pk)
    client = world.client("manager")
    url = reverse("budgeting:delivery_update", args=[e.proposals[0].pk])
    over = client.post(
        url, {"status": "in_progress", "note": "", "spend": "400.01", "memo": "Planters"}
    )
    assert over.status_code == 400
    assert "over the project&#x27;s cost of £400." in over.content.decode()
    done = client.post(
        url, {"status": "done", "note": "Planted", "spend": "400", "memo": "Planters"}
    )
    assert done.status_code == 302
    page = client.get(reverse("budgeting:delivery", args=[e.budget.pk])).content.decode()
    assert "Done" in page and "£400" in page and "Planted" in page
    pot.refresh_from_db()
    assert pot.balance == 200_000 - 40_000


def test_round_page_queries_do_not_grow_with_proposals(
    world: World, django_assert_max_num_queries: Any
) -> None:
    e = election(world, costs=(1_000, 2_000, 3_000, 4_000, 5_000, 6_000), open_voting=False)
    client = world.client("staff")
    url = reverse("budgeting:round_detail", args=[e.round.pk])
    client.get(url)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("Review<span") == 6


def test_import_page_loads_a_pb_file_as_a_counted_round(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = (
        "META\nkey;value\ndescription;Town fund\nbudget;10\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost;name\na;6;Apple trees\nb;5;Benches\nc;4;Cycle racks\n"
        "VOTES\nvoter_id;vote\n1;a\n2;a,b\n3;a,b,c\n"
    )
    client = world.client("manager")
    url = reverse("budgeting:round_import", args=[world.org.pk])
    broken = client.post(
        url,
        {
            "file": SimpleUploadedFile("x.pb", text.replace("3;a,b,c", "3;a,z").encode()),
            "title": "",
            "rule": "greedy",
        },
    )
    assert broken.status_code == 400
    assert "line 15: vote for unknown project &#x27;z&#x27;" in broken.content.decode()
    assert not Budget.objects.exists()
    response = client.post(
        url, {"file": SimpleUploadedFile("x.pb", text.encode()), "title": "", "rule": "greedy"}
    )
    assert response.status_code == 302
    budget = Budget.objects.get(round__title="Town fund")
    assert budget.amount_pence == 1_000
    funded = budget.result.lines.filter(selected=True).values_list("proposal__title", flat=True)
    assert sorted(funded) == ["Apple trees", "Cycle racks"]


def test_vote_page_counts_projects_when_there_is_a_maximum(world: World) -> None:
    e = election(world, ballot_kind=BallotKind.APPROVAL_COUNT, max_projects=2)
    client = world.client("member")
    url = reverse("budgeting:vote", args=[e.budget.pk])
    client.post(url, {"project": [str(e.proposals[0].pk)]})
    text = client.get(url).content.decode()
    assert "Your choices cost £400 of £1,000. 1 of at most 2 projects chosen." in text


def _outsiders_round_and_our_pot(world: World) -> tuple[int, Any]:
    """world.org's funded Riverside pot, and a round in other_org run by its admin."""
    riverside = area()
    _, dividend_id = policy_with_savings(world, riverside)
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    round_ = services.round_create(
        viewer=world.viewer("outsider"), organisation_id=world.other_org.pk, title="Northgate"
    )
    return round_.pk, services.pot_account(riverside, world.org)


def test_budget_form_lists_only_pots_where_the_viewer_runs_rounds(world: World) -> None:
    round_id, pot = _outsiders_round_and_our_pot(world)
    theirs = services.pot_account(area("Northgate"), world.other_org)
    page = world.client("outsider").get(reverse("budgeting:budget_create", args=[round_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'value="{theirs.pk}"' in text
    assert f'value="{pot.pk}"' not in text and pot.name not in text


def test_budget_form_with_another_organisations_pot_is_404_and_adds_nothing(
    world: World,
) -> None:
    round_id, pot = _outsiders_round_and_our_pot(world)
    response = world.client("outsider").post(
        reverse("budgeting:budget_create", args=[round_id]),
        {
            "name": "Raid",
            "amount": "50.00",
            "area": "",
            "pot": pot.pk,
            "ballot_kind": "approval_budget",
            "rule": "greedy",
            "threshold_votes": "0",
            "min_projects": "1",
            "max_projects": "",
            "min_share_percent": "0",
            "points": "",
            "min_age": "",
            "members_of": "",
        },
    )
    assert response.status_code == 404
    assert not Budget.objects.filter(round_id=round_id).exists()
    pot.refresh_from_db()
    assert pot.balance == 200_000


def test_delivery_page_refusing_a_spend_keeps_the_progress_as_it_was(world: World) -> None:
    riverside = area()
    _, dividend_id = policy_with_savings(world, riverside)
    manager = world.viewer("manager")
    services.dividend_approve(viewer=manager, dividend_id=dividend_id)
    pot = services.pot_account(riverside, world.org)
    e = election(world, costs=(40_000,), pot_id=pot.pk, rule=Rule.GREEDY)
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    services.round_advance(viewer=manager, round_id=e.round.pk)
    services.round_advance(viewer=manager, round_id=e.round.pk)
    over = world.client("manager").post(
        reverse("budgeting:delivery_update", args=[e.proposals[0].pk]),
        {"status": "done", "note": "Planted", "spend": "400.01", "memo": "Planters"},
    )
    assert over.status_code == 400
    proposal = Proposal.objects.get(pk=e.proposals[0].pk)
    assert (proposal.delivery_status, proposal.delivery_note) == ("not_started", "")
    pot.refresh_from_db()
    assert pot.balance == 200_000


def test_delivery_page_spending_another_organisations_pot_is_404(world: World) -> None:
    round_id, pot = _outsiders_round_and_our_pot(world)
    outsider = world.viewer("outsider")
    budget = services.budget_add(
        viewer=outsider, round_id=round_id, name="Northgate", amount_pence=10_000,
        rule=Rule.GREEDY,
    )  # fmt: skip
    proposal = services.proposal_submit(
        viewer=outsider, budget_id=budget.pk, title="Benches", description="Two",
        cost_pence=5_000,
    )  # fmt: skip
    services.proposal_review(viewer=outsider, proposal_id=proposal.pk, accept=True)
    for _ in range(2):
        services.round_advance(viewer=outsider, round_id=round_id)
    services.ballot_cast(viewer=outsider, budget_id=budget.pk, choices={proposal.pk: 1})
    for _ in range(2):
        services.round_advance(viewer=outsider, round_id=round_id)
    # A budget written before the pot's owner was checked.
    Budget.objects.filter(pk=budget.pk).update(pot=pot)
    response = world.client("outsider").post(
        reverse("budgeting:delivery_update", args=[proposal.pk]),
        {"status": "done", "note": "", "spend": "50", "memo": "Benches"},
    )
    assert response.status_code == 404
    pot.refresh_from_db()
    assert pot.balance == 200_000
    assert Proposal.objects.get(pk=proposal.pk).delivery_status == "not_started"
