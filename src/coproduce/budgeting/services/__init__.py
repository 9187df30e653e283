"""Every write to dividends, community pots and participatory-budgeting rounds, one module
per concept; this index names them all, so ``from coproduce.budgeting import services`` reaches
any of them. Each public service is one transaction that checks permission, validates, writes
and records what happened."""

from __future__ import annotations

from .ballots import (
    ballot_cast,
    ballot_change,
    ballot_save,
    code_ballot_cast,
    eligibility_problem,
    paper_ballot_enter,
    voting_codes_create,
)
from .delivery import (
    delivery_record,
    delivery_spend,
    delivery_update,
)
from .dividends import (
    dividend_approve,
    dividend_policy_create,
    savings_record_enter,
)
from .elections import (
    election_import,
)
from .pots import (
    pot_account,
)
from .proposals import (
    proposal_review,
    proposal_submit,
)
from .rounds import (
    budget_add,
    round_advance,
    round_create,
)

__all__ = [
    "ballot_cast",
    "ballot_change",
    "ballot_save",
    "budget_add",
    "code_ballot_cast",
    "delivery_record",
    "delivery_spend",
    "delivery_update",
    "dividend_approve",
    "dividend_policy_create",
    "election_import",
    "eligibility_problem",
    "paper_ballot_enter",
    "pot_account",
    "proposal_review",
    "proposal_submit",
    "round_advance",
    "round_create",
    "savings_record_enter",
    "voting_codes_create",
]
