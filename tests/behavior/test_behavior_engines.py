"""The behaviour stage on Spark gives the same customer_behavior as on DuckDB; the holdout
validation on CDNOW counts the real holdout purchases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import rapport
from conftest import DATASETS
from rapport.errors import ConfigError

SAMPLE = ["customer_id=column1", "ts=column3", "quantity=column4", "amount=column5"]


def test_validate_on_cdnow_holdout(tmp_path: Path) -> None:
    with rapport.open(tmp_path / "c.duckdb") as ws:
        ws.ingest(DATASETS / "cdnow" / "CDNOW_sample.txt", "transactions", mapping=SAMPLE)
        data = ws.validate("1997-09-30")
        assert data["customers"] == 2357
        assert data["holdout_length"] == pytest.approx(39.0, abs=0.01)
        rows = {r["frequency"]: r for r in data["report"]}
        assert rows["all"]["customers"] == 2357
        # 1,882 repeat purchase days fall in weeks 40-78 of the sample
        assert rows["all"]["actual"] * 2357 == pytest.approx(1882, abs=0.5)
        assert 0.8 < rows["all"]["ratio"] < 1.0
        assert data["params"]["r"] == pytest.approx(0.243, rel=0.005)
        with pytest.raises(ConfigError, match="holdout must end after the calibration"):
            ws.validate("1998-06-30", "1998-01-01")


def test_spark_and_duckdb_give_the_same_behavior(tmp_path: Path) -> None:
    results = {}
    for engine in ("duckdb", "spark"):
        with rapport.open(tmp_path / f"{engine}.duckdb") as ws:
            ws.ingest(DATASETS / "cdnow" / "CDNOW_master.txt", "transactions")
            run = ws.analyze(engine=engine)["behavior"]
            assert run["engine"] == engine
            results[engine] = ws.sql("SELECT * FROM customer_behavior ORDER BY customer_id"
                                     ).to_pandas().drop(columns=["model_version"])
    duck, spark = results["duckdb"], results["spark"]
    assert len(duck) == 23_570
    pd.testing.assert_frame_equal(duck, spark, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("as_of", ["1997-09-30", None])
def test_btyd_inputs_equal_the_full_summary(tmp_path: Path, as_of: str | None) -> None:
    from rapport.behavior.summaries import btyd_inputs, customer_summary

    with rapport.open(tmp_path / "c.duckdb") as ws:
        ws.ingest(DATASETS / "cdnow" / "CDNOW_master.txt", "transactions")
        ws.demo(customers=300, seed=2, out_dir=tmp_path / "demo")  # orders, returns, times
        eng = ws.engine()
        cols = ["customer_id", "frequency", "recency", "T", "monetary_value"]
        full = eng.execute(customer_summary(eng.table("transactions"), as_of)).to_pandas()
        lean = eng.execute(btyd_inputs(eng.table("transactions"), as_of)).to_pandas()
    full = full[cols].sort_values("customer_id").reset_index(drop=True)
    lean = lean[cols].sort_values("customer_id").reset_index(drop=True)
    assert len(full) >= 23_570
    pd.testing.assert_frame_equal(full, lean, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("period", ["hour", "day", "week", "month"])
def test_btyd_inputs_equal_the_full_summary_for_every_period(period: str) -> None:
    # Purchases at all times of day (no orders, so both merge the same rows): the lean query
    # groups days as dates and other periods as truncated timestamps.
    from rapport.behavior.summaries import btyd_inputs, customer_summary
    from rapport.engines import get_engine

    eng = get_engine("duckdb")
    eng.connection.execute(
        "CREATE TABLE tx AS SELECT 'c' || (i % 97) AS customer_id, "
        "TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % (300 * 86400)) AS ts, "
        "(i % 17) * 1.5 - 3.0 AS amount FROM range(5000) t(i)"
    )
    cols = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    t = eng.table("tx")
    full = eng.execute(customer_summary(t, "2024-09-30", "weeks", period=period, habits=False))
    lean = eng.execute(btyd_inputs(t, "2024-09-30", "weeks", period=period))
    eng.close()
    full_frame = full.to_pandas()[cols].sort_values("customer_id").reset_index(drop=True)
    lean_frame = lean.to_pandas()[cols].sort_values("customer_id").reset_index(drop=True)
    assert len(full_frame) == 97
    assert (lean_frame["frequency"] > 0).all()
    pd.testing.assert_frame_equal(full_frame, lean_frame, check_exact=False, rtol=1e-12)
