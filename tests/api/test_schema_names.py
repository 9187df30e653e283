"""Every schema in the API document has its own name. django-ninja names a component after
its class, so two apps' ``MembershipOut`` classes silently became one in the document and
the fuzzer found responses that broke it (a group membership's schema over a membership's)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import coproduce.api.urls  # noqa: F401  - imports every app's API, so every schema exists


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_no_two_schema_classes_share_a_name() -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for cls in _all_subclasses(Schema):
        if cls.__module__.startswith("coproduce."):
            names[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(mods) for name, mods in names.items() if len(mods) > 1}
    assert clashes == {}, f"schema names used by more than one module: {clashes}"
