"""The time bank's entries in the main navigation, its dashboard panel and its figures on
the people pages."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from coproduce.framework.amounts import amount_format
from coproduce.framework.navigation import NavItem, Panel
from coproduce.people.figures import MemberFigures
from coproduce.people.models import Membership, Organisation, OrganisationKind
from coproduce.people.permissions import Viewer, may
from coproduce.timebank import selectors


def nav_items(viewer: Viewer) -> list[NavItem]:
    """One query: the kinds of the organisations the viewer belongs to."""
    kinds = dict(
        Organisation.objects.filter(pk__in=viewer.organisation_ids()).values_list("pk", "kind")
    )
    items: list[NavItem] = []
    banks = [
        pk
        for pk in viewer.organisation_ids("timebank.take_part")
        if kinds.get(pk) == OrganisationKind.TIME_BANK
    ]
    if banks:
        bank = banks[0]
        items.append(NavItem("Time bank", reverse("timebank:dashboard", args=[bank]), 20))
        items.append(
            NavItem("Offers and requests", reverse("timebank:listing_browse", args=[bank]), 21)
        )
        if may(viewer, "timebank.coordinate", bank):
            items.append(NavItem("Time bank queue", reverse("timebank:queue", args=[bank]), 22))
    partners = [
        pk
        for pk in viewer.organisation_ids("timebank.redeem")
        if kinds.get(pk) == OrganisationKind.PARTNER
    ]
    if partners:
        items.append(
            NavItem("Rewards desk", reverse("timebank:partner_desk", args=[partners[0]]), 25)
        )
    return items


def dashboard_panels(viewer: Viewer) -> list[Panel]:
    """Your balance in each time bank, on the main dashboard."""
    accounts = selectors.own_balances(viewer=viewer)
    if not accounts:
        return []
    rows = [
        {
            "bank": account.organisation,
            "balance": amount_format(account.balance),
            "url": reverse("timebank:dashboard", args=[account.organisation_id]),
            "rewards_url": reverse("timebank:rewards", args=[account.organisation_id]),
        }
        for account in accounts
    ]
    return [Panel("Your time bank", "timebank/_dashboard_panel.html", {"rows": rows}, order=10)]


def member_figures(viewer: Viewer, memberships: Sequence[Membership]) -> MemberFigures | None:
    """Each member's hours balance, for coordinators of their bank, beside them on the
    people pages (registered in ``TimebankConfig.ready``)."""
    balances = selectors.member_balances(
        viewer=viewer, membership_ids=[membership.pk for membership in memberships]
    )
    if not balances:
        return None
    return MemberFigures(
        "Balance", {pk: amount_format(balance) for pk, balance in balances.items()}
    )
