"""Ingestion benchmark: Rapport's `ws.ingest` against what a user would otherwise do.

Generates a deterministic transactions file (DuckDB SQL, no randomness outside a seeded hash)
as Parquet and CSV in `benchmarks/data/`, then loads each into a fresh store with Rapport and,
side by side, with plain DuckDB (`CREATE TABLE … AS SELECT * FROM read_parquet/read_csv`: the
floor, no validation and no identity resolution) and with pandas (`pd.read_csv` /
`pd.read_parquet`, then a DuckDB insert of the DataFrame: what a notebook user does).

Every measurement loads into a new DuckDB file in a temporary folder; only the load is timed
(time.perf_counter around the call), not opening or closing the database. Each run also says
how much of the machine's CPU other processes used meanwhile (Linux /proc/stat), and marks the
run NOISY above 10%. The data files (about 400 MiB at 5,000,000 rows) are kept for the next run.

    python benchmarks/ingest.py                 # 5,000,000 rows, one run of each
    python benchmarks/ingest.py --rows 1000000 --repeat 3
    python benchmarks/ingest.py --profile       # where Rapport's time goes (SQL statements)
    python benchmarks/ingest.py --only rapport  # one tool only (no ratios)

The goals are checked on the best Rapport time per format; the script exits 0 either way.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

import rapport
from _common import busy_cpu_seconds, code_version

DATA_DIR = Path(__file__).resolve().parent / "data"
GOALS = {"parquet": 1_000_000.0, "csv": 300_000.0}  # rows per second, Rapport ingest
FORMATS = ("parquet", "csv")
TOOLS = ("rapport", "duckdb", "pandas")
NOISY = 0.10  # other processes using more than this share of the CPUs make a run noisy
TOOL_LABELS = {
    "rapport": "Rapport ws.ingest",
    "duckdb": "DuckDB CREATE TABLE AS",
    "pandas": "pandas read + DuckDB insert",
}

# ------------------------------------------------------------------------------------------
# data


def _generate_sql(rows: int, customers: int, seed: int) -> str:
    """The transactions, as one SELECT. Each order holds two lines; the order decides the
    customer, date and channel, so lines of a basket agree. All derives from hash(…, seed)."""
    return f"""
        WITH lines AS (
            SELECT i, i // 2 AS o FROM range({rows}) r(i)
        ), h AS (
            SELECT i, o,
                   hash(o, {seed}, 1) AS h_cust,
                   hash(o, {seed}, 2) AS h_time,
                   hash(o, {seed}, 3) AS h_chan,
                   hash(i, {seed}, 4) AS h_prod,
                   hash(i, {seed}, 5) AS h_qty,
                   hash(i, {seed}, 6) AS h_ret
            FROM lines
        ), p AS (
            SELECT *, CAST(h_prod % 5000 AS INTEGER) AS prod,
                   CAST(1 + h_qty % 4 AS INTEGER) AS qty
            FROM h
        )
        SELECT
            'O' || lpad(CAST(o + 1 AS VARCHAR), 9, '0') AS order_id,
            'CUST-' || lpad(CAST(h_cust % {customers} + 1 AS VARCHAR), 6, '0') AS customer_id,
            TIMESTAMP '2021-01-01 00:00:00'
                + to_seconds(CAST(h_time % (3 * 365 * 86400) AS BIGINT)) AS order_date,
            round((CASE WHEN h_ret % 50 = 0 THEN -1 ELSE 1 END)
                  * qty * (2.99 + (prod * 7919) % 19700 / 100.0), 2) AS amount,
            qty AS quantity,
            'SKU-' || lpad(CAST(prod AS VARCHAR), 5, '0') AS product,
            (['apparel', 'shoes', 'accessories', 'home', 'beauty', 'electronics', 'toys',
              'grocery', 'sports', 'books', 'garden', 'pets'])[prod % 12 + 1] AS category,
            CASE WHEN h_chan % 20 < 10 THEN 'web' WHEN h_chan % 20 < 16 THEN 'store'
                 WHEN h_chan % 20 < 18 THEN 'app' WHEN h_chan % 20 = 18 THEN 'marketplace'
                 ELSE 'phone' END AS channel
        FROM p
        ORDER BY i
    """


def _sql_lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def data_files(rows: int, customers: int, seed: int) -> dict[str, Path]:
    """The Parquet and CSV files for these parameters, generated once and reused."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    stem = f"transactions-{rows}-c{customers}-s{seed}"
    files = {"parquet": DATA_DIR / f"{stem}.parquet", "csv": DATA_DIR / f"{stem}.csv"}
    missing = [fmt for fmt, p in files.items() if not p.exists()]
    if not missing:
        print(f"reusing {', '.join(str(p) for p in files.values())}")
        return files
    print(f"generating {rows:,} rows ({customers:,} customers, seed {seed}) …", flush=True)
    started = time.perf_counter()
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TEMP TABLE gen AS {_generate_sql(rows, customers, seed)}")
        for fmt in missing:
            path = files[fmt]
            tmp = path.with_name(path.name + ".tmp")
            opts = ("FORMAT parquet, COMPRESSION zstd" if fmt == "parquet"
                    else "HEADER, DELIMITER ','")
            con.execute(f"COPY gen TO {_sql_lit(tmp)} ({opts})")
            os.replace(tmp, path)
    finally:
        con.close()
    for fmt, p in files.items():
        print(f"  {fmt:8s} {p}  {p.stat().st_size / 2**20:,.1f} MiB")
    print(f"  generated in {time.perf_counter() - started:.1f} s")
    return files


