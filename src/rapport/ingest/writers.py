"""Writing a validated stage into the raw tables: replacing a source's earlier rows, new and
updated customers and accounts, the rows themselves, and the rejects."""

from __future__ import annotations

__all__ = ["replace_earlier", "upsert_customers", "write_rejects", "write_rows"]

from pathlib import Path

import duckdb

from rapport.ingest.fields import KindSpec
from rapport.ingest.parsing import sql_str
from rapport.ingest.sqltools import drop_temp
from rapport.ingest.sqltools import ident as _q
from rapport.ingest.stage import FieldPlan
from rapport.schema import TABLES


def replace_earlier(
    con: duckdb.DuckDBPyConnection, spec: KindSpec, source: str, mode: str
) -> int:
    """In replace mode, drop the rows an earlier load of this source and kind wrote."""
    if mode != "replace":
        return 0
    replaced = 0
    if spec.kind in ("transactions", "feedback", "contacts"):
        row = con.execute(
            f"SELECT count(*) FROM {spec.table} WHERE source = ?", [source]
        ).fetchone()
        replaced = int(row[0]) if row else 0
        con.execute(f"DELETE FROM {spec.table} WHERE source = ?", [source])
    con.execute(
        "UPDATE ingests SET status = 'replaced' WHERE source = ? AND kind = ? "
        "AND status = 'loaded'",
        [source, spec.kind],
    )
    return replaced


def upsert_customers(
    con: duckdb.DuckDBPyConnection,
    plans: dict[str, FieldPlan],
    ingest_id: int,
    source: str,
    join: str,
    overwrite: bool,
) -> None:
    """New customers get a row; known ones get the fields this load gives them."""
    names = {"name": "name", "email": "email", "phone": "phone", "account_id": "account_id",
             "created_at": "created_at"}
    if "name" not in plans and "author" in plans:
        names["name"] = "author"
    if not overwrite and not any(src in plans for src in names.values()):
        # nothing to tell about the customers but who they are: add the new ones
        con.execute(
            "INSERT INTO customers (customer_id, source, ingest_id, source_row) "
            "SELECT customer_id, ?, ?, min(first_row) FROM _keymap WHERE existing IS NULL "
            "AND customer_id IS NOT NULL GROUP BY customer_id",
            [source, ingest_id],
        )
        return
    cols = []
    for target, src in names.items():
        if src in plans:
            agg = "min" if target == "created_at" else "arg_max"
            expr = f"{agg}(s.{_q(src)}{', s.__row' if agg == 'arg_max' else ''}) " \
                   f"FILTER (WHERE s.{_q(src)} IS NOT NULL)"
        else:
            expr = "NULL"
        cols.append(f"{expr} AS {target}")
    attrs = "arg_max(s._attrs, s.__row)" if overwrite else "NULL::JSON"
    drop_temp(con, "_custnew")
    con.execute(
        f"CREATE TEMP TABLE _custnew AS SELECT rc.customer_id, {', '.join(cols)}, "
        f"{attrs} AS attributes, min(s.__row) AS source_row FROM _accepted s {join} "
        f"WHERE rc.customer_id IS NOT NULL GROUP BY rc.customer_id"
    )
    if overwrite:
        sets = ", ".join(f"{c} = coalesce(n.{c}, customers.{c})"
                         for c in ("name", "email", "phone", "account_id"))
    else:
        sets = ", ".join(f"{c} = coalesce(customers.{c}, n.{c})"
                         for c in ("name", "email", "phone", "account_id"))
    con.execute(
        f"UPDATE customers SET {sets}, created_at = least(customers.created_at, n.created_at), "
        f"attributes = CASE WHEN n.attributes IS NULL THEN customers.attributes "
        f"WHEN customers.attributes IS NULL THEN n.attributes "
        f"ELSE json_merge_patch(customers.attributes, n.attributes) END "
        f"FROM _custnew n WHERE customers.customer_id = n.customer_id"
    )
    con.execute(
        "INSERT INTO customers SELECT n.customer_id, n.name, n.email, n.phone, n.account_id, "
        "n.created_at, n.attributes, ?, ?, n.source_row FROM _custnew n "
        "WHERE n.customer_id NOT IN (SELECT customer_id FROM customers)",
        [source, ingest_id],
    )
    con.execute("DROP TABLE _custnew")


