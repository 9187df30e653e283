"""Read-only admin for operators: the ledger changes only through its services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coproduce.timebank.models import (
    Account,
    Agreement,
    Entry,
    Exchange,
    LimitChange,
    Listing,
    Redemption,
    Reward,
    Transfer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators look; every change goes through a service that checks and records it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "kind", "unit", "balance", "floor", "ceiling")
    list_filter = ("kind", "unit")
    search_fields = ("name",)
    list_select_related = ("organisation",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "occurred_at",
        "organisation",
        "kind",
        "unit",
        "amount",
        "operator",
        "reason",
    )
    list_filter = ("kind", "unit")
    list_select_related = ("organisation", "operator")
    inlines = (EntryInline,)


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_at", "status", "minutes", "description")
    list_filter = ("status",)


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "category", "status", "organisation")
    list_filter = ("kind", "status", "category")
    search_fields = ("title",)


admin.site.register(LimitChange, ReadOnlyAdmin)
admin.site.register(Reward, ReadOnlyAdmin)
admin.site.register(Redemption, ReadOnlyAdmin)
admin.site.register(Agreement, ReadOnlyAdmin)
