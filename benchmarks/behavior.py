"""Behaviour benchmark: Rapport's behaviour stage against lifetimes 0.11.3, side by side.

Generates customers from known BG/NBD and Gamma-Gamma parameters (numpy, seeded) as a
transactions file (Parquet: customer_id string, ts timestamp, amount double) in
`benchmarks/data/`, kept for the next run with the same settings. Then runs, each in its own
subprocess so that its wall time and peak memory (ru_maxrss from wait4) are its own:

- **Rapport, like for like**: Parquet → `btyd_inputs` on DuckDB (in memory: frequency,
  recency, T and monetary value, the same definitions as `customer_summary`) →
  `BetaGeoModel` and `GammaGammaModel` fits →
  P(alive), expected purchases over 12 months and 12-month CLV for every customer;
- **lifetimes 0.11.3**, in its own environment `benchmarks/.venv-lifetimes` (created on first
  use from `benchmarks/requirements.txt`; see `benchmarks/lifetimes_run.py`): the same steps
  with `summary_data_from_transaction_data`, `BetaGeoFitter`, `GammaGammaFitter` and
  `customer_lifetime_value`;
- **Rapport, the store**: `ws.ingest(parquet, "transactions")` into a new store, then
  `ws.analyze()` (summaries with habits, BTYD fits, CLV, loyalty ladder, cohorts →
  `customer_behavior`): timed separately; the comparison with lifetimes uses the like-for-like
  pipeline above.

It prints the time of every step, the totals and their ratio, peak memory, both sets of fitted
parameters and their largest relative difference, how far the per-customer summaries and
predictions of the two agree, and PASS/MISS for the goals: Rapport <= 10 s end to end,
>= 30x faster than lifetimes, parameters within 0.1% of each other. "End to end" is the sum of
the steps, from reading the Parquet file to the last prediction; starting Python and importing
the libraries is shown apart. For each run it also says how much of the machine's CPU other
processes used meanwhile (Linux /proc/stat).

    python benchmarks/behavior.py                     # 1,000,000 customers, about 10M rows
    python benchmarks/behavior.py --quick             # 100,000 customers
    python benchmarks/behavior.py --customers 300000 --repeat 3
    python benchmarks/behavior.py --only rapport --profile   # where Rapport's time goes
    python benchmarks/behavior.py --models-only       # the BTYD models alone, best of 3

The script exits 0 whether or not the goals are met (1 on an error).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from _common import busy_cpu_seconds, code_version
from behavior_data import (
    OBSERVATION_END,
    TRUE_BGNBD,
    TRUE_GAMMA_GAMMA,
    data_file,
)

BENCH_DIR = Path(__file__).resolve().parent
LIFETIMES_VENV = BENCH_DIR / ".venv-lifetimes"
REQUIREMENTS = BENCH_DIR / "requirements.txt"
LIFETIMES_RUN = BENCH_DIR / "lifetimes_run.py"

HORIZON_MONTHS = 12
HORIZON_WEEKS = HORIZON_MONTHS * 365.25 / 12 / 7  # 52.18: a month is 365.25/12 days
DISCOUNT_RATE = 0.01  # per month

GOAL_SECONDS = 10.0
GOAL_SPEEDUP = 30.0
GOAL_PARAMS = 0.001
NOISY = 0.10  # other processes using more than this share of the CPUs make a run noisy

FloatArray = npt.NDArray[np.float64]

# ------------------------------------------------------------------------------------------
# the lifetimes environment


def lifetimes_python() -> Path:
    """benchmarks/.venv-lifetimes/bin/python, creating or updating the environment when
    requirements.txt changed since it was made."""
    python = LIFETIMES_VENV / "bin" / "python"
    stamp = LIFETIMES_VENV / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    print(f"creating {LIFETIMES_VENV} from {REQUIREMENTS.name} (once) …", flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(LIFETIMES_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(REQUIREMENTS)],
        check=True,
    )
    stamp.write_text(digest + "\n")
    return python


# ------------------------------------------------------------------------------------------
# running a side in a subprocess


@dataclass
class Run:
    """One subprocess: what it reported, and what the parent measured of it."""

    result: dict[str, Any]
    wall: float  # the whole process, Python start and imports included
    maxrss_mib: float
    others: float | None  # share of the CPUs other processes used meanwhile

    @property
    def total(self) -> float:
        return float(self.result["total"])

    @property
    def noisy(self) -> bool:
        return self.others is not None and self.others > NOISY


def run_side(command: list[str], out_json: Path) -> Run:
    """Run `command`, which writes its result to out_json; time it and read its peak RSS."""
    busy = busy_cpu_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=BENCH_DIR.parent)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    busy_after = busy_cpu_seconds()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} … failed with exit code {proc.returncode}")
    others = None
    if busy is not None and busy_after is not None:
        own = usage.ru_utime + usage.ru_stime
        others = max(0.0, busy_after - busy - own) / (wall * (os.cpu_count() or 1))
    result = json.loads(out_json.read_text())
    return Run(result=result, wall=wall, maxrss_mib=usage.ru_maxrss / 1024, others=others)


# ------------------------------------------------------------------------------------------
# the Rapport workers (run in subprocesses of this script)


def _timed(steps: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = fn()
    steps[name] = time.perf_counter() - started
    print(f"  rapport    {name:<28s} {steps[name]:8.2f} s", flush=True)
    return result


def worker_rapport(data: Path, out_json: Path, pred: Path, profile: bool) -> None:
    """The like-for-like pipeline: Parquet → summaries → fits → predictions."""
    import_started = time.perf_counter()
    from rapport.behavior.models import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    from rapport.behavior.summaries import btyd_inputs
    from rapport.engines import get_engine

    import_seconds = time.perf_counter() - import_started
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    steps: dict[str, float] = {}

    eng = get_engine("duckdb")
    duckdb_profile = out_json.with_suffix(".duckdb-profile.json") if profile else None
    if duckdb_profile:
        con = eng.backend.con
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{duckdb_profile}'")

    def summaries() -> pa.Table:
        table = eng.from_parquet(data)
        return eng.execute(btyd_inputs(table, OBSERVATION_END, "weeks"))

    summary = _timed(steps, "read Parquet + summaries", summaries)
    if duckdb_profile:
        eng.backend.con.execute("PRAGMA disable_profiling")
        print_duckdb_profile(duckdb_profile)

    def arrays() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        x, t_x, t_cal, m = (
            summary[c].to_numpy().astype(np.float64)
            for c in ("frequency", "recency", "T", "monetary_value")
        )
        return x, t_x, t_cal, m

    x, t_x, t_cal, m = _timed(steps, "to NumPy", arrays)
    bg = _timed(steps, "BG/NBD fit", lambda: BetaGeoModel(time_unit="weeks").fit(x, t_x, t_cal))
    gg = _timed(steps, "Gamma-Gamma fit", lambda: GammaGammaModel().fit(x, m))
    p_alive = _timed(steps, "P(alive)", lambda: bg.prob_alive(x, t_x, t_cal))
    expected = _timed(
        steps, "E[purchases, 12 months]",
        lambda: bg.expected_purchases(HORIZON_WEEKS, x, t_x, t_cal),
    )
    clv = _timed(
        steps, "CLV, 12 months",
        lambda: customer_lifetime_value(
            bg, gg, x, t_x, t_cal, m, horizon=HORIZON_MONTHS, horizon_unit="months",
            discount_rate=DISCOUNT_RATE, discount_unit="months",
        ),
    )
    total = sum(steps.values())
    print(f"  rapport    {'total':<28s} {total:8.2f} s", flush=True)
    if profiler:
        profiler.disable()
        print("\nwhere Rapport's time goes (cProfile, cumulative, top 30):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    pq.write_table(
        pa.table({
            "customer_id": summary["customer_id"], "frequency": x, "recency": t_x, "T": t_cal,
            "monetary_value": m, "p_alive": p_alive, "expected_purchases": expected,
            "clv": clv,
        }),
        pred,
    )
    import duckdb

    result = {
        "tool": "rapport",
        "steps": steps,
        "total": total,
        "import_seconds": import_seconds,
        "customers": summary.num_rows,
        "params": {"bgnbd": dict(bg.params_), "gamma_gamma": dict(gg.params_)},
        "converged": {"bgnbd": bool(bg.converged_), "gamma_gamma": bool(gg.converged_)},
        "iterations": {"bgnbd": int(bg.n_iter_), "gamma_gamma": int(gg.n_iter_)},
        "versions": {"python": platform.python_version(), "duckdb": duckdb.__version__,
                     "numpy": np.__version__, "scipy": _version("scipy"),
                     "ibis": _version("ibis-framework"), "pyarrow": pa.__version__},
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    out_json.write_text(json.dumps(result, indent=1))


def print_duckdb_profile(path: Path, top: int = 15) -> None:
    """The heaviest operators of the last query DuckDB profiled into `path` (JSON)."""
    try:
        profile = json.loads(path.read_text())
    except (OSError, ValueError):
        print(f"  (no DuckDB profile in {path})")
        return
    rows: list[tuple[float, str, str, str]] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        info = node.get("extra_info") or {}
        what = info.get("Groups") or info.get("CTE Name") or info.get("Join Type") or (
            info.get("Function") or "")
        timing = float(node.get("timing", node.get("operator_timing", 0.0)) or 0.0)
        kind = str(node.get("type") or node.get("operator_type") or node.get("name") or "?")
        rows.append((timing, "  " * depth + kind, str(what)[:60],
                     str(info.get("Estimated Cardinality", ""))))
        for child in node.get("children", []):
            walk(child, depth + 1)

    for node in profile.get("operator", profile.get("children", [])):
        walk(node, 0)
    query = profile.get("query", {})
    cpu = query.get("cpu_time", profile.get("cpu_time"))
    print(f"\nthe summaries query in DuckDB: operator CPU seconds (summed over threads), "
          f"heaviest {top}; query CPU {cpu if cpu is None else f'{cpu:.2f}'} s")
    for timing, kind, what, rows_est in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"  {timing:7.2f} s  {kind.strip():<16s} est. rows {rows_est:>9s}  {what}")


def worker_store(data: Path, out_json: Path, profile: bool) -> None:
    """The store: ingest the Parquet file into a new store, then analyze."""
    import_started = time.perf_counter()
    import rapport

    import_seconds = time.perf_counter() - import_started
    profiler = cProfile.Profile() if profile else None
    steps: dict[str, float] = {}
    analyze_stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="rapport-bench-behavior-") as tmp:
        ws = rapport.open(Path(tmp) / "store.duckdb")
        try:
            ingest = _timed(steps, "ws.ingest", lambda: ws.ingest(data, "transactions",
                                                                  source="bench"))
            marks: list[tuple[str, float]] = []

            def progress(stage: str) -> None:
                marks.append((stage, time.perf_counter()))

            if profiler:
                profiler.enable()
            report = _timed(steps, "ws.analyze", lambda: ws.analyze(as_of=OBSERVATION_END,
                                                                    progress=progress))
            ended = time.perf_counter()
            if profiler:
                profiler.disable()
            # analyze's own stages, from its progress calls, the last one ending with analyze
            for (stage, at), (nxt, then) in zip(marks, [*marks[1:], ("", ended)], strict=True):
                stage = stage if nxt else f"{stage} to the end"
                analyze_stages[stage] = then - at
                print(f"  rapport      analyze: {stage:<18s} {then - at:8.2f} s", flush=True)
            rows = ws.sql("SELECT count(*) AS n FROM customer_behavior").to_pylist()[0]["n"]
        finally:
            ws.close()
    if profiler:
        print("\nwhere ws.analyze's time goes (cProfile, cumulative, top 40):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    behavior = report["behavior"]
    models = behavior["models"]
    result = {
        "tool": "rapport-store",
        "steps": steps,
        "total": sum(steps.values()),
        "analyze_stages": analyze_stages,
        "import_seconds": import_seconds,
        "rows_loaded": int(getattr(ingest, "rows_loaded", -1)),
        "customer_behavior_rows": int(rows),
        "params": {name: _record_params(models.get(name, {}))
                   for name in ("bgnbd", "gamma_gamma")},
        "stages": behavior.get("stages", {}),
        "notes": behavior.get("notes", []),
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    out_json.write_text(json.dumps(result, indent=1, default=str))


def _record_params(record: dict[str, Any]) -> dict[str, float]:
    """The fitted parameters in a `behavior_models` record (a model's to_json)."""
    params = (record.get("fitted") or {}).get("params_") or record.get("params") or {}
    return {k: float(v) for k, v in params.items()}


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def models_only(n: int, repeat: int = 3) -> None:
    """The models alone, in this process, on simulated summaries (no transactions): each
    step's best wall and CPU time of `repeat` runs. The data of the former
    tests/behavior/models/benchmark_btyd_1m.py: first purchases on whole days over two years,
    BG/NBD r=2, alpha=70 days (10 weeks), a=1, b=10; Gamma-Gamma p=6, q=4, gamma=15; seed 7."""
    from rapport.behavior.models import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    from rapport.behavior.models.simulate import simulate_bgnbd, simulate_gamma_gamma

    rng = np.random.default_rng(7)
    days = rng.integers(0, 730, n).astype(np.float64)  # first purchase within two years
    x, recency_days = simulate_bgnbd(2.0, 70.0, 1.0, 10.0, days, rng)  # rates per day
    recency_days = np.floor(recency_days)  # purchases happen on whole days
    t_cal = days / 7.0
    recency = recency_days / 7.0
    spend = simulate_gamma_gamma(x, 6.0, 4.0, 15.0, rng)
    print(f"models only: {n:,} simulated customers, {int(x.sum() + n):,} transactions, "
          f"best of {repeat}")
    bg = BetaGeoModel().fit(x, recency, t_cal)
    gg = GammaGammaModel().fit(x, spend)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("BG/NBD fit", lambda: BetaGeoModel().fit(x, recency, t_cal)),
        ("Gamma-Gamma fit", lambda: GammaGammaModel().fit(x, spend)),
        ("P(alive)", lambda: bg.prob_alive(x, recency, t_cal)),
        ("E[purchases in 52 weeks]", lambda: bg.expected_purchases(52.0, x, recency, t_cal)),
        ("E[spend]", lambda: gg.expected_spend(x, spend)),
        ("CLV, 12 months", lambda: customer_lifetime_value(bg, gg, x, recency, t_cal, spend, 12)),
    ]
    total_wall = total_cpu = 0.0
    print(f"  {'step':28s} {'wall':>7s} {'cpu':>7s}")
    for name, step in steps:
        wall = cpu = float("inf")
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            result = step()
            wall = min(wall, time.perf_counter() - w0)
            cpu = min(cpu, time.process_time() - c0)
        if isinstance(result, np.ndarray) and not np.all(np.isfinite(result)):
            raise SystemExit(f"{name}: non-finite results")
        total_wall += wall
        total_cpu += cpu
        print(f"  {name:28s} {wall:6.2f}s {cpu:6.2f}s")
    print(f"  {'total':28s} {total_wall:6.2f}s {total_cpu:6.2f}s")
    print("  BG/NBD", {k: round(v, 4) for k, v in bg.params_.items()},
          "(true r=2 alpha=10 a=1 b=10, weeks)")
    print("  Gamma-Gamma", {k: round(v, 4) for k, v in gg.params_.items()},
          "(true p=6 q=4 gamma=15)")


