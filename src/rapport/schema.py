"""The canonical tables, defined once: names, columns, types and what each column means.

Raw tables are written only by ingest. The schema carries a version number, stored in the
`rapport_meta` table; `migrate()` brings an older store up to date one step at a time and
refuses a store written by a newer Rapport.
"""

from __future__ import annotations

__all__ = [
    "RAW_TABLES",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "Table",
    "create_sql",
    "markdown",
    "migrate",
    "table_exists",
]

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from rapport.errors import SchemaError


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def stored_columns(self) -> list[str]:
        """The columns a writer fills (generated columns are computed by the store)."""
        return [c.name for c in self.columns if "GENERATED" not in c.type]


def _t(name: str, doc: str, *cols: tuple[str, str, str]) -> Table:
    return Table(name, doc, tuple(Column(*c) for c in cols))


# derived from the load and the row, so it costs nothing to store and never goes stale
_ROW_ID = (
    "VARCHAR GENERATED ALWAYS AS "
    "(CAST(ingest_id AS VARCHAR) || '-' || CAST(source_row AS VARCHAR)) VIRTUAL"
)

_TRACE = (
    ("source", "VARCHAR", "the data source the row came from (--source)"),
    ("ingest_id", "BIGINT", "the load that wrote the row (ingests.ingest_id)"),
    ("source_row", "BIGINT", "the row's number in its source file, counting data rows from 1"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "rapport_meta",
            "Facts about the store itself, such as its schema version.",
            ("key", "VARCHAR PRIMARY KEY", "name of the fact"),
            ("value", "VARCHAR", "its value"),
        ),
        _t(
            "customers",
            "One row per resolved customer (a person or buyer); sources add keys and fields.",
            ("customer_id", "VARCHAR", "Rapport's id for the customer (c0000001 …)"),
            ("name", "VARCHAR", "full name, as last given by any source"),
            ("email", "VARCHAR", "normalised email (lower case)"),
            ("phone", "VARCHAR", "normalised phone (digits, with + and country code if given)"),
            ("account_id", "VARCHAR", "the B2B account the customer belongs to, if any"),
            ("created_at", "TIMESTAMP", "when the customer was first known to the source"),
            ("attributes", "JSON", "every other column of the sources (age, region, …)"),
            *_TRACE,
        ),
        _t(
            "identities",
            "Every key a customer is known by; customers sharing a normalised key are one.",
            ("customer_id", "VARCHAR", "the customer"),
            ("kind", "VARCHAR", "email, phone or external_id"),
            ("scope", "VARCHAR", "for external ids, the id space they belong to; '' otherwise"),
            ("value", "VARCHAR", "the normalised key"),
            ("source", "VARCHAR", "the source that first gave the key"),
            ("ingest_id", "BIGINT", "the load that first gave the key"),
        ),
        _t(
            "customer_merges",
            "Customers found to be one person after a later load shared a key between them.",
            ("merged_id", "VARCHAR", "the customer id that no longer exists"),
            ("into_id", "VARCHAR", "the customer id it was merged into"),
            ("ingest_id", "BIGINT", "the load that revealed the shared key"),
        ),
        _t(
            "transactions",
            "Purchases, one row per order line or order; returns are negative amounts.",
            ("transaction_id", _ROW_ID, "Rapport's id for the row: ingest_id-source_row"),
            ("customer_id", "VARCHAR", "the buyer"),
            ("ts", "TIMESTAMP", "when it happened"),
            ("amount", "DOUBLE", "money value of the row (negative for returns)"),
            ("quantity", "DOUBLE", "number of items"),
            ("product", "VARCHAR", "product name or code"),
            ("category", "VARCHAR", "product category"),
            ("channel", "VARCHAR", "where it was bought (web, store, app, …)"),
            ("order_id", "VARCHAR", "the source's order or invoice id; lines of a basket share it"),
            ("attributes", "JSON", "every other column of the source row"),
            *_TRACE,
        ),
        _t(
            "feedback",
            "What customers say: survey answers, reviews, tickets, notes, posts.",
            ("feedback_id", _ROW_ID, "Rapport's id for the row: ingest_id-source_row"),
            ("customer_id", "VARCHAR", "the customer who said it, if known"),
            ("account_id", "VARCHAR", "the B2B account it concerns, if any"),
            ("ts", "TIMESTAMP", "when it was said"),
            ("kind", "VARCHAR", "survey, review, ticket, interview, call, social, note or other"),
            ("channel", "VARCHAR", "where it was said"),
            ("question", "VARCHAR", "the question answered, for surveys and interviews"),
            ("text", "VARCHAR", "the customer's words"),
            ("rating", "DOUBLE", "the score given, if any"),
            ("rating_scale", "VARCHAR", "nps (0-10), csat (1-5), stars5, stars10, binary or none"),
            ("author", "VARCHAR", "who wrote it, as the source names them"),
            ("external_id", "VARCHAR", "the source's id for the row"),
            ("attributes", "JSON", "every other column of the source row"),
            *_TRACE,
        ),
        _t(
            "accounts",
            "B2B accounts: the businesses that are our customers.",
            ("account_id", "VARCHAR", "the account's id as the source gives it"),
            ("name", "VARCHAR", "company name"),
            ("industry", "VARCHAR", "industry"),
            ("size", "VARCHAR", "size band or head count"),
            ("attributes", "JSON", "every other column of the source row"),
            *_TRACE,
        ),
        _t(
            "contacts",
            "People at B2B accounts, linked to a customer when a key matches.",
            ("contact_id", "VARCHAR", "the contact's id (given, or ingest_id-row)"),
            ("account_id", "VARCHAR", "their account"),
            ("customer_id", "VARCHAR", "the customer they are, when email, phone or id match"),
            ("name", "VARCHAR", "full name"),
            ("title", "VARCHAR", "job title"),
            ("role", "VARCHAR", "role in buying: decision maker, champion, user, …"),
            ("attributes", "JSON", "every other column of the source row"),
            *_TRACE,
        ),
        _t(
            "ingests",
            "Every load: what was read, loaded and rejected, so nothing is loaded twice.",
            ("ingest_id", "BIGINT PRIMARY KEY", "sequence number of the load"),
            ("source", "VARCHAR", "the data source name"),
            ("path", "VARCHAR", "the file loaded, or '<table>' for an in-memory table"),
            ("sha256", "VARCHAR", "content hash of the file or table"),
            ("kind", "VARCHAR", "customers, transactions, feedback, accounts or contacts"),
            ("mode", "VARCHAR", "replace or append"),
            ("mapping", "JSON", "field → column or expression used"),
            ("rows_read", "BIGINT", "data rows read"),
            ("rows_loaded", "BIGINT", "rows written"),
            ("rows_rejected", "BIGINT", "rows rejected (only with --on-error skip)"),
            ("rows_replaced", "BIGINT", "earlier rows of the same source and kind removed"),
            ("customers_created", "BIGINT", "new customers"),
            ("customers_merged", "BIGINT", "customers merged into others"),
            ("rejects_path", "VARCHAR", "where rejected rows were written"),
            ("started_at", "TIMESTAMP", "when the load started (UTC)"),
            ("finished_at", "TIMESTAMP", "when it finished (UTC)"),
            ("seconds", "DOUBLE", "how long it took"),
            ("status", "VARCHAR", "loaded"),
        ),
        _t(
            "users",
            "People who may open the web app, with a role; passwords are kept only as scrypt "
            "hashes.",
            ("username", "VARCHAR PRIMARY KEY", "the login name"),
            ("role", "VARCHAR", "viewer (sees redacted personal data), analyst or admin"),
            ("password_hash", "VARCHAR", "scrypt$n$r$p$salt$hash"),
            ("created_at", "TIMESTAMP", "when the user was added (UTC)"),
            ("disabled", "BOOLEAN", "true when the user may no longer log in"),
        ),
        _t(
            "api_tokens",
            "Tokens that let scripts call the API as a user; only a hash of each is kept.",
            ("token_id", "VARCHAR PRIMARY KEY", "a short id to name the token by"),
            ("username", "VARCHAR", "the user the token acts as"),
            ("name", "VARCHAR", "what the token is for"),
            ("token_hash", "VARCHAR", "SHA-256 of the token"),
            ("created_at", "TIMESTAMP", "when it was made (UTC)"),
            ("last_used_at", "TIMESTAMP", "when it was last used"),
            ("revoked", "BOOLEAN", "true when it no longer works"),
        ),
        _t(
            "rejects",
            "Rows refused by a load with --on-error skip, with the reason.",
            ("ingest_id", "BIGINT", "the load"),
            ("source_row", "BIGINT", "row number in the source, counting data rows from 1"),
            ("column_name", "VARCHAR", "the column at fault"),
            ("value", "VARCHAR", "the value at fault"),
            ("reason", "VARCHAR", "why it was refused and what to do"),
            ("record", "JSON", "the whole source row"),
        ),
    ]
}