# ------------------------------------------------------------------------------------------
# the loads: each returns (seconds, rows in the table, details)


def load_rapport(path: Path, folder: Path) -> tuple[float, int, dict[str, Any]]:
    ws = rapport.open(folder / "store.duckdb")
    try:
        started = time.perf_counter()
        result = ws.ingest(path, "transactions", source="bench")
        seconds = time.perf_counter() - started
        extra = {
            "customers_created": result.customers_created,
            "rows_rejected": result.rows_rejected,
            "reported_seconds": result.seconds,
        }
        return seconds, result.rows_loaded, extra
    finally:
        ws.close()


def load_duckdb(path: Path, folder: Path) -> tuple[float, int, dict[str, Any]]:
    con = duckdb.connect(str(folder / "plain.duckdb"))
    try:
        reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
        started = time.perf_counter()
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}({_sql_lit(path)})")
        seconds = time.perf_counter() - started
        row = con.execute("SELECT count(*) FROM t").fetchone()
        return seconds, int(row[0]) if row else 0, {}
    finally:
        con.close()


def load_pandas(path: Path, folder: Path) -> tuple[float, int, dict[str, Any]]:
    con = duckdb.connect(str(folder / "pandas.duckdb"))
    try:
        started = time.perf_counter()
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        con.register("df", df)
        con.execute("CREATE TABLE t AS SELECT * FROM df")
        seconds = time.perf_counter() - started
        con.unregister("df")
        del df
        row = con.execute("SELECT count(*) FROM t").fetchone()
        return seconds, int(row[0]) if row else 0, {}
    finally:
        con.close()


LOADERS: dict[str, Callable[[Path, Path], tuple[float, int, dict[str, Any]]]] = {
    "rapport": load_rapport,
    "duckdb": load_duckdb,
    "pandas": load_pandas,
}


@dataclass
class Measure:
    tool: str
    fmt: str
    seconds: list[float] = field(default_factory=list)
    rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def run_one(tool: str, path: Path) -> tuple[float, int, dict[str, Any], float | None]:
    """One load in a fresh folder; also the share of the machine's CPUs that other processes
    used meanwhile (None where it cannot be told), so a noisy measurement shows."""
    gc.collect()
    with tempfile.TemporaryDirectory(prefix=f"rapport-bench-{tool}-") as tmp:
        busy, own, wall = busy_cpu_seconds(), _own_cpu_seconds(), time.perf_counter()
        seconds, rows, extra = LOADERS[tool](path, Path(tmp))
        busy_after = busy_cpu_seconds()
        own_used = _own_cpu_seconds() - own
        wall = time.perf_counter() - wall
    others = None
    if busy is not None and busy_after is not None:
        others = max(0.0, busy_after - busy - own_used) / (wall * (os.cpu_count() or 1))
    return seconds, rows, extra, others


# ------------------------------------------------------------------------------------------
# profile: where Rapport's time goes


