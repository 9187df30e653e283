"""The full-text search index of assets: SQLite keeps an FTS5 table in step with the
assets; PostgreSQL indexes an expression, so there is nothing to keep."""

from __future__ import annotations

import uuid

from django.db import connection, transaction

from ..models import Asset


def search_index_sync(assets: list[Asset]) -> None:
    """Keep SQLite's FTS5 table in step with the assets (PostgreSQL indexes an expression)."""
    if connection.vendor != "sqlite" or not assets:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(assets), 500):
            chunk = assets[start : start + 500]
            marks = ",".join("%s" for _ in chunk)
            cursor.execute(
                f"DELETE FROM directory_asset_fts WHERE asset_id IN ({marks})",  # noqa: S608
                [asset.pk.hex for asset in chunk],
            )
            cursor.executemany(
                "INSERT INTO directory_asset_fts (asset_id, name, body) VALUES (%s, %s, %s)",
                [(asset.pk.hex, asset.name, asset.description) for asset in chunk],
            )


def search_index_remove(asset_id: uuid.UUID) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM directory_asset_fts WHERE asset_id = %s", [asset_id.hex])


def search_index_rebuild() -> int:
    """Rebuild the whole SQLite index (after bulk loads); returns the number of assets."""
    if connection.vendor != "sqlite":
        return Asset.objects.count()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM directory_asset_fts")
        count = 0
        batch: list[Asset] = []
        for asset in Asset.objects.only("id", "name", "description").iterator(chunk_size=2000):
            batch.append(asset)
            if len(batch) == 2000:
                search_index_sync(batch)
                count += len(batch)
                batch = []
        search_index_sync(batch)
        return count + len(batch)
