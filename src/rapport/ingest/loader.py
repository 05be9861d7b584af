"""One load: read → map → validate → resolve identities → write, all or nothing.

Validation runs before anything is written. The writing happens in one DuckDB transaction, so
a failure (or a killed process) leaves the store as it was. A file whose content was loaded
before as the same kind (same sha256) is not loaded again.
"""

from __future__ import annotations

__all__ = ["IngestRequest", "IngestResult", "ingest"]

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from rapport.errors import ConfigError, IngestError, MappingError, RowError
from rapport.ingest.expressions import MapTarget, compile_target
from rapport.ingest.fields import Field, KindSpec, infer_mapping, spec_for
from rapport.ingest.identity import KEY_FIELDS, resolve_customers
from rapport.ingest.parsing import (
    Parsed,
    choose_date_format,
    clean_text,
    email_sql,
    id_sql,
    number_sql,
    phone_sql,
    sql_str,
    text_sql,
    timestamp_sql,
)
from rapport.ingest.ratings import RATING_SCALES, infer_rating_scale, kind_sql, scale_sql
from rapport.ingest.readers import SourceInfo, drop_source, read_source
from rapport.ingest.sqltools import drop_temp
from rapport.ingest.sqltools import ident as _q
from rapport.schema import TABLES

Progress = Callable[[str], None]
STEPS = ("read", "map", "validate", "resolve identities", "write")


@dataclass
class IngestRequest:
    """How to load one input. Only `kind` is required."""

    kind: str
    source: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    on_error: str = "fail"
    mode: str = "replace"
    id_space: str = "default"
    date_format: str | None = None
    rating_scale: str | None = None
    header: bool | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    force: bool = False
    dry_run: bool = False
    rejects_dir: Path | None = None


@dataclass
class IngestResult:
    """What a load did (or, for a dry run or a repeated file, would do)."""

    status: str  # loaded, skipped (already loaded) or planned (dry run)
    kind: str
    source: str
    path: str
    format: str
    mapping: dict[str, str]
    notes: dict[str, str]
    attributes: list[str]
    rows_read: int
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    customers_created: int = 0
    customers_merged: int = 0
    ingest_id: int | None = None
    rejects_path: str | None = None
    seconds: float = 0.0
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class _FieldPlan:
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


def _default_source(data: Any) -> str:
    if isinstance(data, (str, Path)):
        return Path(data).stem or "file"
    return "table"


def ingest(
    con: duckdb.DuckDBPyConnection,
    data: Any,
    request: IngestRequest,
    store_dir: Path,
    progress: Progress | None = None,
    on_plan: Callable[[IngestResult], None] | None = None,
) -> IngestResult:
    """Load `data` (a path or a table) as `request.kind` into the store behind `con`.

    `progress` is told each step as it starts; `on_plan` sees the mapping before any row is
    validated or written (the CLI prints it).
    """
    step = progress or (lambda _s: None)
    started = time.perf_counter()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    spec = spec_for(request.kind)
    if request.on_error not in ("fail", "skip"):
        raise ConfigError(f"--on-error {request.on_error!r}: use fail or skip.")
    if request.mode not in ("replace", "append"):
        raise ConfigError(f"--mode {request.mode!r}: use replace or append.")
    if request.rating_scale is not None and request.rating_scale not in RATING_SCALES:
        raise ConfigError(
            f"--rating-scale {request.rating_scale!r}: use one of {', '.join(RATING_SCALES)}."
        )
    source = request.source or _default_source(data)
    step("read")
    info = read_source(
        con, data, header=request.header, delimiter=request.delimiter,
        encoding=request.encoding, sheet=request.sheet,
    )
    try:
        return _ingest_source(con, info, spec, request, source, store_dir, step, started,
                              started_at, on_plan)
    finally:
        drop_temp(con, "_stage", "_errors", "_rowcust", "_rowkeys", "_keymap")
        drop_source(con)
        for p in info.cleanup:
            p.unlink(missing_ok=True)


