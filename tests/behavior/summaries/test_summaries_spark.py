"""The same summary, RFM and cohort expressions give identical results on Spark and DuckDB:
all 23,570 CDNOW customers and a generated shop with times, orders, categories and returns."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import rapport
from conftest import DATASETS
from rapport.behavior.cohorts import cohort_retention
from rapport.behavior.summaries import SUMMARY_COLUMNS, btyd_inputs, customer_summary
from rapport.engines import DuckDBEngine, Engine

# `make test` installs pyspark (the dev extra); Spark needs Java 17 on the machine
assert shutil.which("java") is not None, "Spark needs Java 17: install a JDK (java on PATH)"

GENERATED_SHOP = """
SELECT 'g' || CAST(i % 700 AS VARCHAR) AS customer_id,
       TIMESTAMP '2023-01-01 00:00:00' + to_seconds(CAST(hash(i) % (500 * 86400) AS BIGINT)
           // CASE WHEN i % 5 = 0 THEN 86400 ELSE 1 END * CASE WHEN i % 5 = 0 THEN 86400 ELSE 1 END)
           AS ts,
       CASE WHEN i % 23 = 0 THEN -round((hash(i * 3) % 5000) / 100.0, 2)
            ELSE round((hash(i * 7) % 20000) / 100.0, 2) END AS amount,
       CASE WHEN i % 11 = 0 THEN NULL ELSE CAST(1 + hash(i * 5) % 4 AS DOUBLE) END AS quantity,
       'p' || CAST(hash(i * 13) % 40 AS VARCHAR) AS product,
       CASE WHEN i % 17 = 0 THEN NULL ELSE 'cat' || CAST(hash(i * 17) % 6 AS VARCHAR) END
           AS category,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'o' || CAST(i // 2 AS VARCHAR) END AS order_id
FROM range(6000) r(i)
"""


@pytest.fixture(scope="session")
def spark() -> Iterator[Engine]:
    from rapport.engines import SparkEngine

    # a local[2] session bound to 127.0.0.1, started on first use; each query runs once
    # here, so Spark's code generation costs more than it saves
    engine = SparkEngine(conf={"spark.sql.codegen.wholeStage": "false"})
    yield engine
    engine.close()


def _export(ws: rapport.Workspace, path: Path) -> Path:
    ws._con.execute(
        "COPY (SELECT customer_id, ts, amount, quantity, product, category, order_id "
        f"FROM transactions) TO '{path}' (FORMAT parquet)"
    ).fetchall()
    return path


def _same(duck: pa.Table, spark: pa.Table, key: list[str]) -> None:
    assert duck.schema == spark.schema
    assert duck.num_rows == spark.num_rows
    a = duck.sort_by([(k, "ascending") for k in key])
    b = spark.sort_by([(k, "ascending") for k in key])
    for name in duck.column_names:
        x, y = a.column(name), b.column(name)
        if pa.types.is_floating(x.type):
            xs = x.to_numpy(zero_copy_only=False).astype(float)
            ys = y.to_numpy(zero_copy_only=False).astype(float)
            assert np.array_equal(np.isnan(xs), np.isnan(ys)), name
            ok = ~np.isnan(xs)
            np.testing.assert_allclose(ys[ok], xs[ok], rtol=1e-9, atol=0, err_msg=name)
        else:
            assert x.to_pylist() == y.to_pylist(), name


def test_spark_gives_the_same_results_as_duckdb(spark: Engine, tmp_path: Path) -> None:
    started = time.perf_counter()
    cases: list[tuple[str, Any, dict[str, Any]]] = [
        ("CDNOW", DATASETS / "cdnow" / "CDNOW_master.txt", {"observation_end": "1997-09-30"}),
        ("generated shop", GENERATED_SHOP, {"observation_end": "2024-03-31T12:00"}),
    ]
    for label, data, options in cases:
        with rapport.open(tmp_path / f"{label}.duckdb") as ws:
            if isinstance(data, Path):
                ws.ingest(data, "transactions")
            else:
                ws.ingest(ws._con.sql(data).to_arrow_table(), "transactions")
            duck = DuckDBEngine(ws)
            expected = duck.execute(customer_summary(duck, time_unit="weeks", **options))
            cohorts = duck.execute(cohort_retention(duck, options["observation_end"]))
            lean = {  # the BTYD inputs alone, with periods of a day (dates) and of a week
                period: duck.execute(btyd_inputs(duck, time_unit="weeks", period=period, **options))
                for period in ("day", "week")
            }
            parquet = _export(ws, tmp_path / f"{label}.parquet")
        table = spark.from_parquet(parquet)
        for period, inputs in lean.items():
            got_inputs = spark.execute(
                btyd_inputs(table, time_unit="weeks", period=period, **options)
            )
            _same(inputs, got_inputs, ["customer_id"])
        got = spark.execute(customer_summary(table, time_unit="weeks", **options))
        assert got.column_names == [name for name, _, _ in SUMMARY_COLUMNS]
        _same(expected, got, ["customer_id"])
        _same(
            cohorts,
            spark.execute(cohort_retention(table, options["observation_end"])),
            ["cohort_month", "months_since"],
        )
        if label == "CDNOW":
            assert expected.num_rows == 23_570
        else:  # the generated shop exercises every column
            frame = expected.to_pandas()
            assert frame["preferred_hour"].notna().any()
            assert frame["favourite_category"].notna().all()
            assert (frame["n_returns"] > 0).any()
            assert (frame["n_orders"] < frame["n_transactions"]).any()
    assert time.perf_counter() - started < 180
