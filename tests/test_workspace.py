"""The store: schema version and migrations, read-only SQL, opening errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import rapport
from conftest import DemoStore, count, write
from rapport.errors import ConfigError, SchemaError, StoreError
from rapport.schema import RAW_TABLES, SCHEMA_VERSION, TABLES


def test_first_open_creates_the_canonical_tables(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    with rapport.open(path) as ws:
        assert ws.schema_version_found == 0
        names = set(ws.sql("SELECT table_name FROM information_schema.tables").column(0)
                    .to_pylist())
        assert set(TABLES) <= names
        for table in RAW_TABLES:
            cols = ws.sql(f"SELECT * FROM {table} LIMIT 0").column_names
            assert cols == TABLES[table].column_names
        version = ws.sql("SELECT value FROM rapport_meta WHERE key = 'schema_version'")
        assert version.column(0)[0].as_py() == str(SCHEMA_VERSION)
    with rapport.open(path) as ws:
        assert ws.schema_version_found == SCHEMA_VERSION  # nothing to migrate the second time


def test_a_store_from_a_newer_rapport_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    rapport.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE rapport_meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(SchemaError, match="schema version 999, newer than this Rapport"):
        rapport.open(path)


def test_sql_is_read_only(ws: rapport.Workspace, tmp_path: Path) -> None:
    ws.ingest(write(tmp_path / "o.csv", "customer_id,date,amount\na,2024-01-01,1\n"),
              "transactions")
    table = ws.sql("SELECT customer_id, amount FROM transactions WHERE amount > ?", [0])
    assert table.num_rows == 1 and table.column_names == ["customer_id", "amount"]
    for query in ("DELETE FROM transactions", "DROP TABLE customers",
                  "SELECT 1; INSERT INTO customers (customer_id) VALUES ('x')",
                  "CREATE TABLE x AS SELECT 1"):
        with pytest.raises(ConfigError, match="runs read-only queries"):
            ws.sql(query)
    assert count(ws, "SELECT count(*) FROM transactions") == 1
    with pytest.raises(ConfigError, match="query failed"):
        ws.sql("SELECT nope FROM transactions")


def test_opening_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        rapport.open(tmp_path)
    junk = write(tmp_path / "junk.duckdb", "this is not a database")
    with pytest.raises(StoreError, match="not a Rapport store"):
        rapport.open(junk)
    with pytest.raises(StoreError, match="does not exist; create it with `rapport init`"):
        rapport.open(tmp_path / "missing.duckdb", read_only=True)
    path = tmp_path / "ro.duckdb"
    rapport.open(path).close()
    with rapport.open(path, read_only=True) as ws, pytest.raises(StoreError, match="read-only"):
        ws.ingest(write(tmp_path / "o.csv", "customer_id,date,amount\na,2024-01-01,1\n"),
                  "transactions")


def test_status_and_customer_search(ws: rapport.Workspace, tmp_path: Path) -> None:
    ws.ingest(write(tmp_path / "c.csv", "CustomerID,Full Name,Email\n7,Ann Lee,ann@x.io\n"
                                        "8,Bo Chen,bo@x.io\n"), "customers", source="crm")
    ws.ingest(write(tmp_path / "o.csv", "CustomerID,date,amount\n7,2024-01-01,10\n"
                                        "7,2024-03-01,5\n"), "transactions", source="shop")
    status = ws.status()
    assert status["tables"]["customers"] == 2 and status["tables"]["transactions"] == 2
    shop = next(s for s in status["sources"] if s["table_name"] == "transactions")
    assert (shop["source"], shop["rows"]) == ("shop", 2)
    assert shop["first"].startswith("2024-01-01") and shop["last"].startswith("2024-03-01")
    assert [load["kind"] for load in status["last_loads"]] == ["transactions", "customers"]
    found = ws.customers(search="ann")
    assert [c["name"] for c in found] == ["Ann Lee"]
    assert found[0]["transactions"] == 2 and found[0]["spend"] == 15
    assert sorted(found[0]["keys"]) == ["email:ann@x.io", "external_id:7"]
    assert [c["name"] for c in ws.customers(search="8")] == ["Bo Chen"]
    assert len(ws.customers(limit=1, offset=1)) == 1


def test_customer_list_after_analysis(demo_store: DemoStore) -> None:
    """Each listed customer's counts come from their own rows, and once analysed, their stage,
    status, orders and CLV too: the list a search shows says where each customer stands."""
    ws = demo_store.ws
    listed = ws.customers(limit=40, offset=100) + ws.customers(search="Hannah", limit=20)
    assert len(listed) > 45
    for c in listed:
        cid = c["customer_id"]
        n, spend = ws.sql("SELECT count(*), round(coalesce(sum(amount), 0), 2) FROM "
                          "transactions WHERE customer_id = ?", [cid]).to_pylist()[0].values()
        assert (c["transactions"], c["spend"]) == (n, spend)
        assert c["feedback"] == count(ws, f"SELECT count(*) FROM feedback WHERE customer_id = "
                                          f"'{cid}'")
        b = ws.sql("SELECT stage, status, CAST(n_orders AS BIGINT) AS orders FROM "
                   "customer_behavior WHERE customer_id = ?", [cid]).to_pylist()[0]
        assert {k: c[k] for k in b} == b
    ids = [c["customer_id"] for c in listed[:40]]
    assert ids == sorted(ids) and all("hannah" in c["name"].lower() for c in listed[40:])


def test_docs_schema_is_in_step_with_the_code() -> None:
    from conftest import ROOT
    from rapport.docs import schema_markdown

    assert (ROOT / "docs" / "schema.md").read_text() == schema_markdown(), (
        "regenerate it with: make docs"
    )


def test_the_store_keeps_to_its_memory_limit(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def limit_of(setting: str) -> str:
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{setting}'")
        return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    path = tmp_path / "limited.duckdb"
    with rapport.open(path) as ws:  # the default: half the RAM, not DuckDB's 80%
        shown = ws.sql("SELECT current_setting('memory_limit')").column(0)[0].as_py()
        assert shown == limit_of("50%") != limit_of("80%")
        view = ws.view()
        assert view.sql("SELECT current_setting('memory_limit')").column(0)[0].as_py() == shown
    monkeypatch.setenv("RAPPORT_STORE_MEMORY_LIMIT", "1GB")
    with rapport.open(path) as ws:
        shown = ws.sql("SELECT current_setting('memory_limit')").column(0)[0].as_py()
        assert shown == limit_of("1GB")
    monkeypatch.setenv("RAPPORT_STORE_MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigError, match=r"store\.memory_limit 'lots' is not a memory size"):
        rapport.open(path)
    monkeypatch.delenv("RAPPORT_STORE_MEMORY_LIMIT")
    rapport.open(path).close()  # the failed open left the store closed and usable


def test_the_store_and_engines_use_the_threads_setting(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from rapport.engines import get_engine
    from rapport.store import duckdb_threads
    from rapport.threads import cpus

    def threads_of(con: duckdb.DuckDBPyConnection) -> int:
        return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])

    expected = 3 if cpus() == 2 else cpus()  # auto: a third thread on two CPUs
    assert duckdb_threads() == expected
    path = tmp_path / "threads.duckdb"
    with rapport.open(path) as ws:
        assert threads_of(ws._con) == expected
    engine = get_engine("duckdb")
    assert threads_of(engine.connection) == expected
    engine.close()
    monkeypatch.setenv("RAPPORT_STORE_THREADS", "1")
    with rapport.open(path) as ws:
        assert threads_of(ws._con) == 1
        assert threads_of(ws.view()._con) == 1  # one setting for the whole open store
    mine = duckdb.connect()  # a caller's connection is used as it is
    mine.execute("SET threads = 2")
    assert threads_of(get_engine("duckdb", mine).connection) == 2
    for bad in ("none", "0", "-2"):
        monkeypatch.setenv("RAPPORT_STORE_THREADS", bad)
        with pytest.raises(ConfigError, match=r"store\.threads must be auto or a whole number"):
            rapport.open(path)
    monkeypatch.delenv("RAPPORT_STORE_THREADS")
    rapport.open(path).close()  # the failed opens left the store closed and usable
