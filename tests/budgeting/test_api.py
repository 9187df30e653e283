from __future__ import annotations

from typing import Any

from django.test import Client

from coproduce.budgeting import services
from coproduce.budgeting.models import Ballot, Budget, Proposal, Rule
from tests.budgeting.factories import area, election, policy_with_savings
from tests.conftest import World


def _json_client(world: World, role: str) -> Client:
    client = world.client(role)
    client.defaults["HTTP_X_CSRFTOKEN"] = "unused"
    return client


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data, content_type="application/json")


def test_api_lists_rounds_with_their_budgets(
    world: World, django_assert_max_num_queries: Any
) -> None:
    e = election(world, open_voting=False)
    client = _json_client(world, "member")
    with django_assert_max_num_queries(8):
        listing = client.get("/api/v1/budgeting/rounds").json()
    assert [item["title"] for item in listing["items"]] == ["Riverside ideas 2026"]
    detail = client.get(f"/api/v1/budgeting/rounds/{e.round.pk}").json()
    assert detail["phase"] == "proposals"
    assert detail["budgets"][0]["amount_pence"] == 100_000


def test_api_submits_and_reviews_a_proposal(world: World) -> None:
    e = election(world, open_voting=False)
    created = _post(
        _json_client(world, "member"),
        f"/api/v1/budgeting/budgets/{e.budget.pk}/proposals",
        {"title": "Planters", "description": "On the high street", "cost_pence": 20_000},
    )
    assert created.status_code == 201
    proposal_id = created.json()["id"]
    refused = _post(
        _json_client(world, "staff"),
        f"/api/v1/budgeting/proposals/{proposal_id}/review",
        {"accept": False},
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "invalid",
        "message": "Give the public reason this idea cannot go on the ballot.",
        "field": "reason",
    }
    assert Proposal.objects.get(pk=proposal_id).status == "submitted"


def test_api_ballot_is_cast_once_then_changed(world: World) -> None:
    e = election(world)
    a, b, c = e.proposals
    client = _json_client(world, "member")
    url = f"/api/v1/budgeting/budgets/{e.budget.pk}/ballot"
    first = _post(client, url, {"choices": {str(a.pk): 1}})
    assert first.status_code == 201
    second = _post(client, url, {"choices": {str(b.pk): 1}})
    assert second.status_code == 409
    assert second.json()["error"]["message"] == (
        "You have already voted in this budget; change your ballot instead."
    )
    over = _post(client, f"{url}/change", {"choices": {str(p.pk): 1 for p in (a, b, c)}})
    assert over.status_code == 400
    assert over.json()["error"]["message"] == "Your choices cost £1,200, over the budget of £1,000."
    changed = _post(client, f"{url}/change", {"choices": {str(b.pk): 1}})
    assert changed.status_code == 200
    assert client.get(url).json()["choices"] == {str(b.pk): 1}
    assert Ballot.objects.count() == 1


def test_api_result_has_the_explanations(world: World) -> None:
    e = election(world, rule=Rule.MES)
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    url = f"/api/v1/budgeting/budgets/{e.budget.pk}/result"
    client = _json_client(world, "commissioner")
    waiting = client.get(url)
    assert waiting.status_code == 404
    assert waiting.json()["error"]["message"] == "The votes have not been counted yet."
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    body = client.get(url).json()
    assert body["rule"] == "mes" and body["ballots_counted"] == 1
    first = body["lines"][0]
    assert first["proposal_id"] == e.proposals[0].pk and first["selected"] is True
    assert first["explanation"]


def test_api_outsider_gets_404_for_a_round(world: World) -> None:
    e = election(world)
    response = _json_client(world, "outsider").get(f"/api/v1/budgeting/rounds/{e.round.pk}")
    assert response.status_code == 404


def test_api_manager_starts_a_round_adds_a_budget_and_advances(world: World) -> None:
    client = _json_client(world, "manager")
    created = _post(
        client, "/api/v1/budgeting/rounds", {"organisation_id": world.org.pk, "title": "Ideas"}
    )
    assert created.status_code == 201
    round_id = created.json()["id"]
    bad = _post(
        client,
        f"/api/v1/budgeting/rounds/{round_id}/budgets",
        {"name": "City", "amount_pence": 10_000, "ballot_kind": "approval_count"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == {
        "code": "invalid",
        "message": "Say how many projects each voter may approve.",
        "field": "max_projects",
    }
    budget = _post(
        client,
        f"/api/v1/budgeting/rounds/{round_id}/budgets",
        {
            "name": "City",
            "amount_pence": 10_000,
            "ballot_kind": "approval_count",
            "max_projects": 2,
        },
    )
    assert budget.status_code == 201 and budget.json()["max_projects"] == 2
    advanced = _post(client, f"/api/v1/budgeting/rounds/{round_id}/advance", {})
    assert advanced.json()["phase"] == "review"
    blocked = _post(client, f"/api/v1/budgeting/rounds/{round_id}/advance", {})
    assert blocked.status_code == 409
    assert blocked.json()["error"]["message"] == "“City” has no proposals on its ballot."


def test_api_staff_cannot_start_a_round(world: World) -> None:
    response = _post(
        _json_client(world, "staff"),
        "/api/v1/budgeting/rounds",
        {"organisation_id": world.org.pk, "title": "Ideas"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "You need to be a manager or above of this organisation to run a round."
    )


def test_api_budget_with_another_organisations_pot_is_404_and_adds_nothing(
    world: World,
) -> None:
    riverside = area()
    _, dividend_id = policy_with_savings(world, riverside)
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    pot = services.pot_account(riverside, world.org)
    client = _json_client(world, "outsider")
    created = _post(
        client,
        "/api/v1/budgeting/rounds",
        {"organisation_id": world.other_org.pk, "title": "Northgate"},
    )
    assert created.status_code == 201
    round_id = created.json()["id"]
    response = _post(
        client,
        f"/api/v1/budgeting/rounds/{round_id}/budgets",
        {"name": "Raid", "amount_pence": 5_000, "pot_id": pot.pk},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Budget.objects.filter(round_id=round_id).exists()
    pot.refresh_from_db()
    assert pot.balance == 200_000
