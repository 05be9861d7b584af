"""The stage: the input's rows mapped, cleaned, parsed and checked, as one SQL view.

Each mapped column is cleaned once (trimmed, missing-value markers as NULL), parsed once, and
checked against the rules of its field and kind; `_ok` says whether a row can load. After
validation, the view `_accepted` holds the rows that load; identity resolution and the final
insert read it, each taking only the columns it needs, so nothing the size of the input is
copied.
"""

from __future__ import annotations

__all__ = ["FieldPlan", "build_stage", "collect_errors"]

from dataclasses import dataclass

import duckdb

from rapport.errors import RowError
from rapport.ingest.expressions import MapTarget
from rapport.ingest.fields import Field, KindSpec
from rapport.ingest.parsing import Parsed, sql_str
from rapport.ingest.ratings import kind_sql, scale_sql
from rapport.ingest.sqltools import drop_temp
from rapport.ingest.sqltools import ident as _q


@dataclass
class FieldPlan:
    field: Field
    target: MapTarget
    clean: str  # the source value trimmed, missing tokens as NULL (computed once per row)
    parsed: Parsed  # over the cleaned value, `__c_<field>`
    raw: str  # the raw value, as VARCHAR, for messages
    label: str  # the column(s) named in messages
    extra_errors: list[tuple[str, str, str]]  # (label, raw, error) for expression inputs

    def value_on_source(self) -> str:
        """The parsed value as an expression over `_src` alone (for one-off queries)."""
        return self.parsed.value.replace(_q("__c_" + self.field.name), f"({self.clean})")


def _required_errors(spec: KindSpec, plans: dict[str, FieldPlan]) -> list[tuple[str, str, str]]:
    """(label, raw, error SQL) for values a row must have."""
    out: list[tuple[str, str, str]] = []

    def v(name: str) -> str:
        return _q("__v_" + name) if name in plans else "NULL"

    def missing(name: str) -> str:
        # missing once cleaned: empty, or a marker such as NA (a present value that does not
        # parse has its own error)
        return f"{_q('__c_' + name)} IS NULL"

    blank = "is empty (or a missing-value marker such as NA)"
    if spec.kind == "transactions":
        for name, why in (("ts", "every purchase needs a date"),
                          ("amount", "every purchase needs an amount")):
            p = plans[name]
            out.append((p.label, p.raw, f"CASE WHEN {missing(name)} THEN '{blank}: {why}' END"))
        present = [n for n in ("customer_id", "email", "phone") if n in plans]
        none = " AND ".join(missing(n) for n in present)
        label = "/".join(plans[n].label for n in present)
        out.append((label, plans[present[0]].raw,
                    f"CASE WHEN {none} THEN '{blank}: a transaction without a customer cannot "
                    f"be loaded; give every row a customer id, email or phone' END"))
    elif spec.kind == "feedback":
        said: list[str] = [n for n in ("text", "rating") if n in plans]
        none = " AND ".join(f"{v(n)} IS NULL" for n in said)
        label = "/".join(plans[n].label for n in said)
        out.append((label, "NULL", f"CASE WHEN {none} THEN 'is empty: the row has neither "
                                   f"text nor a rating' END"))
        if "rating" in plans:
            out.append((plans["rating"].label, plans["rating"].raw,
                        f"CASE WHEN {v('rating')} IS NOT NULL THEN "
                        f"{scale_sql(v('rating'), v('rating_scale'))} END"))
    return out


def build_stage(
    con: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    plans: dict[str, FieldPlan],
    attr_cols: list[str],
    dtypes: dict[str, str],
) -> list[tuple[str, str, str]]:
    """Create the `_stage` view; return its checks as (column label, raw value SQL, error
    SQL), one `_e<i>` column each."""
    checks: list[tuple[str, str, str]] = []
    for name, p in plans.items():
        checks.append((p.label, p.raw, p.parsed.error_for(_q("__v_" + name))))
        checks.extend(p.extra_errors)
    checks.extend(_required_errors(spec, plans))
    checks = [c for c in checks if c[2] != "NULL"]
    # levels, so error checks see raw columns and parsed values but never an alias that
    # shares a name with a source column ("rating" vs "Rating"). A view, not a table: each
    # pass (validation, identities, the insert) reads only the columns it needs, and nothing
    # of the size of the input is copied.
    cleaned = [f"{p.clean} AS {_q('__c_' + name)}" for name, p in plans.items()]
    inner = [f"{p.parsed.value} AS {_q('__v_' + name)}" for name, p in plans.items()]
    middle = [_q("__v_" + name) for name in plans]
    middle += [f"{c[2]} AS _e{i}" for i, c in enumerate(checks)]
    middle.append(f"{_attributes_sql(con, attr_cols, dtypes)} AS __attrs")
    outer = [f"{_q('__v_' + name)} AS {_q(name)}" for name in plans if name != "kind"]
    if spec.kind == "feedback":
        outer.append(f"{kind_sql(_q('__v_kind') if 'kind' in plans else 'NULL')} AS \"kind\"")
    outer.append("__attrs AS _attrs")
    outer += [f"_e{i}" for i in range(len(checks))]
    ok = " AND ".join(f"_e{i} IS NULL" for i in range(len(checks))) or "true"
    drop_temp(con, "_accepted", "_stage", "_errors", "_bad")
    con.execute(
        f"CREATE TEMP VIEW _stage AS SELECT __row, {', '.join(outer)}, {ok} AS _ok FROM "
        f"(SELECT __row, {', '.join(middle)} FROM (SELECT *, {', '.join(inner)} FROM "
        f"(SELECT *, {', '.join(cleaned)} FROM _src)))"
    )
    return checks


