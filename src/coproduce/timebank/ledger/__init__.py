"""The time bank's ledger, in hours and in pence: its accounts, the one posting door, the
banks' limits, reversals, and the check of the ledger against itself.

``posting.transfer_post`` is the only code that writes entries or transfers or changes a
balance; everything else here opens accounts, sets limits or reads."""

from coproduce.timebank.ledger.accounts import (
    DEFAULT_MEMBER_CEILING,
    DEFAULT_MEMBER_FLOOR,
    account_label,
    area_pot_account,
    bank_member_limits,
    counterparty_account,
    delivery_account_open,
    member_account,
    member_accounts_open,
    organisation_account,
)
from coproduce.timebank.ledger.limits import (
    limits_set_for_account,
    limits_set_for_organisation,
    max_transfer,
    max_transfer_set,
)
from coproduce.timebank.ledger.posting import BALANCE_MAX, BALANCE_MIN, Leg, transfer_post
from coproduce.timebank.ledger.reversal import transfer_reversal_post
from coproduce.timebank.ledger.verification import Difference, ledger_differences

__all__ = [
    "BALANCE_MAX",
    "BALANCE_MIN",
    "DEFAULT_MEMBER_CEILING",
    "DEFAULT_MEMBER_FLOOR",
    "Difference",
    "Leg",
    "account_label",
    "area_pot_account",
    "bank_member_limits",
    "counterparty_account",
    "delivery_account_open",
    "ledger_differences",
    "limits_set_for_account",
    "limits_set_for_organisation",
    "max_transfer",
    "max_transfer_set",
    "member_account",
    "member_accounts_open",
    "organisation_account",
    "transfer_post",
    "transfer_reversal_post",
]
