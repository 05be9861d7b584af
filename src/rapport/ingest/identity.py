"""Identity resolution: which customer each incoming row belongs to.

A customer is known by keys: normalised email, phone (its last ten digits) and external ids
within an id space. Rows sharing a key belong to one customer; a key already in `identities`
points to its customer; a row whose keys point to two existing customers reveals they are one
person, and the younger id is merged into the older (recorded in `customer_merges`). Everything
runs inside the caller's transaction.
"""

from __future__ import annotations

__all__ = ["KEY_FIELDS", "Resolution", "resolve_customers"]

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from rapport.ingest.parsing import phone_key_sql
from rapport.ingest.sqltools import drop_temp

# field in the stage table → identity kind
KEY_FIELDS = {"customer_id": "external_id", "email": "email", "phone": "phone"}


@dataclass(frozen=True)
class Resolution:
    created: int
    merged: int
    join: str  # joins a stage row `s` to its customer `rc.customer_id`


def _next_number(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT value FROM rapport_meta WHERE key = 'last_customer_number'"
    ).fetchone()
    return int(row[0]) if row else 0


def _set_number(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute(
        "INSERT OR REPLACE INTO rapport_meta VALUES ('last_customer_number', ?)", [str(n)]
    )


def resolve_customers(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    key_fields: list[str],
    id_space: str,
    create: bool,
    one_per_keyless_row: bool,
    ingest_id: int,
    source: str,
) -> Resolution:
    """Write temp table `_rowcust(__row, customer_id)` for the accepted rows of `stage`.

    `stage` holds the accepted rows: `__row` and one column per field in `key_fields`
    (already normalised).
    With `create`, unknown keys become new customers (and rows without any key each become a
    customer when `one_per_keyless_row`); without it they stay unresolved (NULL).
    """
    parts = []
    for f in key_fields:
        kind = KEY_FIELDS[f]
        value = phone_key_sql(f) if kind == "phone" else f
        scope = f"'{id_space.replace(chr(39), chr(39) * 2)}'" if kind == "external_id" else "''"
        parts.append(
            f"SELECT __row, '{kind}' AS kind, {scope} AS scope, {value} AS value "
            f"FROM {stage} WHERE {f} IS NOT NULL"
        )
    drop_temp(con, "_rowkeys", "_keymap", "_rowcust")
    union = " UNION ALL ".join(parts) if parts else (
        "SELECT NULL::BIGINT AS __row, NULL AS kind, NULL AS scope, NULL AS value WHERE false"
    )
    # one key column (the usual orders file): rows map to keys one to one, so views suffice
    single = len(parts) == 1 and not one_per_keyless_row
    con.execute(f"CREATE TEMP {'VIEW' if single else 'TABLE'} _rowkeys AS {union}")
    # every distinct key, with the customer it already belongs to
    con.execute(
        "CREATE TEMP TABLE _keymap AS SELECT k.kind, k.scope, k.value, min(k.__row) AS first_row,"
        " any_value(i.customer_id) AS existing FROM _rowkeys k LEFT JOIN identities i "
        "ON i.kind = k.kind AND i.scope = k.scope AND i.value = k.value "
        "GROUP BY k.kind, k.scope, k.value"
    )
    multi = None if single else con.execute(
        "SELECT count(*) FROM (SELECT __row FROM _rowkeys GROUP BY __row HAVING count(*) > 1)"
    ).fetchone()
    next_n = _next_number(con)
    merged = 0
    if multi and multi[0]:
        created, merged, next_n = _resolve_graph(con, next_n, create, ingest_id)
    else:
        created, next_n = _resolve_simple(con, next_n, create)
    if not single:
        con.execute(
            "CREATE TEMP TABLE _rowcust AS SELECT DISTINCT k.__row, m.customer_id "
            "FROM _rowkeys k JOIN _keymap m USING (kind, scope, value)"
        )
    if create and one_per_keyless_row:
        con.execute(
            f"INSERT INTO _rowcust SELECT s.__row, 'c' || lpad(CAST({next_n} + row_number() "
            f"OVER (ORDER BY s.__row) AS VARCHAR), 7, '0') FROM {stage} s WHERE "
            f"s.__row NOT IN (SELECT __row FROM _rowkeys)"
        )
        extra = con.execute(
            f"SELECT count(*) FROM {stage} WHERE __row NOT IN (SELECT __row FROM _rowkeys)"
        ).fetchone()
        n_extra = int(extra[0]) if extra else 0
        created += n_extra
        next_n += n_extra
    _set_number(con, next_n)
    if single:
        f = key_fields[0]
        value = phone_key_sql(f"s.{f}") if KEY_FIELDS[f] == "phone" else f"s.{f}"
        join = f"LEFT JOIN _keymap rc ON rc.value = {value}"
    else:
        join = "LEFT JOIN _rowcust rc ON rc.__row = s.__row"
    # keep every key the customers are known by
    con.execute(
        "INSERT INTO identities (customer_id, kind, scope, value, source, ingest_id) "
        "SELECT customer_id, kind, scope, value, ?, ? FROM _keymap WHERE existing IS NULL "
        "AND customer_id IS NOT NULL",
        [source, ingest_id],
    )
    return Resolution(created, merged, join)


def _resolve_simple(con: duckdb.DuckDBPyConnection, next_n: int, create: bool) -> tuple[int, int]:
    """Each row has one key: a key's customer is its existing one, or a new one."""
    con.execute("ALTER TABLE _keymap ADD COLUMN customer_id VARCHAR")
    con.execute("UPDATE _keymap SET customer_id = existing")
    if create:
        con.execute(
            f"UPDATE _keymap SET customer_id = n.cid FROM (SELECT kind, scope, value, "
            f"'c' || lpad(CAST({next_n} + row_number() OVER (ORDER BY first_row, kind, value) "
            f"AS VARCHAR), 7, '0') AS cid FROM _keymap WHERE existing IS NULL) n "
            f"WHERE _keymap.kind = n.kind AND _keymap.scope = n.scope "
            f"AND _keymap.value = n.value"
        )
        row = con.execute("SELECT count(*) FROM _keymap WHERE existing IS NULL").fetchone()
        created = int(row[0]) if row else 0
    else:
        created = 0
    return created, next_n + created


def _resolve_graph(
    con: duckdb.DuckDBPyConnection, next_n: int, create: bool, ingest_id: int
) -> tuple[int, int, int]:
    """Rows with several keys: connected components of keys and existing customers."""
    keys = con.execute(
        "SELECT kind, scope, value, first_row, existing FROM _keymap "
        "ORDER BY first_row, kind, value"
    ).fetchall()
    index = {(k, s, v): i for i, (k, s, v, _, _) in enumerate(keys)}
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # keys of one existing customer are one component too
    by_existing: dict[str, int] = {}
    for i, (*_, existing) in enumerate(keys):
        if existing is not None:
            if existing in by_existing:
                union(by_existing[existing], i)
            else:
                by_existing[existing] = i
    rows = con.execute("SELECT __row, kind, scope, value FROM _rowkeys ORDER BY __row").fetchall()
    last_row, first_key = None, -1
    for r, k, s, v in rows:
        i = index[(k, s, v)]
        if r == last_row:
            union(first_key, i)
        else:
            last_row, first_key = r, i
    members: dict[int, list[int]] = {}
    for i in range(len(keys)):
        members.setdefault(find(i), []).append(i)
    assigned: list[str | None] = [None] * len(keys)
    merges: list[tuple[str, str]] = []
    created = 0
    for root in sorted(members, key=lambda m: keys[m][3]):
        group = members[root]
        existing = sorted({keys[i][4] for i in group if keys[i][4] is not None})
        if existing:
            winner: str | None = existing[0]
            merges.extend((loser, existing[0]) for loser in existing[1:])
        elif create:
            next_n += 1
            created += 1
            winner = f"c{next_n:07d}"
        else:
            winner = None
        for i in group:
            assigned[i] = winner
    con.execute("ALTER TABLE _keymap ADD COLUMN customer_id VARCHAR")
    con.execute(
        "CREATE TEMP TABLE _assign (kind VARCHAR, scope VARCHAR, value VARCHAR, cid VARCHAR)"
    )
    _bulk_assign(con, keys, assigned)
    con.execute(
        "UPDATE _keymap SET customer_id = a.cid FROM _assign a WHERE _keymap.kind = a.kind "
        "AND _keymap.scope = a.scope AND _keymap.value = a.value"
    )
    con.execute("DROP TABLE _assign")
    if merges:
        _merge_customers(con, merges, ingest_id)
    return created, len(merges), next_n


def _bulk_assign(
    con: duckdb.DuckDBPyConnection,
    keys: list[tuple[str, str, str, int, str | None]],
    assigned: list[str | None],
) -> None:
    table = pa.table({
        "kind": [k[0] for k in keys],
        "scope": [k[1] for k in keys],
        "value": [k[2] for k in keys],
        "cid": assigned,
    })
    con.register("_assign_arrow", table)
    try:
        con.execute("INSERT INTO _assign SELECT * FROM _assign_arrow")
    finally:
        con.unregister("_assign_arrow")


def _merge_customers(
    con: duckdb.DuckDBPyConnection, merges: list[tuple[str, str]], ingest_id: int
) -> None:
    """Fold each merged customer into the one it joins, in every raw table."""
    con.execute("CREATE TEMP TABLE _merge (merged_id VARCHAR, into_id VARCHAR)")
    con.executemany("INSERT INTO _merge VALUES (?, ?)", merges)
    for table in ("transactions", "feedback", "identities", "contacts"):
        con.execute(
            f"UPDATE {table} SET customer_id = m.into_id FROM _merge m "
            f"WHERE {table}.customer_id = m.merged_id"
        )
    con.execute(
        "UPDATE customers SET name = coalesce(customers.name, l.name), "
        "email = coalesce(customers.email, l.email), phone = coalesce(customers.phone, l.phone), "
        "account_id = coalesce(customers.account_id, l.account_id), "
        "created_at = least(customers.created_at, l.created_at), "
        "attributes = CASE WHEN l.attributes IS NULL THEN customers.attributes "
        "WHEN customers.attributes IS NULL THEN l.attributes "
        "ELSE json_merge_patch(l.attributes, customers.attributes) END "
        "FROM _merge m JOIN customers l ON l.customer_id = m.merged_id "
        "WHERE customers.customer_id = m.into_id"
    )
    con.execute("DELETE FROM customers WHERE customer_id IN (SELECT merged_id FROM _merge)")
    con.execute(
        "INSERT INTO customer_merges SELECT merged_id, into_id, ? FROM _merge", [ingest_id]
    )
    con.execute("DROP TABLE _merge")
