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

from rapport.errors import ConfigError, IngestError, MappingError
from rapport.ingest.expressions import MapTarget, compile_target
from rapport.ingest.fields import KindSpec, infer_mapping, spec_for
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
from rapport.ingest.ratings import RATING_SCALES, infer_rating_scale
from rapport.ingest.readers import SourceInfo, drop_source, read_source
from rapport.ingest.sqltools import drop_temp
from rapport.ingest.sqltools import ident as _q
from rapport.ingest.stage import FieldPlan, build_stage, collect_errors
from rapport.ingest.writers import replace_earlier, upsert_customers, write_rejects, write_rows
from rapport.lookups import drop_lookups, forget_raw_parts

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
        drop_temp(con, "_rowcust", "_rowkeys", "_keymap", "_accepted", "_stage", "_errors",
                  "_bad")
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
    checks = build_stage(con, spec, plans, attr_cols, info.dtypes)
    errors, rejected = collect_errors(con, checks)
    if rejected and request.on_error == "fail":
        raise IngestError(
            info.path, errors, rejected,
            "Fix these values in the file, map another column with --map FIELD=COLUMN, or pass "
            "--on-error skip to load the other rows and write these to a rejects file.",
        )

    con.execute("BEGIN TRANSACTION")
    try:
        drop_lookups(con)  # rebuilt by the next analysis (see rapport.lookups)
        forget_raw_parts(con)  # the profiles' copy of raw rows: stale from now on
        row = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
        ingest_id = int(row[0]) if row else 1
        step("resolve identities")
        replaced = replace_earlier(con, spec, source, request.mode)
        key_fields = [f for f in KEY_FIELDS if f in plans]
        creates = spec.kind in ("customers", "transactions", "feedback")
        res = resolve_customers(
            con, "_accepted", key_fields, request.id_space, create=creates,
            one_per_keyless_row=spec.kind == "customers", ingest_id=ingest_id, source=source,
        )
        step("write")
        if creates:
            upsert_customers(con, plans, ingest_id, source, res.join,
                              overwrite=spec.kind == "customers")
        loaded = write_rows(con, spec, plans, ingest_id, source, res.join,
                            info.rows - rejected)
        rejects_path = None
        tmp_rejects = None
        if rejected:
            rejects_dir = request.rejects_dir or store_dir / "rapport-rejects"
            rejects_dir.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in source)
            final = rejects_dir / f"{ingest_id:05d}-{safe}-{spec.kind}.csv"
            tmp_rejects = final.with_suffix(".csv.tmp")
            write_rejects(con, ingest_id, tmp_rejects, info.columns)
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
) -> tuple[dict[str, FieldPlan], dict[str, str]]:
    plans: dict[str, FieldPlan] = {}
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
        plans[f.name] = FieldPlan(f, target, clean_text(x, dtype, info.typed), parsed,
                                   f"CAST({x} AS VARCHAR)", label, extra)
    if spec.kind == "feedback" and "rating" in plans and "rating_scale" not in plans:
        scale = request.rating_scale or infer_rating_scale(
            con, plans["rating"].value_on_source(), plans["rating"].label
        )
        notes["rating_scale"] = f"{scale} (inferred from the ratings)" if not request.rating_scale \
            else scale
        plans["rating_scale"] = FieldPlan(
            spec.field("rating_scale"), MapTarget(repr(scale), None, (), sql_str(scale)),
            sql_str(scale), Parsed(sql_str(scale), "NULL"), sql_str(scale), "rating_scale", [],
        )
    return plans, notes


def _check_required(spec: KindSpec, plans: dict[str, FieldPlan], info: SourceInfo) -> None:
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