RAW_TABLES = ("customers", "identities", "transactions", "feedback", "accounts", "contacts")

SCHEMA_VERSION = 2


def create_sql(table: Table) -> str:
    cols = ", ".join(f'"{c.name}" {c.type}' for c in table.columns)
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" ({cols})'


def _create_v1(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        con.execute(create_sql(table))


def _create_v2(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2 adds the web app's users and API tokens."""
    for name in ("users", "api_tokens"):
        con.execute(create_sql(TABLES[name]))


# Each step takes a store at version N-1 to version N. Add a step, bump SCHEMA_VERSION.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _create_v1, 2: _create_v2}


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store has a table (raw or derived) of that name."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(found and found[0][0])


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    if not table_exists(con, "rapport_meta"):
        return 0
    row = con.execute("SELECT value FROM rapport_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Bring the store to SCHEMA_VERSION in one transaction; return the version found."""
    found = current_version(con)
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"{path} has schema version {found}, newer than this Rapport understands "
            f"({SCHEMA_VERSION}). Upgrade rapport (pip install -U rapport) to open it."
        )
    if found == SCHEMA_VERSION:
        return found
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(found + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](con)
        con.execute(
            "INSERT OR REPLACE INTO rapport_meta VALUES ('schema_version', ?)",
            [str(SCHEMA_VERSION)],
        )
        con.execute("COMMIT")
    except Exception as exc:
        con.execute("ROLLBACK")
        raise SchemaError(f"could not migrate {path} to schema {SCHEMA_VERSION}: {exc}") from exc
    return found


def markdown() -> str:
    """The tables as Markdown: docs/schema.md is this text (a test keeps the two in step)."""
    lines = [
        "# The store's tables",
        "",
        f"Schema version {SCHEMA_VERSION}. Generated from `src/rapport/schema.py` by "
        "`make docs`; do not edit by hand.",
        "",
    ]
    for table in TABLES.values():
        lines += [f"## `{table.name}`", "", table.doc, "", "| column | type | meaning |",
                  "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {c.doc} |" for c in table.columns]
        lines.append("")
    return "\n".join(lines)


Section = tuple[str, str, tuple[tuple[str, str, str], ...]]
"""A derived table for the docs: (name, what it holds, its columns as (name, type, meaning))."""


def sections_markdown(title: str, sections: list[Section]) -> list[str]:
    """Markdown lines for derived tables: a title, then per table its doc and its columns
    (name, type, meaning)."""
    lines = [f"# {title}", ""]
    for name, doc, columns in sections:
        lines += [f"## `{name}`", "", doc, "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c}` | {t} | {d} |" for c, t, d in columns]
        lines.append("")
    return lines
