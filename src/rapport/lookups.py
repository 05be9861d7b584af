"""Lookup indexes: what makes one customer's page fast on a big store.

A profile reads a few rows from a dozen tables by customer id. Without an index DuckDB scans
each table (tens of milliseconds apiece at a million customers); with an ART index on the
column it reads the few rows directly. `analyze` builds the indexes after it rewrites the
derived tables (which drops theirs); `ingest` drops those on the raw tables before it writes,
so loads do not pay for index upkeep and identity merges may rewrite customer ids freely.
Until the next analysis, lookups fall back to scans: slower, never wrong.

`analyze` also stores a copy of each customer's raw rows in `profile_parts` (see
`rapport.understand.profile_parts`) and stamps it in `rapport_meta`; a load deletes the stamp
(`forget_raw_parts`) in its own transaction, so profiles read the raw tables again until the
next analysis.
"""

from __future__ import annotations

__all__ = ["LOOKUPS", "RAW_PARTS_STAMP", "build_lookups", "drop_lookups", "forget_raw_parts",
           "lookup_indexes"]

import duckdb

from rapport.schema import RAW_TABLES, table_exists

# (table, column): every column a page looks rows up by.
LOOKUPS: tuple[tuple[str, str], ...] = (
    ("customers", "customer_id"),
    ("identities", "customer_id"),
    ("identities", "value"),
    ("contacts", "customer_id"),
    ("accounts", "account_id"),
    ("transactions", "customer_id"),
    ("feedback", "customer_id"),
    ("customer_behavior", "customer_id"),
    ("customer_personas", "customer_id"),
    ("say_do", "customer_id"),
    ("coverage", "entity_id"),
    ("statements", "customer_id"),
    ("statement_facets", "statement_id"),
    ("statement_themes", "statement_id"),
    ("feedback_voice", "customer_id"),
    ("profile_parts", "customer_id"),
)


RAW_PARTS_STAMP = "profile_parts_raw"
"""The `rapport_meta` key that says the raw rows stored in `profile_parts` are current."""


def forget_raw_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the raw rows stored in `profile_parts` stale (every load does, before it writes)."""
    if table_exists(con, "rapport_meta"):
        con.execute("DELETE FROM rapport_meta WHERE key = ?", [RAW_PARTS_STAMP])


def _name(table: str, column: str) -> str:
    return f"lookup_{table}_{column}"


def lookup_indexes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The lookup indexes the store has now."""
    rows = con.execute("SELECT index_name FROM duckdb_indexes() WHERE index_name LIKE "
                       "'lookup\\_%' ESCAPE '\\' ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows]


def build_lookups(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the lookup indexes missing on the tables that exist; returns those created."""
    have = set(lookup_indexes(con))
    made = []
    for table, column in LOOKUPS:
        name = _name(table, column)
        if name not in have and table_exists(con, table):
            con.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
            made.append(name)
    return made


def drop_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the lookup indexes on the raw tables (derived tables lose theirs when rebuilt)."""
    have = set(lookup_indexes(con))
    for table, column in LOOKUPS:
        name = _name(table, column)
        if name in have and table in RAW_TABLES:
            con.execute(f'DROP INDEX "{name}"')