def _ingest_source(
    con: duckdb.DuckDBPyConnection,
    info: SourceInfo,
    spec: KindSpec,
    request: IngestRequest,
    source: str,
    store_dir: Path,
    step: Progress,
    started: float,
    started_at: datetime,
    on_plan: Callable[[IngestResult], None] | None,
) -> IngestResult:
    step("map")
    mapping = infer_mapping(spec.kind, info.columns, request.mapping)
    plans, notes = _plan_fields(con, info, spec, mapping, request)
    used = {c for p in plans.values() for c in p.target.columns}
    attr_cols = [c for c in info.columns if c not in used]
    _check_required(spec, plans, info)
    result = IngestResult(
        status="planned", kind=spec.kind, source=source, path=info.path, format=info.format,
        mapping={f: p.target.text for f, p in plans.items()}, notes=notes,
        attributes=attr_cols, rows_read=info.rows,
    )
    earlier = con.execute(
        "SELECT ingest_id, source FROM ingests WHERE sha256 = ? AND kind = ? "
        "AND status = 'loaded' ORDER BY ingest_id DESC LIMIT 1",
        [info.sha256, spec.kind],
    ).fetchone()
    if earlier and not request.force:
        result.status = "skipped"
        result.ingest_id = int(earlier[0])
        result.message = (
            f"{info.path} was already loaded as {spec.kind} (load {earlier[0]}, source "
            f"{earlier[1]!r}); nothing loaded. Pass --force to load it again."
        )
        return result
    if on_plan is not None:
        on_plan(result)
    if request.dry_run:
        result.message = "dry run: nothing loaded"
        return result

    step("validate")
    _build_stage(con, spec, plans, attr_cols, info.dtypes)
    errors, rejected = _collect_errors(con, plans)
    if rejected and request.on_error == "fail":
        raise IngestError(
            info.path, errors, rejected,
            "Fix these values in the file, map another column with --map FIELD=COLUMN, or pass "
            "--on-error skip to load the other rows and write these to a rejects file.",
        )

    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
        ingest_id = int(row[0]) if row else 1
        step("resolve identities")
        replaced = _replace_earlier(con, spec, source, request.mode)
        key_fields = [f for f in KEY_FIELDS if f in plans]
        creates = spec.kind in ("customers", "transactions", "feedback")
        res = resolve_customers(
            con, "_stage", key_fields, request.id_space, create=creates,
            one_per_keyless_row=spec.kind == "customers", ingest_id=ingest_id, source=source,
        )
        step("write")
        if creates:
            _upsert_customers(con, plans, ingest_id, source, res.join,
                              overwrite=spec.kind == "customers")
        loaded = _write_rows(con, spec, plans, ingest_id, source, res.join)
        rejects_path = None
        tmp_rejects = None
        if rejected:
            rejects_dir = request.rejects_dir or store_dir / "rapport-rejects"
            rejects_dir.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in source)
            final = rejects_dir / f"{ingest_id:05d}-{safe}-{spec.kind}.csv"
            tmp_rejects = final.with_suffix(".csv.tmp")
            _write_rejects(con, ingest_id, tmp_rejects, info.columns)
            rejects_path = str(final)
        seconds = time.perf_counter() - started
        con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ingest_id, source, info.path, info.sha256, spec.kind, request.mode,
                _json(result.mapping), info.rows, loaded, rejected, replaced, res.created,
                res.merged, rejects_path, started_at,
                datetime.now(UTC).replace(tzinfo=None), seconds, "loaded",
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if tmp_rejects is not None and rejects_path is not None:
        os.replace(tmp_rejects, rejects_path)
    result.status = "loaded"
    result.ingest_id = ingest_id
    result.rows_loaded = loaded
    result.rows_rejected = rejected
    result.rows_replaced = replaced
    result.customers_created = res.created
    result.customers_merged = res.merged
    result.rejects_path = rejects_path
    result.seconds = seconds
    result.message = (
        f"loaded {loaded:,} of {info.rows:,} rows as {spec.kind} (load {ingest_id})"
        + (f"; {rejected:,} rejected, written to {rejects_path}" if rejected else "")
        + (f"; replaced {replaced:,} earlier rows of source {source!r}" if replaced else "")
    )
    return result


def _json(d: dict[str, str]) -> str:
    import json

    return json.dumps(d, ensure_ascii=False)