# ------------------------------------------------------------------------------------------
# comparing the two


PARAM_NAMES = {"bgnbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "gamma")}
LIFETIMES_NAME = {"gamma": "v"}  # lifetimes' names where they differ


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else abs(a - b)


def param_rows(rapport_params: dict[str, Any], lifetimes_params: dict[str, Any]
               ) -> list[tuple[str, str, float, float, float, float]]:
    """(model, name, true, Rapport, lifetimes, |Rapport − lifetimes| / |lifetimes|)."""
    rows = []
    for model, names in PARAM_NAMES.items():
        true = TRUE_BGNBD if model == "bgnbd" else TRUE_GAMMA_GAMMA
        for name in names:
            mine = float(rapport_params[model][name])
            theirs = float(lifetimes_params[model][LIFETIMES_NAME.get(name, name)])
            rows.append((model, name, true[name], mine, theirs, _rel(mine, theirs)))
    return rows


def compare_customers(rapport_pred: Path, lifetimes_pred: Path) -> dict[str, Any]:
    """How far the per-customer summaries and predictions of the two agree."""
    mine = pq.read_table(rapport_pred).sort_by("customer_id")
    theirs = pq.read_table(lifetimes_pred).sort_by("customer_id")
    out: dict[str, Any] = {"customers": (mine.num_rows, theirs.num_rows)}
    if mine.num_rows != theirs.num_rows or not mine["customer_id"].equals(
        theirs["customer_id"]
    ):
        out["same_customers"] = False
        return out
    out["same_customers"] = True
    for col in ("frequency", "recency", "T", "monetary_value", "p_alive",
                "expected_purchases", "clv"):
        a = mine[col].to_numpy()
        b = theirs[col].to_numpy()
        diff = np.abs(a - b)
        rel = diff / np.maximum(np.abs(b), 1e-12)
        out[col] = {
            "max_abs": float(diff.max()),
            "max_rel": float(rel[np.abs(b) > 1e-9].max()) if (np.abs(b) > 1e-9).any() else 0.0,
            "median_rel": float(np.median(rel)),
            "differ": int((diff > 1e-9 * np.maximum(np.abs(b), 1.0)).sum()),
        }
    return out


# ------------------------------------------------------------------------------------------
# the report


def _mib(value: float) -> str:
    return f"{value:,.0f} MiB"


def _others(run: Run) -> str:
    if run.others is None:
        return "?"
    return f"{run.others:.0%}" + (" NOISY" if run.noisy else "")


STEP_ORDER = (
    "read Parquet", "summaries", "read Parquet + summaries", "to NumPy", "BG/NBD fit",
    "Gamma-Gamma fit", "P(alive)", "E[purchases, 12 months]", "CLV, 12 months",
)


def _steps(run: Run) -> dict[str, float]:
    """The steps of a run, with lifetimes' read and summaries also added up, to set beside
    Rapport's one query that does both."""
    steps = dict(run.result["steps"])
    if "read Parquet" in steps and "summaries" in steps:
        steps["read Parquet + summaries"] = steps["read Parquet"] + steps["summaries"]
    return steps


def _best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.total)


