"""The store's shared query helpers: what every part of the `Workspace` façade builds on
(read-only SQL, rows as dicts, resolving a customer by any key, a fingerprint of the data for
caches, helper threads to read parts of one answer side by side, and clear errors when a table
is not built yet or the store is read-only)."""

from __future__ import annotations

__all__ = ["Helpers", "StoreQueries", "duckdb_threads"]

import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from rapport import settings
from rapport.errors import ConfigError, NotAnalyzedError, StoreError
from rapport.schema import table_exists
from rapport.threads import cpus

T = TypeVar("T")
_READ_ONLY = {"SELECT", "EXPLAIN", "PRAGMA", "RELATION"}


def duckdb_threads(value: Any = None) -> int:
    """The threads DuckDB should use, from `store.threads` (or `value`): a whole number, or
    "auto": one per CPU, but three on a machine with two CPUs. There the two large groupings
    of the BTYD summary (by customer and day, then by customer) took 1.32 -> 1.08 s with a
    third thread on 9.8M rows, 25% less; with one CPU a second thread only made it slower,
    and with four threads on two CPUs it was no faster than with three."""
    raw = str(settings.get("store.threads", value)).strip().lower()
    if raw == "auto":
        found = cpus()
        return 3 if found == 2 else found
    try:
        threads = int(raw)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigError(
            f"store.threads must be auto or a whole number of threads >= 1, not {raw!r} "
            "(setting RAPPORT_STORE_THREADS)."
        )
    return threads


class Helpers:
    """A few helper threads, each with its own connection to the store (made on first use)."""

    def __init__(self, con: duckdb.DuckDBPyConnection,
                 setup: Callable[[duckdb.DuckDBPyConnection], None], threads: int = 4) -> None:
        self.owner, self.setup, self.threads = con, setup, threads
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._cons: list[duckdb.DuckDBPyConnection] = []

    def _start(self) -> None:
        con = self.owner.cursor()
        self.setup(con)
        self._local.con = con
        with self._lock:
            self._cons.append(con)

    def submit(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> Future[T]:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, "rapport-helper",
                                                initializer=self._start)
            pool = self._pool
        return pool.submit(lambda: fn(self._local.con))

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        for con in self._cons:
            con.close()
        self._cons.clear()



class StoreQueries:
    """The base of `Workspace` and of its method groups (access, understanding)."""

    _con: duckdb.DuckDBPyConnection
    _helpers: Helpers
    read_only: bool
    path: Any
    side_reads: bool = False
    """Whether one answer may read its independent parts on helper threads (the web app)."""

    def beside(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> Future[T]:
        """Run `fn` on a helper thread with a connection of its own to this store, while the
        caller reads the rest of an answer."""
        return self._helpers.submit(fn)

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