def _plan_fields(
    con: duckdb.DuckDBPyConnection,
    info: SourceInfo,
    spec: KindSpec,
    mapping: dict[str, str],
    request: IngestRequest,
) -> tuple[dict[str, _FieldPlan], dict[str, str]]:
    plans: dict[str, _FieldPlan] = {}
    notes: dict[str, str] = {}
    for f in spec.fields:
        if f.name not in mapping:
            continue
        numeric = f.type in ("number", "rating")
        target = compile_target(
            f.name, mapping[f.name], info.columns, numeric,
            lambda c, d: number_sql(clean_text(c, d), d).value, info.dtypes,
        )
        if target.column is not None:
            dtype = info.dtypes[target.column]
        else:
            dtype = "DOUBLE" if numeric else "VARCHAR"
        x = target.sql
        c = _q("__c_" + f.name)
        extra: list[tuple[str, str, str]] = []
        if target.column is None and numeric:
            for col in target.columns:
                one = number_sql(clean_text(_q(col), info.dtypes[col]), info.dtypes[col])
                extra.append((col, f"CAST({_q(col)} AS VARCHAR)",
                              one.error_for(f"({one.value})")))
        if f.type == "timestamp":
            fmt = request.date_format or choose_date_format(con, "_src", x, dtype)
            parsed = timestamp_sql(c, dtype, fmt)
            notes[f.name] = {
                "native": "already dates", "iso": "ISO dates", "iso-tz": "ISO dates, to UTC",
                "yyyymmdd-int": "dates as YYYYMMDD", "epoch-s": "Unix seconds",
                "epoch-ms": "Unix milliseconds",
            }.get(fmt, f"dates as {fmt}")
        elif numeric:
            parsed = number_sql(c, dtype)
        elif f.type == "email":
            parsed = email_sql(c, dtype)
        elif f.type == "phone":
            parsed = phone_sql(c, dtype)
        elif f.type == "id":
            parsed = id_sql(c, dtype)
        elif f.name == "rating_scale":
            v = f"coalesce(lower({text_sql(c, dtype).value}), 'none')"
            known = ", ".join(sql_str(k) for k in RATING_SCALES)
            parsed = Parsed(
                v, f"CASE WHEN {{v}} IS NOT NULL AND {{v}} NOT IN ({known}) THEN "
                   f"'is not a rating scale: use one of {', '.join(RATING_SCALES)}' END",
            )
        else:
            parsed = text_sql(c, dtype)
        label = target.column or target.text
        plans[f.name] = _FieldPlan(f, target, clean_text(x, dtype), parsed,
                                   f"CAST({x} AS VARCHAR)", label, extra)
    if spec.kind == "feedback" and "rating" in plans and "rating_scale" not in plans:
        scale = request.rating_scale or infer_rating_scale(
            con, plans["rating"].value_on_source(), plans["rating"].label
        )
        notes["rating_scale"] = f"{scale} (inferred from the ratings)" if not request.rating_scale \
            else scale
        plans["rating_scale"] = _FieldPlan(
            spec.field("rating_scale"), MapTarget(repr(scale), None, (), sql_str(scale)),
            sql_str(scale), Parsed(sql_str(scale), "NULL"), sql_str(scale), "rating_scale", [],
        )
    return plans, notes


def _check_required(spec: KindSpec, plans: dict[str, _FieldPlan], info: SourceInfo) -> None:
    cols = ", ".join(repr(c) for c in info.columns[:30])
    have = set(plans)
    keys = {"customer_id", "email", "phone"}

    def need(what: str, example: str) -> MappingError:
        return MappingError(
            f"{info.path}: no column holds {what} for {spec.kind}. Its columns are: {cols}. "
            f"Name the column with {example}."
        )

    if spec.kind == "transactions":
        if "ts" not in have:
            raise need("the purchase date", "--map ts=COLUMN")
        if "amount" not in have:
            raise need("the amount", "--map amount=COLUMN (or --map amount=Quantity*UnitPrice)")
        if not have & keys:
            raise need("the customer", "--map customer_id=COLUMN (or email=… / phone=…)")
    elif spec.kind == "feedback" and not have & {"text", "rating"}:
        raise need("the customer's words or a rating", "--map text=COLUMN or --map rating=COLUMN")
    elif spec.kind == "accounts" and not have & {"account_id", "name"}:
        raise need("the account id or name", "--map account_id=COLUMN")
    elif spec.kind == "contacts" and not have & {"name", "email", "contact_id"}:
        raise need("the contact's name or email", "--map name=COLUMN")
    elif spec.kind == "customers" and not have & (keys | {"name"}):
        raise need("a customer id, email, phone or name", "--map customer_id=COLUMN")


