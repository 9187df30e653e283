"""The membership door's contract with the apps above it (people.activation): whenever a
membership becomes active, in the same transaction, every registered hook runs. The time
bank's hook opens the membership's hours account, so an API client can pay a member the
moment they are approved."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client

from coproduce.errors import Conflict
from coproduce.people import activation
from coproduce.people import services as people_services
from coproduce.people.models import Membership, MembershipStatus, Organisation, OrganisationKind
from coproduce.people.permissions import viewer_for
from coproduce.people.seeding import seed_people
from coproduce.timebank import ledger as timebank_ledger
from coproduce.timebank.models import Account, AccountKind, Unit
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def _hours_account(membership: Membership) -> Account:
    return Account.objects.get(membership=membership, unit=Unit.MINUTES)


def _applicant(world: World, name: str = "Ann Applicant") -> Membership:
    person = people_services.person_register(
        full_name=name, email=f"{name.split()[0].lower()}@example.org", password=PASSWORD
    )
    return people_services.membership_apply(viewer=viewer_for(person.user), organisation=world.org)


def _api(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    call = client.post if method == "post" else client.get
    if method == "post":
        return call(url, data or {}, content_type="application/json", HTTP_X_CSRFTOKEN="x")
    return call(url, data or {})


def test_a_member_approved_through_the_api_can_be_paid_through_the_api(world: World) -> None:
    application = _applicant(world)
    assert not Account.objects.filter(membership=application).exists()
    coordinator = world.client("coordinator")
    approved = _api(
        coordinator, "post", f"/api/v1/memberships/{application.pk}/decision", {"approve": True}
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == MembershipStatus.ACTIVE
    listed = _api(
        coordinator, "get", "/api/v1/timebank/accounts", {"membership_id": application.pk}
    )
    assert listed.status_code == 200
    [account] = listed.json()["items"]
    assert (account["membership_id"], account["kind"], account["balance"]) == (
        application.pk,
        AccountKind.MEMBER,
        0,
    )
    assert account["floor"] == timebank_ledger.DEFAULT_MEMBER_FLOOR
    payer = world.client("member")
    [own] = _api(payer, "get", "/api/v1/timebank/accounts").json()["items"]
    paid = _api(
        payer,
        "post",
        "/api/v1/timebank/transfers",
        {"from_account": own["id"], "to_account": account["id"], "minutes": 90, "reason": "Lift"},
    )
    assert paid.status_code == 201, paid.json()
    assert _hours_account(application).balance == 90


def test_every_door_that_activates_a_membership_opens_its_hours_account(world: World) -> None:
    admin = world.viewer("admin")
    timebank_ledger.limits_set_for_organisation(
        viewer=admin, organisation=world.org, floor=-120, ceiling=3000, reason="Tighter"
    )
    founder = world.people["admin"]
    founded = people_services.organisation_create(
        name="Riverside Time Bank", kind=OrganisationKind.TIME_BANK, founder=founder
    )
    added = people_services.person_create_for(
        viewer=world.viewer("coordinator"), organisation=world.org, full_name="Abe Added"
    )
    # The admin, now also running Riverside, brings Abe into it.
    brought = people_services.membership_add(
        viewer=world.viewer("admin"), person=added, organisation=founded
    )
    _invitation, token = people_services.invitation_create(
        viewer=admin,
        organisation=world.org,
        email="ivy@example.org",
        role="member",
        accept_url="https://coproduce.test/invitations/{token}/",
    )
    invited = people_services.invitation_accept(
        token=token, full_name="Ivy Invited", password=PASSWORD
    )
    memberships = {
        "founder": Membership.objects.get(person=founder, organisation=founded),
        "added": Membership.objects.get(person=added, organisation=world.org),
        "brought": brought,
        "invited": Membership.objects.get(person=invited, organisation=world.org),
    }
    accounts = {door: _hours_account(m) for door, m in memberships.items()}
    assert {door: (a.organisation, a.floor, a.ceiling) for door, a in accounts.items()} == {
        "founder": (founded, timebank_ledger.DEFAULT_MEMBER_FLOOR, None),
        "added": (world.org, -120, 3000),
        "brought": (founded, timebank_ledger.DEFAULT_MEMBER_FLOOR, None),
        "invited": (world.org, -120, 3000),
    }
    assert accounts["added"].name == f"Abe Added ({memberships['added'].number})"


def test_resuming_a_membership_keeps_its_one_account(world: World) -> None:
    application = _applicant(world)
    admin = world.viewer("admin")
    people_services.membership_decide(viewer=admin, membership_id=application.pk, approve=True)
    opened = _hours_account(application)
    for status in ("paused", "active", "left", "active"):
        people_services.membership_status_set(
            viewer=admin, membership_id=application.pk, status=status
        )
    assert list(Account.objects.filter(membership=application)) == [opened]


def test_a_declined_application_opens_no_account(world: World) -> None:
    application = _applicant(world)
    people_services.membership_decide(
        viewer=world.viewer("admin"), membership_id=application.pk, approve=False, reason="Full"
    )
    assert not Account.objects.filter(membership=application).exists()


def test_a_failing_hook_leaves_the_membership_unactivated(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(memberships: Sequence[Membership]) -> None:
        raise Conflict("The other app cannot open its records.")

    application = _applicant(world)
    monkeypatch.setattr(activation, "_hooks", [*activation._hooks, refuse])
    with pytest.raises(Conflict, match="cannot open its records"):
        people_services.membership_decide(
            viewer=world.viewer("admin"), membership_id=application.pk, approve=True
        )
    application.refresh_from_db()
    assert application.status == MembershipStatus.APPLIED
    assert not Account.objects.filter(membership=application).exists()


def test_registering_a_hook_twice_runs_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def count(memberships: Sequence[Membership]) -> None:
        seen.append(len(memberships))

    monkeypatch.setattr(activation, "_hooks", [])
    activation.on_membership_activated(count)
    activation.on_membership_activated(count)
    activation.memberships_activated([Membership()])
    activation.memberships_activated([])
    assert seen == [1]


def test_seeding_opens_an_account_for_every_seeded_membership() -> None:
    banks = seed_people(people=7, organisations=2, stderr=io.StringIO())
    seeded = Membership.objects.filter(organisation__in=banks)
    assert seeded.count() == 7
    accounts = Account.objects.filter(membership__in=seeded, unit=Unit.MINUTES)
    assert accounts.count() == 7
    assert set(accounts.values_list("floor", flat=True)) == {timebank_ledger.DEFAULT_MEMBER_FLOOR}
    assert set(accounts.values_list("organisation_id", flat=True)) == {bank.pk for bank in banks}
    assert isinstance(banks[0], Organisation)
