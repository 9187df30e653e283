"""Schemathesis against the whole API, in-process over WSGI, on the test database.

Every operation of /api/v1/openapi.json is called with generated input (the schema's examples,
its boundary values and random data, valid and invalid) by a coordinator's token. Each case is
sent twice when it has path parameters: once with the generated ids (mostly unknown: 404) and
once with the ids of real records in ``world``, so the handlers behind the 404 are fuzzed too.
The response must not be a 5xx, and its status, content type, headers and body must be the
ones the document declares. The seed is fixed and the examples bounded (six an operation, or
``COPRODUCE_FUZZ_EXAMPLES``), so a run is repeatable and takes a minute or two on two cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coproduce.budgeting import services as budgeting_services
from coproduce.directory import services as directory_services
from coproduce.people import services as people_services
from coproduce.timebank import ledger as timebank_ledger
from coproduce.timebank import services as timebank_services
from tests.conftest import World
from tests.directory.conftest import build_asset

# The fuzzer runs in the SQLite run (every operation, every time); the PostgreSQL run keeps
# each app's own API and view tests, which reach the same queries.
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.sqlite_run]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261201,
        "generation": {
            "max-examples": int(os.environ.get("COPRODUCE_FUZZ_EXAMPLES", "6")),
            "deterministic": True,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)


def _real_ids(world: World) -> dict[str, Any]:
    """One real record of every kind a path names, visible to the coordinator."""
    coordinator = world.viewer("coordinator")
    member = world.org.memberships.get(person=world.people["member"])
    staff = world.org.memberships.get(person=world.people["staff"])
    payer = timebank_ledger.member_account(staff)
    payee = timebank_ledger.member_account(member)
    transfer = timebank_services.transfer_record(
        viewer=coordinator,
        from_account_id=payer.pk,
        to_account_id=payee.pk,
        amount=30,
        reason="Set-up",
    )
    exchange = timebank_services.exchange_propose(
        viewer=world.viewer("member"),
        provider=staff,
        receiver=member,
        minutes=60,
        description="Help with the garden",
    )
    listing = timebank_services.listing_create(
        viewer=world.viewer("member"),
        organisation=world.org,
        kind="offer",
        title="Gardening",
        category="gardening",
    )
    asset = build_asset(world)
    resource = directory_services.resource_create(
        viewer=world.viewer("staff"),
        asset=asset,
        name="Main hall",
        kind="room",
        available_from=time(8, 0),
        available_until=time(20, 0),
    )
    starts = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0)
    booking = directory_services.booking_request(
        viewer=world.viewer("member"),
        resource=resource,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        purpose="Choir",
    )
    manager = world.viewer("manager")
    round_ = budgeting_services.round_create(
        viewer=manager, organisation_id=world.org.pk, title="Riverside ideas"
    )
    budget = budgeting_services.budget_add(
        viewer=manager, round_id=round_.pk, name="Riverside", amount_pence=100_000
    )
    proposal = budgeting_services.proposal_submit(
        viewer=world.viewer("member"),
        budget_id=budget.pk,
        title="Benches",
        description="Two benches by the river",
        cost_pence=40_000,
    )
    return {
        "organisation_id": world.org.pk,
        "membership_id": member.pk,
        "person_id": world.people["member"].pk,
        "account_id": payee.pk,
        "transfer_id": transfer.pk,
        "exchange_id": exchange.pk,
        "listing_id": listing.pk,
        "asset_id": str(asset.pk),
        "resource_id": resource.pk,
        "booking_id": booking.pk,
        "round_id": round_.pk,
        "budget_id": budget.pk,
        "proposal_id": proposal.pk,
    }


@pytest.fixture
def fuzzing(world: World) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    user = world.people["coordinator"].user
    assert user is not None
    _, secret = people_services.api_token_create(user=user, name="schemathesis")
    # The requests go through the real WSGI handler, whose request signals would close the
    # connection that holds the test's transaction (PostgreSQL); Django's test client
    # disconnects them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {secret}"}, _real_ids(world)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded once at collection from the running app, as a client would (no database involved).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)


@schema.parametrize()
@settings(
    deadline=None,
    # the token and records are made once per operation, and the cases only read or add rows
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_documented(
    case: Any, fuzzing: tuple[dict[str, str], dict[str, Any]]
) -> None:
    headers, real = fuzzing
    case.call_and_validate(headers=headers, checks=CHECKS)
    known = {name: real[name] for name in case.path_parameters or {} if name in real}
    if known:
        case.path_parameters = {**case.path_parameters, **known}
        case.call_and_validate(headers=headers, checks=CHECKS)