def _required_errors(spec: KindSpec, plans: dict[str, _FieldPlan]) -> list[tuple[str, str, str]]:
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


def _build_stage(
    con: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    plans: dict[str, _FieldPlan],
    attr_cols: list[str],
    dtypes: dict[str, str],
) -> None:
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
    drop_temp(con, "_stage", "_errors")
    con.execute(
        f"CREATE TEMP VIEW _stage AS SELECT __row, {', '.join(outer)}, {ok} AS _ok FROM "
        f"(SELECT __row, {', '.join(middle)} FROM (SELECT *, {', '.join(inner)} FROM "
        f"(SELECT *, {', '.join(cleaned)} FROM _src)))"
    )
    if checks:
        union = " UNION ALL ".join(
            f"SELECT e._r AS __row, {sql_str(label)} AS column_name, {raw} AS value, "
            f"e._e{i} AS reason FROM (SELECT __row AS _r, _e{i} FROM _stage WHERE NOT _ok AND "
            f"_e{i} IS NOT NULL) e JOIN _src ON _src.__row = e._r"
            for i, (label, raw, _) in enumerate(checks)
        )
        con.execute(f"CREATE TEMP TABLE _errors AS {union}")
    else:
        con.execute(
            "CREATE TEMP TABLE _errors (__row BIGINT, column_name VARCHAR, value VARCHAR, "
            "reason VARCHAR)"
        )


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


def _collect_errors(
    con: duckdb.DuckDBPyConnection, plans: dict[str, _FieldPlan]
) -> tuple[list[RowError], int]:
    row = con.execute("SELECT count(*) FROM _stage WHERE NOT _ok").fetchone()
    total = int(row[0]) if row else 0
    if not total:
        return [], 0
    first = con.execute(
        "SELECT __row, column_name, value, reason FROM _errors ORDER BY __row, column_name LIMIT 10"
    ).fetchall()
    return [RowError(int(r), str(c), v, str(why)) for r, c, v, why in first], total


def _replace_earlier(
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


def _upsert_customers(
    con: duckdb.DuckDBPyConnection,
    plans: dict[str, _FieldPlan],
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
        f"{attrs} AS attributes, min(s.__row) AS source_row FROM _stage s {join} "
        f"WHERE s._ok AND rc.customer_id IS NOT NULL GROUP BY rc.customer_id"
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


def _write_rows(
    con: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    plans: dict[str, _FieldPlan],
    ingest_id: int,
    source: str,
    join: str,
) -> int:
    if spec.kind == "customers":
        row = con.execute("SELECT count(*) FROM _stage WHERE _ok").fetchone()
        return int(row[0]) if row else 0
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
    select = f"SELECT {', '.join(exprs)} FROM _stage s {join} WHERE s._ok"
    if spec.kind == "accounts":
        return _upsert_accounts(con, plans, ingest_id, source)
    if spec.kind == "contacts" and "contact_id" in plans:
        con.execute(
            "DELETE FROM contacts WHERE contact_id IN (SELECT contact_id FROM _stage WHERE _ok)"
        )
    con.execute(f"INSERT INTO {spec.table} ({', '.join(columns)}) {select}")
    row = con.execute("SELECT count(*) FROM _stage WHERE _ok").fetchone()
    return int(row[0]) if row else 0


def _upsert_accounts(
    con: duckdb.DuckDBPyConnection, plans: dict[str, _FieldPlan], ingest_id: int, source: str
) -> int:
    key = "account_id" if "account_id" in plans else "name"
    fields = [f for f in ("name", "industry", "size") if f in plans]
    aggs = ", ".join(f"arg_max({f}, __row) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in fields)
    con.execute(
        f"CREATE TEMP TABLE _accnew AS SELECT {key} AS account_id"
        f"{', ' + aggs if aggs else ''}, arg_max(_attrs, __row) AS attributes, "
        f"min(__row) AS source_row FROM _stage WHERE _ok AND {key} IS NOT NULL GROUP BY {key}"
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
    row = con.execute("SELECT count(*) FROM _stage WHERE _ok").fetchone()
    return int(row[0]) if row else 0


def _write_rejects(
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
