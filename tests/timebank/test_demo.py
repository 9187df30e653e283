"""The demo loads through the services, balances, and loading twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from coproduce.people import demo as people_demo
from coproduce.timebank import demo
from coproduce.timebank.models import Exchange, Redemption, Transfer, TransferKind


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_loads_once_and_its_ledger_balances() -> None:
    people_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    counts = (Transfer.objects.count(), Exchange.objects.count(), Redemption.objects.count())
    assert Transfer.objects.filter(kind=TransferKind.EXCHANGE).count() > 300
    assert Transfer.objects.filter(kind=TransferKind.CROSS_BANK).exists()
    assert Transfer.objects.filter(kind=TransferKind.AGENCY).exists()
    assert Redemption.objects.filter(reward__partner__slug="palace-cinema").exists()
    out = io.StringIO()
    demo.load(stdout=out)
    assert out.getvalue() == "Time bank: already loaded.\n"
    assert (
        Transfer.objects.count(),
        Exchange.objects.count(),
        Redemption.objects.count(),
    ) == counts
    verify = io.StringIO()
    call_command("ledger", "verify", stdout=verify)
    assert "The ledger balances" in verify.getvalue()
