"""A failed or killed load changes nothing; the same file twice loads once; a changed file for
the same source replaces or appends to that source's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rapport
from conftest import count, write
from rapport.ingest import loader

ORDERS = "customer_id,email,order_date,amount\na,a@x.io,2024-01-05,10\nb,,2024-01-06,20\n"


def _snapshot(ws: rapport.Workspace) -> dict[str, int]:
    return {t: count(ws, f"SELECT count(*) FROM {t}") for t in
            ("customers", "identities", "transactions", "feedback", "ingests", "rejects",
             "customer_merges")}


def test_failure_in_the_middle_leaves_the_store_as_it_was(
    ws: rapport.Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.ingest(write(tmp_path / "first.csv", ORDERS), "transactions", source="shop")
    before = _snapshot(ws)
    real = loader.write_rows

    def write_then_fail(*args: object, **kwargs: object) -> int:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "write_rows", write_then_fail)
    more = write(tmp_path / "second.csv", ORDERS + "c,c@x.io,2024-01-07,5\n")
    with pytest.raises(RuntimeError, match="disk full"):
        ws.ingest(more, "transactions", source="shop")
    assert _snapshot(ws) == before
    monkeypatch.undo()
    # the store still works and the same file loads afterwards
    result = ws.ingest(more, "transactions", source="shop")
    assert result.rows_loaded == 3
    assert count(ws, "SELECT count(*) FROM transactions") == 3


def test_killed_load_is_all_or_nothing(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("w") as f:
        f.write("customer_id,order_date,amount\n")
        for i in range(600_000):
            f.write(f"c{i % 50_000},2024-01-{1 + i % 28:02d},{i % 97}.5\n")
    store = tmp_path / "store.duckdb"
    rapport.open(store).close()
    code = (
        "import rapport, sys; ws = rapport.open(sys.argv[1]); "
        "ws.ingest(sys.argv[2], 'transactions'); print('done')"
    )
    outcomes = set()
    for delay in (0.8, 1.6, 2.4):
        proc = subprocess.Popen([sys.executable, "-c", code, str(store), str(big)])
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with rapport.open(store) as ws:
            n = count(ws, "SELECT count(*) FROM transactions")
            loads = count(ws, "SELECT count(*) FROM ingests")
            customers = count(ws, "SELECT count(*) FROM customers")
        assert (n, loads, customers) in ((0, 0, 0), (600_000, 1, 50_000))
        outcomes.add(n)
        if n:
            break
    assert 0 in outcomes, "no kill landed during a load; make the file bigger"


def test_same_file_twice_loads_nothing_twice(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", ORDERS)
    first = ws.ingest(path, "transactions")
    again = ws.ingest(path, "transactions")
    assert first.status == "loaded" and again.status == "skipped"
    assert "already loaded as transactions (load 1" in again.message
    # a copy under another name has the same content: still loaded only once
    copy = write(tmp_path / "copy.csv", ORDERS)
    assert ws.ingest(copy, "transactions", source="other").status == "skipped"
    assert count(ws, "SELECT count(*) FROM transactions") == 2
    assert count(ws, "SELECT count(*) FROM ingests") == 1
    # the same content as another kind is a different load
    assert ws.ingest(path, "customers").status == "loaded"
    # force loads again, replacing the source's rows rather than doubling them
    forced = ws.ingest(path, "transactions", force=True)
    assert forced.status == "loaded" and forced.rows_replaced == 2
    assert count(ws, "SELECT count(*) FROM transactions") == 2


def test_changed_file_replaces_or_appends(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    write(path, ORDERS)
    ws.ingest(path, "transactions", source="shop")
    write(path, ORDERS + "c,,2024-01-07,5\n")
    replaced = ws.ingest(path, "transactions", source="shop")
    assert (replaced.rows_loaded, replaced.rows_replaced) == (3, 2)
    assert count(ws, "SELECT count(*) FROM transactions") == 3
    statuses = ws.sql("SELECT status FROM ingests ORDER BY ingest_id").column(0).to_pylist()
    assert statuses == ["replaced", "loaded"]
    # the replaced version can be loaded again: it is no longer in the store
    write(path, ORDERS)
    assert ws.ingest(path, "transactions", source="shop").status == "loaded"
    assert count(ws, "SELECT count(*) FROM transactions") == 2
    write(path, "customer_id,order_date,amount\nd,2024-02-01,1\n")
    appended = ws.ingest(path, "transactions", source="shop", mode="append")
    assert appended.rows_replaced == 0
    assert count(ws, "SELECT count(*) FROM transactions") == 3
    # another source's rows are never touched
    ws.ingest(write(tmp_path / "pos.csv", "customer_id,order_date,amount\na,2024-03-01,9\n"),
              "transactions", source="pos")
    assert count(ws, "SELECT count(*) FROM transactions") == 4
    assert count(ws, "SELECT count(DISTINCT customer_id) FROM transactions") == 3


def test_ingests_table_records_every_load(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv", ORDERS)
    ws.ingest(path, "transactions", source="shop")
    row = ws.sql("SELECT * FROM ingests").to_pylist()[0]
    assert row["source"] == "shop" and row["kind"] == "transactions"
    assert row["path"] == str(path) and len(row["sha256"]) == 64
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (2, 2, 0)
    assert row["customers_created"] == 2 and row["status"] == "loaded"
    assert row["finished_at"] >= row["started_at"] and row["seconds"] > 0
    assert '"ts": "order_date"' in row["mapping"]
