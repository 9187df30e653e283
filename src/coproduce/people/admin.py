from django.contrib import admin

from coproduce.people.models import (
    Area,
    HistoryEntry,
    Membership,
    Organisation,
    Person,
    SensitiveAccess,
    User,
)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("email", "is_active", "is_superuser", "last_login")
    search_fields = ("email",)
    exclude = ("password",)
    readonly_fields = ("last_login", "date_joined")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind", "sector", "is_public")
    list_filter = ("kind", "sector")
    search_fields = ("name",)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ("name", "latitude", "longitude", "radius_km")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ("full_name", "area", "created_at", "erased_at")
    search_fields = ("full_name",)
    readonly_fields = ("user", "created_at", "erased_at")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    """Read-only: roles and statuses change only through the services."""

    list_display = ("person", "organisation", "role", "status", "number")
    list_filter = ("role", "status", "organisation")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin[HistoryEntry]):
    list_display = ("at", "action", "subject_type", "subject_id", "actor")
    list_filter = ("action",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(admin.ModelAdmin[SensitiveAccess]):
    list_display = ("at", "viewer", "subject", "what")
