"""API test setup."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest 9.2 builds a Function's id from ``originalname`` and its callspec, and schemathesis
    # 4.x names each operation's test ``test[GET /path]`` without a callspec, so all fifty would
    # share one id (and xdist could not tell them apart). Give each the operation as its params.
    for item in items:
        if not isinstance(item, pytest.Function) or "[" not in item.name:
            continue
        params = item.name.partition("[")[2].removesuffix("]")
        if item._id.params is None:  # type: ignore[attr-defined]
            item._id = item.parent.id.child(item.originalname).with_params(params)  # type: ignore[attr-defined,union-attr]