def write_rows(
    con: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    plans: dict[str, FieldPlan],
    ingest_id: int,
    source: str,
    join: str,
    accepted: int,
) -> int:
    """Insert the accepted rows of the stage; return how many (`accepted`, known already)."""
    if spec.kind == "customers":
        return accepted
    table = TABLES[spec.table]
    columns = table.stored_columns
    exprs = []
    for col in columns:
        if col == "contact_id" and "contact_id" not in plans:
            exprs.append(f"'{ingest_id}-' || s.__row")
        elif col == "customer_id":
            exprs.append("rc.customer_id")
        elif col == "attributes":
            exprs.append("s._attrs")
        elif col == "source":
            exprs.append(sql_str(source))
        elif col == "ingest_id":
            exprs.append(str(ingest_id))
        elif col == "source_row":
            exprs.append("s.__row")
        elif col in plans or (col == "kind" and spec.kind == "feedback"):
            exprs.append(f"s.{_q(col)}")
        elif col == "rating_scale":
            exprs.append("'none'")
        else:
            exprs.append("NULL")
    select = f"SELECT {', '.join(exprs)} FROM _accepted s {join}"
    if spec.kind == "accounts":
        return _upsert_accounts(con, plans, ingest_id, source, accepted)
    if spec.kind == "contacts" and "contact_id" in plans:
        con.execute(
            "DELETE FROM contacts WHERE contact_id IN (SELECT contact_id FROM _accepted)"
        )
    con.execute(f"INSERT INTO {spec.table} ({', '.join(columns)}) {select}")
    return accepted


def _upsert_accounts(
    con: duckdb.DuckDBPyConnection, plans: dict[str, FieldPlan], ingest_id: int, source: str,
    accepted: int,
) -> int:
    key = "account_id" if "account_id" in plans else "name"
    fields = [f for f in ("name", "industry", "size") if f in plans]
    aggs = ", ".join(f"arg_max({f}, __row) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in fields)
    con.execute(
        f"CREATE TEMP TABLE _accnew AS SELECT {key} AS account_id"
        f"{', ' + aggs if aggs else ''}, arg_max(_attrs, __row) AS attributes, "
        f"min(__row) AS source_row FROM _accepted WHERE {key} IS NOT NULL GROUP BY {key}"
    )
    if fields:
        sets = ", ".join(f"{f} = coalesce(n.{f}, accounts.{f})" for f in fields)
        con.execute(
            f"UPDATE accounts SET {sets}, attributes = coalesce(n.attributes, accounts.attributes)"
            f" FROM _accnew n WHERE accounts.account_id = n.account_id"
        )
    cols = ", ".join(f"n.{f}" if f in fields else "NULL" for f in ("name", "industry", "size"))
    con.execute(
        f"INSERT INTO accounts SELECT n.account_id, {cols}, n.attributes, ?, ?, n.source_row "
        f"FROM _accnew n WHERE n.account_id NOT IN (SELECT account_id FROM accounts)",
        [source, ingest_id],
    )
    con.execute("DROP TABLE _accnew")
    return accepted


def write_rejects(
    con: duckdb.DuckDBPyConnection, ingest_id: int, path: Path, columns: list[str]
) -> None:
    """Rejected rows go to the `rejects` table and to a CSV file beside the store."""
    record = "json_object(" + ", ".join(
        f"{sql_str(c)}, CAST(t.{_q(c)} AS VARCHAR)" for c in columns
    ) + ")"
    con.execute(
        f"INSERT INTO rejects SELECT {ingest_id}, e.__row, e.column_name, e.value, e.reason, "
        f"{record} FROM _errors e JOIN _src t ON t.__row = e.__row"
    )
    lit = "'" + str(path).replace("'", "''") + "'"
    con.execute(
        f"COPY (SELECT source_row AS row, column_name AS column, value, reason, record "
        f"FROM rejects WHERE ingest_id = {ingest_id} ORDER BY source_row, column_name) "
        f"TO {lit} (HEADER, DELIMITER ',')"
    )