class TimingConnection:
    """Forwards to a DuckDB connection, timing every `execute` / `executemany` by statement.

    With `profile_json` (a path the connection writes DuckDB's JSON profile to), statements
    slower than `detail_after` seconds also keep their heaviest operators.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, profile_json: Path | None = None,
        detail_after: float = 0.25,
    ) -> None:
        self._real = con
        self._profile_json = profile_json
        self._detail_after = detail_after
        self.timings: list[tuple[float, str]] = []
        self.details: dict[int, list[tuple[float, str, int, str]]] = {}

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._real.execute(query, *args, **kwargs)
        finally:
            seconds = time.perf_counter() - started
            self.timings.append((seconds, query))
            if self._profile_json is not None and seconds >= self._detail_after:
                self.details[len(self.timings) - 1] = _operators(self._profile_json)

    def executemany(self, query: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._real.executemany(query, *args, **kwargs)
        finally:
            self.timings.append((time.perf_counter() - started, "[executemany] " + query))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _operators(path: Path) -> list[tuple[float, str, int, str]]:
    """(seconds, operator, rows out, what) for every operator of DuckDB's last JSON profile."""
    try:
        tree = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    out: list[tuple[float, str, int, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type") or node.get("operator_type")
        if kind:
            info = node.get("extra_info") or {}
            what = ""
            if isinstance(info, dict):
                for key in ("Conditions", "Function", "Table", "Join Type", "Aggregates",
                            "Groups", "Projections"):
                    if key in info:
                        what += f"{key}: {info[key]}; "
            timing = node.get("timing", node.get("operator_timing", 0.0))
            rows = node.get("intermediate_rows", node.get("operator_cardinality", 0))
            out.append((float(timing or 0.0), str(kind), int(rows or 0), what.strip("; ")))
        walk(node.get("children", []))
        walk(node.get("operator", []))

    walk(tree)
    return sorted(out, key=lambda x: -x[0])


def _short(query: str, width: int = 150) -> str:
    text = " ".join(query.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def profile_rapport(files: dict[str, Path], top: int, operators: bool) -> None:
    """Load each file once with Rapport, timing every SQL statement it runs (and, with
    `operators`, DuckDB's operator profile of the slow ones), plus cProfile for Python."""
    for fmt in FORMATS:
        with tempfile.TemporaryDirectory(prefix="rapport-bench-profile-") as tmp:
            ws = rapport.open(Path(tmp) / "store.duckdb")
            profile_json = Path(tmp) / "last-query.json" if operators else None
            if profile_json is not None:
                ws._con.execute("SET enable_profiling = 'json'")
                ws._con.execute(f"SET profiling_output = {_sql_lit(profile_json)}")
            timer = TimingConnection(ws._con, profile_json)
            ws._con = timer  # type: ignore[assignment]
            prof = cProfile.Profile()
            try:
                busy, own = busy_cpu_seconds(), _own_cpu_seconds()
                started = time.perf_counter()
                prof.enable()
                result = ws.ingest(files[fmt], "transactions", source="bench")
                prof.disable()
                total = time.perf_counter() - started
                busy_after, own_used = busy_cpu_seconds(), _own_cpu_seconds() - own
            finally:
                ws._con = timer._real
                ws.close()
        in_sql = sum(t for t, _ in timer.timings)
        print(f"\n== profile: Rapport ingest of {fmt} ({result.rows_loaded:,} rows"
              f"{', DuckDB profiling on' if operators else ''}) ==")
        print(f"total {total:.2f} s; in {len(timer.timings)} SQL statements {in_sql:.2f} s; "
              f"outside SQL (Python) {total - in_sql:.2f} s")
        if busy is not None and busy_after is not None:
            others = max(0.0, busy_after - busy - own_used) / (total * (os.cpu_count() or 1))
            print(f"other processes used {100 * others:.0f}% of the CPUs meanwhile"
                  + ("  (NOISY)" if others > NOISY else ""))
        print(f"top {top} statements by time:")
        ranked = sorted(range(len(timer.timings)), key=lambda i: -timer.timings[i][0])
        for i in ranked[:top]:
            seconds, query = timer.timings[i]
            print(f"  {seconds:7.3f} s {100 * seconds / total:5.1f}%  {_short(query)}")
        for i in ranked[:3]:
            ops = timer.details.get(i)
            if not ops:
                continue
            print(f"operators of: {_short(timer.timings[i][1], 90)}  "
                  f"(seconds summed over threads)")
            for seconds, kind, rows, what in ops[:6]:
                print(f"    {seconds:7.3f} s  {kind:22s} {rows:>10,} rows  {_short(what, 110)}")
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(10)
        lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
        start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
        print("top Python functions by own time (cProfile; SQL runs inside `execute`):")
        for ln in lines[start:]:
            print("  " + ln)


# ------------------------------------------------------------------------------------------
# report


def _fmt_rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}"


def print_results(results: dict[tuple[str, str], Measure], rows: int, repeat: int) -> bool:
    print()
    head = f"{'tool':30s} {'format':8s} {'best s':>8s} {'median s':>9s} " \
           f"{'rows/s (best)':>14s} {'rows/s (median)':>16s} {'Rapport/this':>13s}"
    print(head)
    print("-" * len(head))
    for fmt in FORMATS:
        ours = results[("rapport", fmt)]
        for tool in TOOLS:
            m = results[(tool, fmt)]
            ratio = "" if tool == "rapport" else f"{ours.best / m.best:.2f}x"
            print(f"{TOOL_LABELS[tool]:30s} {fmt:8s} {m.best:8.2f} {m.median:9.2f} "
                  f"{_fmt_rate(m.rows, m.best):>14s} {_fmt_rate(m.rows, m.median):>16s} "
                  f"{ratio:>13s}")
    print(f"\n(best and median of {repeat} run(s); Rapport/this = Rapport's best seconds ÷ the "
          f"alternative's best seconds: above 1 means Rapport is slower)")
    for fmt in FORMATS:
        m = results[("rapport", fmt)]
        print(f"Rapport {fmt}: {m.rows:,} rows loaded, "
              f"{m.extra.get('customers_created', 0):,} customers created, "
              f"{m.extra.get('rows_rejected', 0):,} rejected")
        if m.rows != rows:
            print(f"  WARNING: expected {rows:,} rows")
    print("\ngoals (Rapport, best run):")
    all_ok = True
    for fmt in FORMATS:
        rate = rows / results[("rapport", fmt)].best
        ok = rate >= GOALS[fmt]
        all_ok &= ok
        print(f"  {'PASS' if ok else 'MISS'}  {fmt:8s} {rate:>12,.0f} rows/s "
              f"(goal >= {GOALS[fmt]:,.0f} rows/s)")
    return all_ok


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f", {kb / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.machine()}, {os.cpu_count()} CPUs{mem}{load}; Python "
            f"{platform.python_version()}, duckdb {duckdb.__version__}, pandas {pd.__version__}, "
            f"rapport {rapport.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows to generate")
    parser.add_argument("--customers", type=int, default=200_000, help="distinct customers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement")
    parser.add_argument("--only", choices=TOOLS, action="append",
                        help="measure only this tool (repeatable); ratios need all three")
    parser.add_argument("--profile", action="store_true",
                        help="profile Rapport's loads (SQL statements by time) instead")
    parser.add_argument("--top", type=int, default=15, help="statements shown by --profile")
    parser.add_argument("--no-operators", action="store_true",
                        help="with --profile: skip DuckDB's operator profile (less overhead)")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1 or args.customers < 1:
        parser.error("--rows, --customers and --repeat must be positive")
    customers = min(args.customers, args.rows)

    print(machine())
    print(code_version())
    files = data_files(args.rows, customers, args.seed)
    if args.profile:
        profile_rapport(files, args.top, operators=not args.no_operators)
        return 0
    tools = tuple(t for t in TOOLS if not args.only or t in args.only)
    results = {(t, f): Measure(t, f) for t in tools for f in FORMATS}
    noisy_runs = 0
    for rep in range(args.repeat):
        for fmt in FORMATS:
            for tool in tools:
                seconds, rows, extra, others = run_one(tool, files[fmt])
                m = results[(tool, fmt)]
                m.seconds.append(seconds)
                m.rows, m.extra = rows, extra
                noise = ""
                if others is not None:
                    noise = f"  other processes used {100 * others:3.0f}% of the CPUs"
                    if others > NOISY:
                        noise += "  (NOISY)"
                        noisy_runs += 1
                print(f"  run {rep + 1}/{args.repeat}  {TOOL_LABELS[tool]:30s} {fmt:8s} "
                      f"{seconds:7.2f} s  {_fmt_rate(rows, seconds):>12s} rows/s{noise}",
                      flush=True)
    if set(tools) != set(TOOLS):
        print("\n(--only given: no table of ratios)")
        return 0
    print_results(results, args.rows, args.repeat)
    if noisy_runs:
        print(f"\nWARNING: {noisy_runs} run(s) shared the machine with other busy processes "
              f"(> {100 * NOISY:.0f}% of the CPUs); their numbers are noisy.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
