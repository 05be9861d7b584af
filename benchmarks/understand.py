"""Understanding benchmark: how long the understanding stage takes on a demo business of a
given size, part by part, and how well its personas and say-vs-do recover the planted truth.

The demo is generated, loaded and analysed by the behaviour and voice stages first (voice in
fast mode; none of this is timed); then `analyze_understanding` runs on the store and each part
is timed. There is no single tool a user would otherwise run for this synthesis (it joins BTYD
output, text analysis and a knowledge framework), so the figures stand alone: seconds per part,
the adjusted Rand index of the personas against the planted segments, and precision and recall
of each planted say-vs-do contradiction.

    python benchmarks/understand.py --customers 50000
    python benchmarks/understand.py --customers 3000 --json
    python benchmarks/understand.py --store /tmp/web1m/store.duckdb   # rerun on a built store

With `--store` the stage reruns on an existing analysed store (changed in place: pass a
copy), without the planted-truth scores. Peak memory is the process's maximum resident set.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score

import rapport
from rapport.demo import competitor_names, generate_demo
from rapport.understand.analysis import analyze_understanding


def _scores(ws: rapport.Workspace, truth: dict[str, Any]) -> dict[str, Any]:
    ids = dict(ws.sql("SELECT value, customer_id FROM identities WHERE kind = 'external_id'")
               .to_pandas().itertuples(index=False, name=None))
    segment = {ids[c]: s for c, s in truth["customer_segment"].items() if c in ids}
    placed = ws.sql("SELECT customer_id, persona_id FROM customer_personas").to_pandas()
    placed = placed[placed["customer_id"].isin(segment)]
    ari = adjusted_rand_score(placed["customer_id"].map(segment), placed["persona_id"])
    fb = dict(ws.sql("SELECT external_id, feedback_id FROM feedback").to_pandas()
              .itertuples(index=False, name=None))
    found = ws.sql("SELECT type, feedback_id FROM say_do").to_pandas()
    out: dict[str, Any] = {"personas": int(placed["persona_id"].nunique()), "ari": round(ari, 3)}
    for kind in ("promoter_lapsed", "intent_unfulfilled", "detractor_stays"):
        planted = {fb[c["feedback_id"]] for c in truth["contradictions"] if c["type"] == kind}
        got = set(found.loc[found["type"] == kind, "feedback_id"])
        hit = len(planted & got)
        out[kind] = {"precision": round(hit / max(len(got), 1), 3),
                     "recall": round(hit / max(len(planted), 1), 3)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--store", type=Path, help="rerun on this analysed store (a copy)")
    args = parser.parse_args(argv)
    if args.store is not None:
        return _rerun(args.store, args.json)
    with tempfile.TemporaryDirectory(prefix="rapport-understand-") as tmp:
        folder = Path(tmp)
        files = generate_demo(folder / "data", customers=args.customers, seed=args.seed)
        ws = rapport.open(folder / "store.duckdb")
        for kind, path in (("accounts", files.accounts), ("customers", files.customers),
                           ("contacts", files.contacts), ("transactions", files.transactions),
                           ("feedback", files.feedback)):
            ws.ingest(path, kind, source="demo")
        ws.analyze(mode="fast", understand=False, competitors=competitor_names())
        started = time.perf_counter()
        run = analyze_understanding(ws._con)
        seconds = time.perf_counter() - started
        truth = json.loads(Path(files.ground_truth).read_text())
        result = {
            "customers": args.customers, "seed": args.seed,
            "statements": ws.sql("SELECT count(*) FROM statements").column(0)[0].as_py(),
            "accounts": ws.sql("SELECT count(*) FROM accounts").column(0)[0].as_py(),
            "seconds": round(seconds, 1), "steps": run.steps, "rows": run.tables,
            "peak_memory_gb": _peak_gb(), **_scores(ws, truth),
        }
        ws.close()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"understanding stage on {result['customers']:,} customers "
          f"({result['statements']:,} statements, {result['accounts']:,} accounts): "
          f"{result['seconds']} s, peak memory {result['peak_memory_gb']} GB")
    for step, s in result["steps"].items():
        print(f"  {step:<12} {s:7.1f} s")
    print(f"personas: {result['personas']}, ARI against the planted segments {result['ari']}")
    for kind in ("promoter_lapsed", "intent_unfulfilled", "detractor_stays"):
        print(f"  {kind:<20} precision {result[kind]['precision']:.3f} "
              f"recall {result[kind]['recall']:.3f}")
    return 0


def _peak_gb() -> float:
    """The process's maximum resident set so far, in GB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, 2)


def _rerun(store: Path, as_json: bool) -> int:
    """The understanding stage again on an analysed store: seconds per part, peak memory."""
    with rapport.open(store) as ws:
        customers = ws.sql("SELECT count(*) FROM customers").column(0)[0].as_py()
        limit = ws.sql("SELECT current_setting('memory_limit')").column(0)[0].as_py()
        started = time.perf_counter()
        run = analyze_understanding(ws._con)
        seconds = time.perf_counter() - started
    result = {"store": str(store), "customers": customers, "memory_limit": limit,
              "seconds": round(seconds, 1), "steps": run.steps, "rows": run.tables,
              "peak_memory_gb": _peak_gb()}
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"understanding stage on {customers:,} customers ({store}): {result['seconds']} s, "
          f"peak memory {result['peak_memory_gb']} GB (store memory limit {limit})")
    for step, s in run.steps.items():
        print(f"  {step:<12} {s:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
