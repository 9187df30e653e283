"""Read-mostly admin for operators; changes go through the services and pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Asset, Booking, MappingSession, Resource, Schedule, Taxonomy, TaxonomyTerm


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("name", "category", "organisation", "postcode", "status", "last_checked_at")
    list_filter = ("category", "status")
    search_fields = ("name", "postcode")
    list_select_related = ("organisation",)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ("resource", "starts_at", "ends_at", "status")
    list_filter = ("status",)
    list_select_related = ("resource",)


admin.site.register(Resource, ReadOnlyAdmin)
admin.site.register(Schedule, ReadOnlyAdmin)
admin.site.register(MappingSession, ReadOnlyAdmin)
admin.site.register(Taxonomy, ReadOnlyAdmin)
admin.site.register(TaxonomyTerm, ReadOnlyAdmin)
