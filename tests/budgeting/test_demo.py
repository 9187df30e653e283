from __future__ import annotations

import io
from typing import Any

from coproduce.budgeting import demo, selectors
from coproduce.budgeting.models import Ballot, MoneyTransfer, Phase, Result, Round
from coproduce.people import demo as people_demo


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
    spend = MoneyTransfer.objects.filter(kind="spend")
    assert spend.exists()
    assert all(t.savings_record.policy.service == "Holy Cross Centre day service" for t in spend)
    assert selectors.ledger_problems() == []
    counts = (Round.objects.count(), Ballot.objects.count(), MoneyTransfer.objects.count())
    again = io.StringIO()
    demo.load(stdout=again)
    assert again.getvalue() == "Budgeting: already loaded.\n"
    assert (Round.objects.count(), Ballot.objects.count(), MoneyTransfer.objects.count()) == counts
