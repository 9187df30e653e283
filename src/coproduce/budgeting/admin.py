"""Read-only admin for operators: every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coproduce.budgeting.models import (
    Ballot,
    Budget,
    Dividend,
    DividendPolicy,
    Proposal,
    Result,
    Round,
    SavingsRecord,
    SavingsTransfer,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DividendPolicy)
class DividendPolicyAdmin(ReadOnlyAdmin):
    list_display = ("service", "budget_holder", "area", "share_percent", "period_start")


@admin.register(SavingsRecord)
class SavingsRecordAdmin(ReadOnlyAdmin):
    list_display = ("policy", "amount_pence", "period_start", "period_end", "verified_by")


@admin.register(Dividend)
class DividendAdmin(ReadOnlyAdmin):
    list_display = ("savings_record", "amount_pence", "status", "approved_at")


@admin.register(SavingsTransfer)
class SavingsTransferAdmin(ReadOnlyAdmin):
    # The money itself is in the time-bank ledger (Account, Transfer, Entry in its admin).
    list_display = ("transfer", "savings_record", "proposal")


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "phase", "created_at")


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ("name", "round", "amount_pence", "ballot_kind", "rule")


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "budget", "cost_pence", "status", "delivery_status")


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    # No voter column: who voted for what is not an operator's business.
    list_display = ("pk", "budget", "channel", "cast_at")


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("budget", "rule", "ballots_counted", "computed_at")
