"""The lifetimes 0.11.3 side of benchmarks/behavior.py.

Runs in its own environment, benchmarks/.venv-lifetimes (made by behavior.py from
benchmarks/requirements.txt), never in Rapport's: it imports neither Rapport nor anything
outside that environment. It does what a lifetimes user does, with lifetimes' own functions
and default settings:

    read Parquet      pandas.read_parquet
    summaries         lifetimes.utils.summary_data_from_transaction_data
                      (purchases on one day merged, recency and T in weeks: freq="D",
                      freq_multiplier=7, monetary value = mean of the repeat purchases)
    BG/NBD fit        BetaGeoFitter().fit(frequency, recency, T)
    Gamma-Gamma fit   GammaGammaFitter().fit(frequency, monetary_value) on the customers
                      with a repeat purchase (lifetimes refuses monetary values of 0)
    P(alive)          conditional_probability_alive
    E[purchases]      conditional_expected_number_of_purchases_up_to_time(horizon_weeks, …)
    CLV               GammaGammaFitter.customer_lifetime_value(bg, …, time=12,
                      discount_rate=0.01, freq="W")

Each step is timed with time.perf_counter. The result (times, fitted parameters, library
versions) is written as JSON to OUT_JSON and the per-customer summaries and predictions, for
the comparison with Rapport, to PRED_PARQUET (after the timing).

    python benchmarks/lifetimes_run.py DATA.parquet 2025-12-31 52.1786 OUT.json PRED.parquet

No fixes to lifetimes are needed with the versions pinned in benchmarks/requirements.txt
(numpy 2.2, pandas 2.2, scipy 1.15, autograd 1.8): `PATCHES` below is where any monkeypatch
would go, and the JSON lists the ones applied (none).
"""

from __future__ import annotations

import json
import platform
import resource
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PATCHES: list[str] = []
"""Monkeypatches applied to lifetimes for the pinned pandas (none are needed)."""


def _timed(steps: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = fn()
    steps[name] = time.perf_counter() - started
    print(f"  lifetimes  {name:<28s} {steps[name]:8.2f} s", flush=True)
    return result


def main(argv: list[str]) -> int:
    data_path, observation_end, horizon_text, out_json, pred_parquet = argv
    horizon_weeks = float(horizon_text)
    # lifetimes and pandas warn about deprecated calls inside lifetimes; they change nothing
    warnings.simplefilter("ignore", category=FutureWarning)
    warnings.simplefilter("ignore", category=DeprecationWarning)

    import_started = time.perf_counter()
    import lifetimes
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    import_seconds = time.perf_counter() - import_started

    steps: dict[str, float] = {}
    tx = _timed(steps, "read Parquet", lambda: pd.read_parquet(data_path))
    summary = _timed(
        steps,
        "summaries",
        lambda: summary_data_from_transaction_data(
            tx,
            "customer_id",
            "ts",
            monetary_value_col="amount",
            observation_period_end=observation_end,
            freq="D",
            freq_multiplier=7,
        ),
    )
    f, r, t_cal = summary["frequency"], summary["recency"], summary["T"]
    m = summary["monetary_value"]
    bg = _timed(steps, "BG/NBD fit", lambda: BetaGeoFitter().fit(f, r, t_cal))

    def fit_gg() -> Any:
        repeat = summary[summary["frequency"] > 0]
        return GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])

    gg = _timed(steps, "Gamma-Gamma fit", fit_gg)
    p_alive = _timed(
        steps, "P(alive)", lambda: bg.conditional_probability_alive(f, r, t_cal)
    )
    expected = _timed(
        steps,
        "E[purchases, 12 months]",
        lambda: bg.conditional_expected_number_of_purchases_up_to_time(
            horizon_weeks, f, r, t_cal
        ),
    )
    clv = _timed(
        steps,
        "CLV, 12 months",
        lambda: gg.customer_lifetime_value(
            bg, f, r, t_cal, m, time=12, discount_rate=0.01, freq="W"
        ),
    )
    total = sum(steps.values())
    print(f"  lifetimes  {'total':<28s} {total:8.2f} s", flush=True)

    predictions = pa.table(
        {
            "customer_id": pa.array(summary.index.astype(str).to_numpy(dtype=object)),
            "frequency": np.asarray(f, dtype=np.float64),
            "recency": np.asarray(r, dtype=np.float64),
            "T": np.asarray(t_cal, dtype=np.float64),
            "monetary_value": np.asarray(m, dtype=np.float64),
            "p_alive": np.asarray(p_alive, dtype=np.float64),
            "expected_purchases": np.asarray(expected, dtype=np.float64),
            "clv": np.asarray(clv, dtype=np.float64),
        }
    )
    pq.write_table(predictions, pred_parquet)
    result = {
        "tool": "lifetimes",
        "steps": steps,
        "total": total,
        "import_seconds": import_seconds,
        "transactions": len(tx),
        "customers": len(summary),
        "params": {
            "bgnbd": {k: float(v) for k, v in bg.params_.items()},
            # lifetimes calls Gamma-Gamma's scale parameter v; Rapport calls it gamma
            "gamma_gamma": {k: float(v) for k, v in gg.params_.items()},
        },
        "patches": PATCHES,
        "versions": {
            "python": platform.python_version(),
            "lifetimes": lifetimes.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": __import__("scipy").__version__,
            "autograd": _version("autograd"),
            "pyarrow": pa.__version__,
        },
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    with open(out_json, "w") as fh:
        json.dump(result, fh, indent=1)
    return 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
