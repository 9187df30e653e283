"""The SQLite backend the settings select: Django's own, but a flush (what ``flush`` and
each transactional test's teardown run) steps around the triggers that keep the ledger
append-only. On PostgreSQL a flush is a TRUNCATE, which row triggers never see; SQLite
empties a table with ``DELETE FROM``, which they refuse. Only a flush does this: any other
UPDATE or DELETE of an entry or a transfer is still refused."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

# A trigger named like this refuses every row: a flush drops it, empties the table and
# creates it again, in the flush's own transaction.
GUARD_SUFFIXES = ("_no_update", "_no_delete")


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            guards = [
                (name, sql)
                for name, table, sql in cursor.fetchall()
                if name.endswith(GUARD_SUFFIXES)
            ]
        drops = [f"DROP TRIGGER {self.quote_name(name)};" for name, _ in guards]
        creates = [f"{sql};" for _, sql in guards]
        return [*drops, *statements, *creates]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
