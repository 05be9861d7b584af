"""The engines: DuckDB over a store's own connection, and the Spark engine's install hint."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import rapport
from rapport.engines import DuckDBEngine, Engine, as_table, get_engine
from rapport.errors import ConfigError


def _rows() -> pa.Table:
    return pa.table({"customer_id": ["a", "b", "a"], "amount": [1.0, 2.0, 3.0]})


def test_duckdb_engine_runs_on_the_store_connection(tmp_path: Path) -> None:
    with rapport.open(tmp_path / "x.duckdb") as ws:
        before = ws._con.execute("SELECT current_setting('python_enable_replacements')").fetchall()
        engine = get_engine("duckdb", ws)
        assert isinstance(engine, DuckDBEngine) and engine.connection is ws._con
        after = ws._con.execute("SELECT current_setting('python_enable_replacements')").fetchall()
        assert before == after  # the store's connection behaves as before
        t = engine.from_arrow(_rows(), name="rows")
        totals = t.group_by("customer_id").aggregate(total=t.amount.sum()).order_by("customer_id")
        assert engine.execute(totals).to_pylist() == [
            {"customer_id": "a", "total": 4.0},
            {"customer_id": "b", "total": 2.0},
        ]
        engine.write_table("totals", totals)
        assert ws.sql("SELECT sum(total) AS s FROM totals").to_pylist() == [{"s": 6.0}]
        assert engine.table("transactions").columns[:3] == ("transaction_id", "customer_id", "ts")
        assert "GROUP BY" in engine.sql_of(totals).upper()
        engine.write_parquet(totals, tmp_path / "totals.parquet")
        back = engine.from_parquet(tmp_path / "totals.parquet")
        assert engine.execute(back).num_rows == 2


def test_duckdb_engine_from_path_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    engine = get_engine("duckdb", path)
    assert engine.execute(engine.table("t")).to_pylist() == [{"x": 1}]
    engine.close()
    memory = get_engine("duckdb")
    assert memory.execute(memory.from_arrow(_rows())).num_rows == 3
    assert isinstance(memory, Engine)


def test_as_table_accepts_tables_and_engines() -> None:
    engine = get_engine("duckdb")
    engine.from_arrow(
        pa.table({"customer_id": ["a"], "ts": [datetime(2024, 1, 1)]}), "transactions"
    )
    assert as_table(engine).columns == ("customer_id", "ts")
    assert as_table(_rows()).columns == ("customer_id", "amount")
    with pytest.raises(ConfigError, match="cannot run analyses"):
        as_table(42)


def test_unknown_engine() -> None:
    with pytest.raises(ConfigError, match="duckdb, spark"):
        get_engine("postgres")


def test_spark_without_pyspark_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(ConfigError) as error:
        get_engine("spark")
    assert "install rapport[spark] (pip install 'rapport[spark]')" in str(error.value)
