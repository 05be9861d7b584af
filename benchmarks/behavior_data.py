"""The simulated business of the behaviour benchmark: customers drawn from known BG/NBD and
Gamma-Gamma parameters, written once to a Parquet file in benchmarks/data/ and reused."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).resolve().parent / "data"

# The simulated business (time in weeks). First purchases fall uniformly in 2021-2023; the
# data ends at 2026-01-01 00:00 and the analysis looks from 2025-12-31 (that day included),
# so customers are 104 to 261 weeks old: about 9.8 purchases each on average.
TRUE_BGNBD = {"r": 1.0, "alpha": 8.0, "a": 2.0, "b": 20.0}
TRUE_GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 15.0}  # mean spend p·gamma/(q-1) = 30
FIRST_PURCHASES_FROM = datetime(2021, 1, 1)
FIRST_PURCHASES_UNTIL = datetime(2024, 1, 1)
DATA_END = datetime(2026, 1, 1)
OBSERVATION_END = "2025-12-31"
DATA_VERSION = 1  # bump when the generator changes, so old files are not reused
WEEK = 7 * 86_400



def _settings(customers: int, seed: int) -> dict[str, Any]:
    return {
        "customers": customers,
        "seed": seed,
        "bgnbd": TRUE_BGNBD,
        "gamma_gamma": TRUE_GAMMA_GAMMA,
        "first_purchases": [FIRST_PURCHASES_FROM.isoformat(), FIRST_PURCHASES_UNTIL.isoformat()],
        "data_end": DATA_END.isoformat(),
        "version": DATA_VERSION,
    }


def _epoch(value: datetime) -> int:
    return int((value - datetime(1970, 1, 1)).total_seconds())


def generate(customers: int, seed: int) -> pa.Table:
    """Transactions of `customers` customers drawn from BG/NBD and Gamma-Gamma.

    Each customer's first purchase is uniform in [FIRST_PURCHASES_FROM, FIRST_PURCHASES_UNTIL)
    (time of day included); T is the time from it to DATA_END. Purchase rate
    λ ~ Gamma(r, 1/alpha) per week, dropout probability p ~ Beta(a, b): after each repeat
    purchase the customer leaves with probability p, so G ~ Geometric(p) repeat purchases at
    most; N ~ Poisson(λ·T) purchase events fall in the window; the customer makes
    x = min(G, N) repeat purchases, the first x of the N events. The x-th of N uniform
    times on [0, T] is T·Beta(x, N−x+1), and given it, the first x−1 are uniform before it.
    Every purchase (the first included) has a value Gamma(p, 1/nu), nu ~ Gamma(q, 1/gamma)
    per customer, rounded to the cent. Rows are in time order.
    """
    rng = np.random.default_rng(seed)
    n = customers
    start, span = _epoch(FIRST_PURCHASES_FROM), _epoch(FIRST_PURCHASES_UNTIL) - _epoch(
        FIRST_PURCHASES_FROM
    )
    end = _epoch(DATA_END)
    first = start + np.floor(rng.random(n) * span).astype(np.int64)
    t_cal = (end - first) / WEEK
    g = TRUE_BGNBD
    rate = rng.gamma(g["r"], 1.0 / g["alpha"], n)
    p = np.clip(rng.beta(g["a"], g["b"], n), 1e-12, 1.0)
    leave_after = rng.geometric(p).astype(np.float64)
    events = rng.poisson(rate * t_cal).astype(np.float64)
    x = np.minimum(leave_after, events).astype(np.int64)
    last = np.where(
        x > 0,
        t_cal * rng.beta(np.maximum(x, 1), np.maximum(events - x + 1.0, 1.0)),
        0.0,
    )
    # the other x-1 repeat purchases: uniform before the last one
    others = np.maximum(x - 1, 0)
    who_other = np.repeat(np.arange(n), others)
    other_weeks = last[who_other] * rng.random(who_other.size)
    who_last = np.flatnonzero(x > 0)
    who = np.concatenate([np.arange(n), who_last, who_other])
    weeks = np.concatenate([np.zeros(n), last[who_last], other_weeks])
    ts = first[who] + np.floor(weeks * WEEK).astype(np.int64)
    ts = np.minimum(ts, end - 1)
    gg = TRUE_GAMMA_GAMMA
    nu = rng.gamma(gg["q"], 1.0 / gg["gamma"], n)
    amount = np.maximum(np.round(rng.gamma(gg["p"], 1.0 / nu[who]), 2), 0.01)
    order = np.argsort(ts, kind="stable")
    ids = pa.array([f"C{i:07d}" for i in range(n)], type=pa.string())
    return pa.table(
        {
            "customer_id": pc.take(ids, pa.array(who[order])),
            "ts": pa.array(ts[order] * 1_000_000, type=pa.timestamp("us")),
            "amount": pa.array(amount[order], type=pa.float64()),
        }
    )


def data_file(customers: int, seed: int) -> Path:
    """The Parquet file for these settings, generated once and reused."""
    settings = _settings(customers, seed)
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    path = DATA_DIR / f"behavior-c{customers}-s{seed}-{key}.parquet"
    if path.exists():
        rows = pq.ParquetFile(path).metadata.num_rows
        print(f"reusing {path} ({rows:,} rows, {path.stat().st_size / 2**20:,.1f} MiB)")
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    print(f"generating {customers:,} customers (seed {seed}) …", flush=True)
    started = time.perf_counter()
    table = generate(customers, seed)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    print(
        f"  {path}: {table.num_rows:,} rows, {path.stat().st_size / 2**20:,.1f} MiB, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return path
