"""Django's SQLite backend, with flushing that empties append-only tables as PostgreSQL's
TRUNCATE does."""
