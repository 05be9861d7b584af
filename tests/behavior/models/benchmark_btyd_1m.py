"""Time BG/NBD + Gamma-Gamma fits and predictions on a million simulated customers.

Run: .venv/bin/python tests/behavior/models/benchmark_btyd_1m.py [n_customers]
(not collected by pytest: the file name does not start with test_).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from rapport.behavior.models import BetaGeoModel, GammaGammaModel, customer_lifetime_value
from rapport.behavior.models.simulate import simulate_bgnbd, simulate_gamma_gamma


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(7)
    days = rng.integers(0, 730, n).astype(np.float64)  # first purchase within two years
    x, recency_days = simulate_bgnbd(2.0, 70.0, 1.0, 10.0, days, rng)  # rates per day
    recency_days = np.floor(recency_days)  # purchases happen on whole days
    T = days / 7.0
    recency = recency_days / 7.0
    spend = simulate_gamma_gamma(x, 6.0, 4.0, 15.0, rng)
    print(f"{n:,} customers, {int(x.sum() + n):,} transactions")

    steps: list[tuple[str, Callable[[], object]]] = [
        ("BG/NBD fit", lambda: BetaGeoModel().fit(x, recency, T)),
        ("Gamma-Gamma fit", lambda: GammaGammaModel().fit(x, spend)),
    ]
    bg = BetaGeoModel().fit(x, recency, T)
    gg = GammaGammaModel().fit(x, spend)
    steps += [
        ("P(alive)", lambda: bg.prob_alive(x, recency, T)),
        ("E[purchases in 52 weeks]", lambda: bg.expected_purchases(52.0, x, recency, T)),
        ("E[spend]", lambda: gg.expected_spend(x, spend)),
        ("CLV, 12 months", lambda: customer_lifetime_value(bg, gg, x, recency, T, spend, 12)),
    ]
    total_wall = total_cpu = 0.0
    print(f"{'step (best of 3)':28s} {'wall':>7s} {'cpu':>7s}")
    for name, step in steps:
        wall = cpu = float("inf")
        for _ in range(3):
            w0, c0 = time.perf_counter(), time.process_time()
            result = step()
            wall = min(wall, time.perf_counter() - w0)
            cpu = min(cpu, time.process_time() - c0)
        if isinstance(result, np.ndarray):
            assert np.all(np.isfinite(result)), name
        total_wall += wall
        total_cpu += cpu
        print(f"{name:28s} {wall:6.2f}s {cpu:6.2f}s")
    print(f"{'total':28s} {total_wall:6.2f}s {total_cpu:6.2f}s")
    print("BG/NBD", {k: round(v, 4) for k, v in bg.params_.items()}, "(true r=2 alpha=10 a=1 b=10)")
    print("Gamma-Gamma", {k: round(v, 4) for k, v in gg.params_.items()}, "(true p=6 q=4 gamma=15)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
