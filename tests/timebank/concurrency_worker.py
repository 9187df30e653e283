"""Child processes of the concurrency test. Nothing here imports Django at module level:
each child sets DATABASE_URL and calls ``django.setup()`` itself."""

from __future__ import annotations

import os
import random
from typing import Any

ACCOUNTS = 10
START_BALANCE = 6000


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "coproduce.settings"
    import django

    django.setup()


def prepare(url: str) -> dict[str, Any]:
    """Migrate the new database and open ten funded accounts without limits."""
    _setup(url)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from coproduce.people import services as people
    from coproduce.people.permissions import viewer_for
    from coproduce.timebank import ledger
    from coproduce.timebank.models import AccountKind, TransferKind

    founder = people.person_register(
        full_name="Cora Ordinator", email="cora@example.org", password="a-long-test-password-42"
    )
    bank = people.organisation_create(name="Race Bank", kind="time_bank", founder=founder)
    viewer = viewer_for(founder.user)
    ledger.limits_set_for_organisation(
        viewer=viewer, organisation=bank, floor=None, ceiling=None, reason="No limits"
    )
    ids = []
    for n in range(ACCOUNTS):
        person = people.person_create_for(viewer=viewer, organisation=bank, full_name=f"P{n}")
        membership = person.memberships.get()
        with transaction.atomic():
            account = ledger.member_account(membership)
            pot = ledger.organisation_account(bank, AccountKind.POT)
            ledger.transfer_post(
                legs=[ledger.Leg(pot, -START_BALANCE), ledger.Leg(account, START_BALANCE)],
                kind=TransferKind.ADJUSTMENT,
                reason="Opening balance",
                operator=founder,
                books={bank.pk},
            )
        ids.append(account.pk)
    return {"accounts": ids, "user_id": founder.user_id}


def post_many(url: str, seed: int, accounts: list[int], user_id: int, count: int) -> list[Any]:
    """Post ``count`` random transfers; return (transfer id, from, to, amount) for each."""
    _setup(url)
    from coproduce.people.models import User
    from coproduce.people.permissions import viewer_for
    from coproduce.timebank import services

    viewer = viewer_for(User.objects.get(pk=user_id))
    rng = random.Random(seed)
    done = []
    for _ in range(count):
        source, target = rng.sample(accounts, 2)
        amount = rng.randint(1, 30)
        transfer = services.transfer_record(
            viewer=viewer,
            from_account_id=source,
            to_account_id=target,
            amount=amount,
            reason="Race",
        )
        done.append((transfer.pk, source, target, amount))
    return done


def totals(url: str) -> dict[str, Any]:
    _setup(url)
    from coproduce.timebank.ledger import ledger_differences
    from coproduce.timebank.models import Account, Transfer

    return {
        "balances": dict(Account.objects.values_list("pk", "balance")),
        "transfers": sorted(Transfer.objects.values_list("pk", flat=True)),
        "differences": [str(d) for d in ledger_differences()],
    }
