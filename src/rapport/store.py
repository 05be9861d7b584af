"""The store's shared query helpers: what every part of the `Workspace` façade builds on
(read-only SQL, rows as dicts, resolving a customer by any key, and clear errors when a table
is not built yet or the store is read-only)."""

from __future__ import annotations

__all__ = ["StoreQueries"]

import hashlib
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from rapport.errors import ConfigError, NotAnalyzedError, StoreError
from rapport.schema import table_exists

_READ_ONLY = {"SELECT", "EXPLAIN", "PRAGMA", "RELATION"}


class StoreQueries:
    """The base of `Workspace` and of its method groups (access, understanding)."""

    _con: duckdb.DuckDBPyConnection
    read_only: bool
    path: Any

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a read-only query and return an Arrow table. Writing statements are refused."""
        try:
            statements = duckdb.extract_statements(query)
        except duckdb.Error as exc:
            raise ConfigError(f"cannot parse the query: {exc}") from None
        for st in statements:
            if st.type.name not in _READ_ONLY:
                raise ConfigError(
                    f"Workspace.sql runs read-only queries; this one is {st.type.name}. "
                    f"Load data with ingest() and rebuild derived tables with analyze()."
                )
        cur = self._con.cursor()
        try:
            return cur.sql(query, params=list(params) if params else None).to_arrow_table()
        except duckdb.Error as exc:
            raise ConfigError(f"query failed: {exc}") from None
        finally:
            cur.close()

    def _rows(self, query: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.sql(query, params).to_pylist()
        return rows

    def data_version(self) -> str:
        """A fingerprint of the store's tables (each table's identity and size): it changes
        when a load adds rows or an analysis rebuilds a table, so views of the data can be
        cached until it does."""
        rows = self._con.execute("SELECT table_name, table_oid, estimated_size FROM "
                                 "duckdb_tables() ORDER BY 1").fetchall()
        return hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only; open it without read_only to load.")

    def resolve(self, key: str) -> str | None:
        """The customer id for a customer id, external id, email or phone; None if unknown.
        Rapport's own id wins; each lookup is an equality the lookup indexes serve."""
        key = key.strip()
        own = self._con.execute("SELECT customer_id FROM customers WHERE customer_id = ?",
                                [key]).fetchall()
        if own:
            return str(own[0][0])
        phone = "".join(ch for ch in key if ch.isdigit())[-10:]
        values = sorted({key, key.lower()})
        found = {str(r[0]) for r in self._con.execute(
            f"SELECT customer_id FROM identities WHERE value IN "
            f"({', '.join('?' * len(values))})", values).fetchall()}
        if phone:
            found |= {str(r[0]) for r in self._con.execute(
                "SELECT customer_id FROM identities WHERE value = ? AND kind = 'phone'",
                [phone]).fetchall()}
        ids = sorted(found)
        if len(ids) > 1:
            raise ConfigError(
                f"{key!r} matches several customers ({', '.join(ids[:5])}); use Rapport's id."
            )
        return ids[0] if ids else None

    def _require(self, table: str) -> None:
        if not table_exists(self._con, table):
            raise NotAnalyzedError(
                f"{table} has not been built yet; run `rapport analyze` (Workspace.analyze())."
            )
