"""Figures other apps show beside a member on the people pages (the time bank's balance,
for one).

People is a lower layer than the apps that keep those figures, so it cannot ask them (as with
``people.activation``). Instead each such app registers a provider in its
``AppConfig.ready()``. The member list and the person page call every provider once with all
the memberships they show, so a provider answers a whole page in one query; it returns only
the figures the viewer may see, or None when there are none (no empty column is shown).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coproduce.people.models import Membership
from coproduce.people.permissions import Viewer


@dataclass(frozen=True)
class MemberFigures:
    """One column: ``label`` heads it, ``values`` are as shown, by membership id."""

    label: str
    values: dict[int, str]


FigureProvider = Callable[[Viewer, Sequence[Membership]], MemberFigures | None]

_providers: list[FigureProvider] = []


def on_member_figures(provider: FigureProvider) -> None:
    """Register ``provider(viewer, memberships)``; registering it twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)


def member_figures(*, viewer: Viewer, memberships: Sequence[Membership]) -> list[MemberFigures]:
    """Every provider's column for these memberships, leaving out the empty ones."""
    if not memberships:
        return []
    columns = (provider(viewer, memberships) for provider in _providers)
    return [column for column in columns if column is not None and column.values]


def figure_rows(
    *, viewer: Viewer, memberships: Sequence[Membership]
) -> tuple[list[str], list[tuple[Membership, list[tuple[str, str]]]]]:
    """The column labels and, for each membership, its ``(label, figure)`` pairs in the same
    order (the figure blank where a column has none for it): what a table of members or a
    list of one person's memberships shows."""
    columns = member_figures(viewer=viewer, memberships=memberships)
    rows = [
        (membership, [(column.label, column.values.get(membership.pk, "")) for column in columns])
        for membership in memberships
    ]
    return [column.label for column in columns], rows
