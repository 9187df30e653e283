"""Every write to the directory, one module per concept; this index names them all, so
``from coproduce.directory import services`` reaches any of them. Each public service is one
transaction that checks permission, validates, writes and records what happened."""

from __future__ import annotations

from .assets import (
    AssetData,
    asset_check,
    asset_create,
    asset_data_from,
    asset_update,
    taxonomy_term_create,
)
from .bookings import (
    booking_cancel,
    booking_decide,
    booking_latest_date,
    booking_request,
    booking_too_far_message,
    resource_create,
)
from .imports import (
    ImportResult,
    RowCheck,
    openreferral_import,
    openreferral_preview,
)
from .mapping import (
    asset_merge,
    mapping_assets_add,
    mapping_import_confirm,
    mapping_import_stage,
    mapping_session_create,
    pending_import_check,
)
from .opening_times import (
    schedule_add,
    schedule_remove,
)
from .search_index import (
    search_index_rebuild,
)

__all__ = [
    "AssetData",
    "ImportResult",
    "RowCheck",
    "asset_check",
    "asset_create",
    "asset_data_from",
    "asset_merge",
    "asset_update",
    "booking_cancel",
    "booking_decide",
    "booking_latest_date",
    "booking_request",
    "booking_too_far_message",
    "mapping_assets_add",
    "mapping_import_confirm",
    "mapping_import_stage",
    "mapping_session_create",
    "openreferral_import",
    "openreferral_preview",
    "pending_import_check",
    "resource_create",
    "schedule_add",
    "schedule_remove",
    "search_index_rebuild",
    "taxonomy_term_create",
]