def _attributes_sql(con: duckdb.DuckDBPyConnection, cols: list[str], dtypes: dict[str, str]) -> str:
    """A JSON object of the columns no field uses, numbers kept as numbers."""
    if not cols:
        return "NULL::JSON"
    text_cols = [c for c in cols if dtypes[c] == "VARCHAR"]
    kinds: dict[str, str] = {}
    if text_cols:
        # a column is numeric when every value is a plain number; a leading zero ("0001")
        # marks a code, which stays text so nothing is lost
        tests = []
        for c in text_cols:
            v = f"nullif(trim({_q(c)}), '')"
            tests.append(
                f"count({v}) > 0 AND bool_and({v} IS NULL OR "
                f"regexp_full_match({v}, '-?(0|[1-9][0-9]*)(\\.[0-9]+)?')), "
                f"bool_and({v} IS NULL OR regexp_full_match({v}, '-?(0|[1-9][0-9]{{0,17}})'))"
            )
        row = con.execute(
            f"SELECT {', '.join(tests)} FROM (SELECT * FROM _src LIMIT 100000)"
        ).fetchone() or ()
        for i, c in enumerate(text_cols):
            if row[2 * i]:
                kinds[c] = "BIGINT" if row[2 * i + 1] else "DOUBLE"
    pairs = []
    for c in cols:
        if c in kinds:
            val = f"TRY_CAST(nullif(trim({_q(c)}), '') AS {kinds[c]})"
        elif dtypes[c] == "VARCHAR":
            val = f"nullif(trim({_q(c)}), '')"
        else:
            val = _q(c)
        pairs.append(f"{sql_str(c)}, {val}")
    return f"json_object({', '.join(pairs)})"


def collect_errors(
    con: duckdb.DuckDBPyConnection, checks: list[tuple[str, str, str]]
) -> tuple[list[RowError], int]:
    """The rejected rows: how many, and the first few values at fault. One pass over the
    stage keeps the (usually few) failing rows; `_errors` lists their faults, one per value."""
    flags = ", ".join(f"_e{i}" for i in range(len(checks))) or "NULL AS _e0"
    con.execute(f"CREATE TEMP TABLE _bad AS SELECT __row, {flags} FROM _stage WHERE NOT _ok")
    row = con.execute("SELECT count(*) FROM _bad").fetchone()
    total = int(row[0]) if row else 0
    parts = [
        f"SELECT b.__row, {sql_str(label)} AS column_name, {raw} AS value, b._e{i} AS reason "
        f"FROM _bad b JOIN _src ON _src.__row = b.__row WHERE b._e{i} IS NOT NULL"
        for i, (label, raw, _) in enumerate(checks)
    ] if total else []
    con.execute(
        f"CREATE TEMP TABLE _errors AS {' UNION ALL '.join(parts)}" if parts else
        "CREATE TEMP TABLE _errors (__row BIGINT, column_name VARCHAR, value VARCHAR, "
        "reason VARCHAR)"
    )
    # the rows that load; with nothing rejected it needs no checks at all, so later passes
    # compute only the columns they read
    keep = "WHERE __row NOT IN (SELECT __row FROM _bad)" if total else ""
    con.execute(f"CREATE TEMP VIEW _accepted AS SELECT * FROM _stage {keep}")
    if not total:
        return [], 0
    first = con.execute(
        "SELECT __row, column_name, value, reason FROM _errors ORDER BY __row, column_name LIMIT 10"
    ).fetchall()
    return [RowError(int(r), str(c), v, str(why)) for r, c, v, why in first], total
