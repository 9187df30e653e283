"""Build time-bank data through the services, as a user would."""

from __future__ import annotations

from coproduce.people import services as people_services
from coproduce.people.models import Membership, Organisation, Person
from coproduce.people.permissions import Viewer, viewer_for
from coproduce.timebank import ledger, services
from coproduce.timebank.models import Account, Exchange
from tests.conftest import PASSWORD, World


def join(
    organisation: Organisation, full_name: str, email: str, admin: Person, preferred: str = ""
) -> Membership:
    """A new person who applied to ``organisation`` and was approved by ``admin``."""
    person = people_services.person_register(
        full_name=full_name, email=email, password=PASSWORD, preferred_name=preferred
    )
    membership = people_services.membership_apply(
        viewer=viewer_for(person.user), organisation=organisation
    )
    return people_services.membership_decide(
        viewer=viewer_for(admin.user), membership_id=membership.pk, approve=True
    )


def viewer(membership: Membership) -> Viewer:
    return viewer_for(membership.person.user)


def member(world: World, name: str) -> Membership:
    """A member of world.org whose preferred name is ``name`` (``Ana`` → Ana Silva)."""
    return join(
        world.org, f"{name} Silva", f"{name.lower()}@tb.example.org", world.people["admin"], name
    )


def membership_of(world: World, role: str) -> Membership:
    return Membership.objects.select_related("person", "organisation").get(
        organisation=world.org, person=world.people[role]
    )


def account(membership: Membership) -> Account:
    return ledger.member_account(membership)


def give(world: World, payer: Membership, payee: Membership, minutes: int) -> None:
    """A coordinator records ``minutes`` from ``payer`` to ``payee``."""
    services.transfer_record(
        viewer=world.viewer("coordinator"),
        from_account_id=account(payer).pk,
        to_account_id=account(payee).pk,
        amount=minutes,
        reason="Set-up",
    )


def claimed_exchange(provider: Membership, receiver: Membership, minutes: int = 60) -> Exchange:
    """An exchange proposed by the receiver, accepted and claimed by the provider."""
    exchange = services.exchange_propose(
        viewer=viewer(receiver),
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        description="Help with the garden",
    )
    services.exchange_accept(viewer=viewer(provider), exchange_id=exchange.pk)
    return services.exchange_claim(
        viewer=viewer(provider), exchange_id=exchange.pk, minutes=minutes
    )
