"""Cohort retention on a hand-made shop: cohort sizes, shares per month since the first
purchase, unobservable cells, returns and the calibration end."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import rapport
from rapport.behavior.cohorts import COHORT_COLUMNS, cohort_retention, retention_matrix
from rapport.engines import DuckDBEngine, get_engine

# a, b start in January; c, d in February; e buys only after the end (April)
ROWS = [
    ("a", "2024-01-05", 10.0),
    ("a", "2024-02-03", 5.0),
    ("a", "2024-04-01", 5.0),
    ("b", "2024-01-20", 10.0),
    ("b", "2024-03-02", -3.0),  # a return: not a purchase in March
    ("c", "2024-02-10", 1.0),
    ("c", "2024-03-10", 1.0),
    ("c", "2024-03-11", 1.0),  # twice in March: counted once
    ("d", "2024-02-11", 1.0),
    ("e", "2024-05-01", 3.0),
]


def _arrow() -> pa.Table:
    return pa.table(
        {
            "customer_id": [r[0] for r in ROWS],
            "ts": pa.array([datetime.fromisoformat(r[1]) for r in ROWS], pa.timestamp("us")),
            "amount": [r[2] for r in ROWS],
        }
    )


def test_long_form_has_every_observable_cell() -> None:
    engine = get_engine("duckdb")
    long = engine.execute(cohort_retention(engine.from_arrow(_arrow()), "2024-04-30"))
    assert long.column_names == [name for name, _, _ in COHORT_COLUMNS]
    got = [(r["cohort_month"], r["months_since"], r["customers"]) for r in long.to_pylist()]
    assert got == [
        (date(2024, 1, 1), 0, 2),
        (date(2024, 1, 1), 1, 1),
        (date(2024, 1, 1), 2, 0),
        (date(2024, 1, 1), 3, 1),
        (date(2024, 2, 1), 0, 2),
        (date(2024, 2, 1), 1, 1),
        (date(2024, 2, 1), 2, 0),
    ]
    assert set(long.column("cohort_size").to_pylist()) == {2}


def test_matrix_shares_and_unobserved_cells() -> None:
    engine = get_engine("duckdb")
    matrix = retention_matrix(engine.from_arrow(_arrow()), "2024-04-30")
    assert list(matrix.columns) == [0, 1, 2, 3]
    assert list(matrix.index) == [(date(2024, 1, 1), 2), (date(2024, 2, 1), 2)]
    assert matrix.iloc[0].tolist() == [1.0, 0.5, 0.0, 0.5]
    assert matrix.iloc[1].tolist()[:3] == [1.0, 0.5, 0.0]
    assert math.isnan(matrix.iloc[1, 3])  # May is after the end
    assert matrix.equals(retention_matrix(cohort_retention(_arrow(), "2024-04-30")))


def test_max_months_and_later_end() -> None:
    long = cohort_retention(_arrow(), "2024-06-30", max_months=1).to_pyarrow().to_pandas()
    assert long["months_since"].max() == 1
    sizes = long.drop_duplicates("cohort_month").set_index("cohort_month")["cohort_size"]
    assert sizes.to_dict() == {date(2024, 1, 1): 2, date(2024, 2, 1): 2, date(2024, 5, 1): 1}


def test_cohorts_from_a_store(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=["customer_id", "ts", "amount"])
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False)
    with rapport.open(tmp_path / "store.duckdb") as ws:
        ws.ingest(path, "transactions")
        matrix = retention_matrix(DuckDBEngine(ws), "2024-04-30")
    assert matrix.iloc[0].tolist() == [1.0, 0.5, 0.0, 0.5]


def test_negative_max_months_is_refused() -> None:
    with pytest.raises(rapport.ConfigError, match="max_months"):
        cohort_retention(_arrow(), "2024-04-30", max_months=-1)