def report(
    rapport_runs: list[Run], lifetimes_runs: list[Run], store_runs: list[Run],
    agreement: dict[str, Any] | None, data: Path,
) -> dict[str, Any]:
    summary: dict[str, Any] = {"data": str(data)}
    print()
    sides = [("Rapport", rapport_runs), ("lifetimes 0.11.3", lifetimes_runs)]
    sides = [(name, runs) for name, runs in sides if runs]
    if sides:
        print("like-for-like pipeline, seconds (best run by total; all runs' totals below)")
        names = [s for s in STEP_ORDER if any(s in _steps(_best(r)) for _, r in sides)]
        for _, runs in sides:
            names += [s for s in _steps(_best(runs)) if s not in names]
        header = f"  {'step':<30s}" + "".join(f"{name:>18s}" for name, _ in sides)
        print(header)
        for step in names:
            cells = []
            for _, runs in sides:
                value = _steps(_best(runs)).get(step)
                cells.append(f"{value:18.2f}" if value is not None else f"{'–':>18s}")
            print(f"  {step:<30s}" + "".join(cells))
        print(f"  {'total (end to end)':<30s}"
              + "".join(f"{_best(runs).total:18.2f}" for _, runs in sides))
        print(f"  {'process wall incl. imports':<30s}"
              + "".join(f"{_best(runs).wall:18.2f}" for _, runs in sides))
        print(f"  {'peak memory (max RSS)':<30s}"
              + "".join(f"{_mib(max(r.maxrss_mib for r in runs)):>18s}" for _, runs in sides))
        print(f"  {'others used of the CPUs':<30s}"
              + "".join(f"{_others(_best(runs)):>18s}" for _, runs in sides))
        for name, runs in sides:
            result = _best(runs).result
            versions = ", ".join(f"{k} {v}" for k, v in result.get("versions", {}).items())
            print(f"  {name}: {versions}")
            if "patches" in result:
                print(f"  {name}: patches applied to lifetimes: "
                      f"{', '.join(result['patches']) or 'none'}")
        for name, runs in sides:
            totals = [r.total for r in runs]
            print(f"  {name}: totals {', '.join(f'{t:.2f}' for t in totals)} s"
                  f" (median {statistics.median(totals):.2f} s); other processes used "
                  f"{', '.join(_others(r) for r in runs)} of the CPUs")
        summary["rapport"] = [r.result | {"wall": r.wall, "maxrss_mib": r.maxrss_mib,
                                          "others": r.others} for r in rapport_runs]
        summary["lifetimes"] = [r.result | {"wall": r.wall, "maxrss_mib": r.maxrss_mib,
                                            "others": r.others} for r in lifetimes_runs]
    if store_runs:
        best = _best(store_runs)
        print("\nRapport store: ws.ingest then ws.analyze (not part of the comparison)")
        for step, seconds in best.result["steps"].items():
            print(f"  {step:<30s}{seconds:18.2f}")
            if step == "ws.analyze":
                for stage, part in best.result.get("analyze_stages", {}).items():
                    print(f"    {stage:<28s}{part:18.2f}")
        print(f"  {'total':<30s}{best.total:18.2f}")
        print(f"  {'peak memory (max RSS)':<30s}{_mib(best.maxrss_mib):>18s}")
        print(f"  {'others used of the CPUs':<30s}{_others(best):>18s}")
        print(f"  rows loaded {best.result['rows_loaded']:,}, customer_behavior rows "
              f"{best.result['customer_behavior_rows']:,}")
        print(f"  BG/NBD {best.result['params']['bgnbd']}")
        print(f"  Gamma-Gamma {best.result['params']['gamma_gamma']}")
        summary["store"] = [r.result | {"wall": r.wall, "maxrss_mib": r.maxrss_mib,
                                        "others": r.others} for r in store_runs]

    goals: list[tuple[str, str, bool]] = []
    if rapport_runs:
        mine = _best(rapport_runs)
        goals.append((f"Rapport end to end <= {GOAL_SECONDS:g} s", f"{mine.total:.2f} s",
                      mine.total <= GOAL_SECONDS))
    if rapport_runs and lifetimes_runs:
        mine, theirs = _best(rapport_runs), _best(lifetimes_runs)
        ratio = theirs.total / mine.total
        print(f"\nlifetimes ÷ Rapport (end to end): {ratio:.1f}x; process walls: "
              f"{theirs.wall / mine.wall:.1f}x; peak memory: "
              f"{theirs.maxrss_mib / mine.maxrss_mib:.1f}x")
        goals.append((f">= {GOAL_SPEEDUP:g}x faster than lifetimes", f"{ratio:.1f}x",
                      ratio >= GOAL_SPEEDUP))
        rows = param_rows(mine.result["params"], theirs.result["params"])
        print("\nfitted parameters (weeks)")
        print(f"  {'model':<12s}{'param':<7s}{'true':>8s}{'Rapport':>14s}{'lifetimes':>14s}"
              f"{'rel. diff':>12s}")
        for model, name, true, a, b, rel in rows:
            print(f"  {model:<12s}{name:<7s}{true:8.3f}{a:14.6f}{b:14.6f}{rel:12.2e}")
        worst = max(rows, key=lambda row: row[5])
        print(f"  largest relative difference: {worst[5]:.2e} ({worst[0]} {worst[1]})")
        goals.append((f"parameters within {GOAL_PARAMS:.1%}",
                      f"{worst[5]:.2e} ({worst[0]} {worst[1]})", worst[5] <= GOAL_PARAMS))
        summary["params"] = rows
        summary["ratio"] = ratio
    if agreement:
        print("\nper customer, Rapport against lifetimes")
        print(f"  customers: {agreement['customers'][0]:,} and {agreement['customers'][1]:,}"
              f"{'' if agreement['same_customers'] else ' (NOT the same customers)'}")
        for col, stats in agreement.items():
            if isinstance(stats, dict):
                print(f"  {col:<20s} max abs diff {stats['max_abs']:10.3g}  max rel "
                      f"{stats['max_rel']:9.2e}  median rel {stats['median_rel']:9.2e}  "
                      f"customers differing {stats['differ']:,}")
        summary["agreement"] = agreement
    if goals:
        print("\ngoals")
        for goal, measured, ok in goals:
            print(f"  {'PASS' if ok else 'MISS'}  {goal:<36s} {measured}")
        summary["goals"] = goals
    return summary


# ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side")
    parser.add_argument("--only", choices=("rapport", "lifetimes", "store"), action="append",
                        help="run only this side (may repeat); default: all three")
    parser.add_argument("--profile", action="store_true",
                        help="where Rapport's time goes: cProfile of the pipeline and of "
                             "ws.analyze, DuckDB's operator profile of the summaries query")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--models-only", action="store_true",
                        help="time the BTYD models alone on simulated summaries, in process "
                             "(best of --repeat, default 3); no transactions, no lifetimes")
    parser.add_argument("--worker", choices=("rapport", "store"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pred", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "rapport":
        worker_rapport(args.data, args.out, args.pred, args.profile)
        return 0
    if args.worker == "store":
        worker_store(args.data, args.out, args.profile)
        return 0

    customers = 100_000 if args.quick else args.customers
    if args.models_only:
        models_only(customers, args.repeat if args.repeat > 1 else 3)
        return 0
    only = set(args.only or ("rapport", "lifetimes", "store"))
    print(f"behaviour benchmark: {customers:,} customers, seed {args.seed}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
          f"(1 min), {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(f"{code_version()}; Python {platform.python_version()}")
    data = data_file(customers, args.seed)
    python_lt = lifetimes_python() if "lifetimes" in only else None

    rapport_runs: list[Run] = []
    lifetimes_runs: list[Run] = []
    store_runs: list[Run] = []
    agreement = None
    with tempfile.TemporaryDirectory(prefix="rapport-bench-behavior-") as tmp:
        folder = Path(tmp)
        for i in range(args.repeat):
            print(f"\nrun {i + 1} of {args.repeat}", flush=True)
            if "rapport" in only:
                out, pred = folder / f"rapport-{i}.json", folder / "rapport.parquet"
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "rapport",
                       "--data", str(data), "--out", str(out), "--pred", str(pred)]
                rapport_runs.append(run_side(cmd + (["--profile"] if args.profile else []),
                                             out))
            if python_lt is not None:
                out, pred = folder / f"lifetimes-{i}.json", folder / "lifetimes.parquet"
                cmd = [str(python_lt), str(LIFETIMES_RUN), str(data), OBSERVATION_END,
                       repr(HORIZON_WEEKS), str(out), str(pred)]
                lifetimes_runs.append(run_side(cmd, out))
            if "store" in only:
                out = folder / f"store-{i}.json"
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "store",
                       "--data", str(data), "--out", str(out)]
                store_runs.append(run_side(cmd + (["--profile"] if args.profile else []),
                                           out))
        if rapport_runs and lifetimes_runs:
            agreement = compare_customers(folder / "rapport.parquet",
                                          folder / "lifetimes.parquet")
    summary = report(rapport_runs, lifetimes_runs, store_runs, agreement, data)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
