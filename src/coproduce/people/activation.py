"""What other apps do the moment a membership becomes active.

People is a lower layer than the apps that keep records for a member (the time bank's hours
account, for one), so it cannot call them. Instead each such app registers a hook in its
``AppConfig.ready()``; the membership door in ``people.services.memberships`` calls every
hook inside its own transaction, each time a membership becomes active (added, approved,
invited, resumed). A hook that fails rolls the activation back with it, so a member is never
active without the records the other apps promise.

A hook must be idempotent: a membership that was paused or left and becomes active again is
activated again. Bulk seeding, which bypasses the services, calls ``memberships_activated``
with its whole batch so hooks may work in bulk too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from coproduce.people.models import Membership

MembershipHook = Callable[[Sequence[Membership]], None]

_hooks: list[MembershipHook] = []


def on_membership_activated(hook: MembershipHook) -> None:
    """Register ``hook(memberships)``; registering the same hook twice keeps one."""
    if hook not in _hooks:
        _hooks.append(hook)


def memberships_activated(memberships: Sequence[Membership]) -> None:
    """Run every registered hook for memberships that have just become active. Call it inside
    the transaction that activated them."""
    if not memberships:
        return
    for hook in _hooks:
        hook(memberships)
