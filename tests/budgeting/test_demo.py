from __future__ import annotations

import io
from typing import Any

from coproduce.budgeting import demo
from coproduce.budgeting.models import Ballot, Phase, Result, Round
from coproduce.people import demo as people_demo
from coproduce.timebank.ledger import ledger_differences
from coproduce.timebank.models import Transfer, TransferKind, Unit


def test_demo_loads_a_finished_round_and_an_open_one_and_is_idempotent(db: Any) -> None:
    people_demo.load(stdout=io.StringIO(), people=120)
    out = io.StringIO()
    demo.load(stdout=out)
    assert "£12,000 dividend" in out.getvalue()
    finished = Round.objects.get(title=demo.FINISHED)
    current = Round.objects.get(title=demo.OPEN)
    assert (finished.phase, current.phase) == (Phase.DELIVERY, Phase.VOTING)
    result = Result.objects.get(budget__round=finished)
    assert result.ballots_counted > 10
    assert result.lines.filter(selected=True).exists()
    spend = Transfer.objects.filter(kind=TransferKind.SPEND).select_related(
        "savings_transfer__savings_record__policy"
    )
    assert spend.exists()
    assert all(t.unit == Unit.PENCE for t in spend)
    assert all(
        t.savings_transfer.savings_record.policy.service == "Holy Cross Centre day service"
        for t in spend
    )
    assert ledger_differences() == []
    counts = (Round.objects.count(), Ballot.objects.count(), Transfer.objects.count())
    again = io.StringIO()
    demo.load(stdout=again)
    assert again.getvalue() == "Budgeting: already loaded.\n"
    assert (Round.objects.count(), Ballot.objects.count(), Transfer.objects.count()) == counts
