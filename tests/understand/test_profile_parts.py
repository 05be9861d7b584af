"""profile_parts: every customer's derived rows in one row, the same profile as the tables give."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import rapport
from conftest import DemoStore
from rapport.demo import generate_demo
from rapport.lookups import forget_raw_parts, lookup_indexes
from rapport.understand import analysis as understand_analysis
from rapport.understand.profile import customer_profile
from rapport.understand.profile_parts import (
    PARTS,
    build_profile_parts,
    drop_profile_parts,
    stored_parts,
    table_parts,
)


def _profiles(con: duckdb.DuckDBPyConnection, ids: list[str]) -> str:
    return json.dumps({c: customer_profile(con, c) for c in ids}, default=str)


def test_stored_parts_give_the_same_profiles_as_the_tables(demo_store: DemoStore,
                                                           tmp_path: Path) -> None:
    con = duckdb.connect(str(demo_store.copy_to(tmp_path / "store.duckdb")))
    columns = [r[0] for r in con.execute("DESCRIBE profile_parts").fetchall()]
    assert columns == ["customer_id", *PARTS]  # analyze built every part
    assert "lookup_profile_parts_customer_id" in lookup_indexes(con)
    with_rows = con.execute(
        "SELECT count(*) FROM (SELECT customer_id FROM customers UNION SELECT customer_id FROM "
        "customer_behavior UNION SELECT customer_id FROM statements UNION SELECT entity_id FROM "
        "coverage WHERE level = 'customer' UNION SELECT customer_id FROM say_do) WHERE "
        "customer_id IS NOT NULL").fetchall()[0][0]
    assert con.execute("SELECT count(*) FROM profile_parts").fetchall()[0][0] == with_rows
    # Every customer who said something or has a say-vs-do insight, and a sample of the rest.
    ids = sorted({r[0] for r in con.execute(
        "SELECT customer_id FROM say_do UNION SELECT customer_id FROM statements "
        "WHERE customer_id IS NOT NULL UNION (SELECT customer_id FROM customers "
        "ORDER BY hash(customer_id) LIMIT 100)").fetchall()})
    assert len(ids) > 300
    stored = _profiles(con, ids)
    sample = stored_parts(con, ids[0])
    assert sample is not None and sample["behaviour"] is not None
    assert sample["identity"]["customer_id"] == ids[0] and sample["purchases"]
    forget_raw_parts(con)  # as a load does: identity and purchases from the tables again
    stale = stored_parts(con, ids[0])
    assert stale is not None and stale["identity"] is None and stale["purchases"] is None
    assert stale["behaviour"] == sample["behaviour"]
    assert _profiles(con, ids) == stored
    drop_profile_parts(con)
    assert stored_parts(con, ids[0]) is None  # the profile now reads the tables
    assert _profiles(con, ids) == stored
    some = json.loads(stored)
    assert sum(1 for p in some.values() if p["voice"]["statements"]) > 200
    assert sum(1 for p in some.values() if p["say_do"]) > 50
    assert sum(1 for p in some.values() if p["voice"]["themes"]) > 200
    con.close()


def test_parts_of_tables_not_built_read_as_nothing_and_nan_as_missing() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE customer_behavior AS SELECT * FROM (VALUES "
                "('a', 'nan'::DOUBLE, TIMESTAMP '2024-05-06 07:08:09'), "
                "('b', 0.25, NULL)) t(customer_id, p_alive, first_purchase)")
    assert build_profile_parts(con) == 2
    assert [r[0] for r in con.execute("DESCRIBE profile_parts").fetchall()] == [
        "customer_id", "behaviour"]
    for read in (stored_parts, table_parts):
        a = read(con, "a")
        assert a is not None
        assert a["behaviour"]["p_alive"] is None
        assert str(a["behaviour"]["first_purchase"])[:19] == "2024-05-06 07:08:09"
        assert a["statements"] is None and a["coverage"] is None and a["persona"] is None
        assert a["feedback"] == [] and a["say_do"] == []
        b = read(con, "b")
        assert b is not None and b["behaviour"]["p_alive"] == 0.25
        nobody = read(con, "c")
        assert nobody is not None and nobody["behaviour"] is None
    con.execute("CREATE TABLE statements (statement_id VARCHAR, feedback_id VARCHAR, "
                "customer_id VARCHAR, ts TIMESTAMP, text VARCHAR, sentiment DOUBLE, "
                "sentiment_label VARCHAR)")
    con.execute("CREATE TABLE feedback (feedback_id VARCHAR, customer_id VARCHAR, "
                "kind VARCHAR, channel VARCHAR)")
    build_profile_parts(con)
    for read in (stored_parts, table_parts):
        found = read(con, "a")
        assert found is not None and found["statements"] == []  # built, nothing said
    # No derived table at all: no parts table.
    empty = duckdb.connect()
    assert build_profile_parts(empty) == 0
    assert stored_parts(empty, "a") is None


def test_analyze_builds_parts_and_a_failed_one_leaves_none_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = generate_demo(tmp_path / "data", customers=150, seed=3)
    with rapport.open(tmp_path / "store.duckdb") as ws:
        for kind, file in (("customers", files.customers), ("transactions", files.transactions),
                           ("feedback", files.feedback)):
            ws.ingest(file, kind, source="demo")
        ws.analyze(voice=False, understand=False)
        con = ws._con
        assert [r[0] for r in con.execute("DESCRIBE profile_parts").fetchall()] == [
            "customer_id", "identity", "purchases", "behaviour"]
        cid = str(con.execute("SELECT customer_id FROM customer_behavior WHERE n_orders > 1 "
                              "ORDER BY customer_id LIMIT 1").fetchall()[0][0])
        before = ws.profile(cid)
        assert before["behaviour"]["n_orders"] > 1 and before["voice"] is None

        def broken(*_: object, **__: object) -> None:
            raise RuntimeError("the understanding stage broke")

        monkeypatch.setattr(understand_analysis, "analyze_understanding", broken)
        with pytest.raises(RuntimeError, match="broke"):
            ws.analyze(voice=False)
        assert stored_parts(con, cid) is None  # dropped, not left behind stale
        after = ws.profile(cid)  # read from the tables the failed run left
        assert after["behaviour"].keys() == before["behaviour"].keys()
        for key, value in before["behaviour"].items():  # refitted: the same to rounding
            assert after["behaviour"][key] == (pytest.approx(value, rel=1e-9)
                                               if isinstance(value, float) else value), key


def test_a_load_after_the_analysis_shows_in_profiles_at_once(tmp_path: Path) -> None:
    """The stored raw parts are dropped from use by any load, a failed one excepted."""
    files = generate_demo(tmp_path / "data", customers=150, seed=3)
    with rapport.open(tmp_path / "store.duckdb") as ws:
        for kind, file in (("customers", files.customers), ("transactions", files.transactions)):
            ws.ingest(file, kind, source="demo")
        ws.analyze(voice=False, understand=False)
        con = ws._con
        cid, external = con.execute(
            "SELECT b.customer_id, i.value FROM customer_behavior b JOIN identities i USING "
            "(customer_id) WHERE b.n_orders > 1 AND i.kind = 'external_id' ORDER BY 1 LIMIT 1"
        ).fetchall()[0]
        stored = stored_parts(con, cid)
        assert stored is not None and stored["identity"]["customer_id"] == cid
        before = ws.profile(cid)
        assert "Kiosk" not in [c["channel"] for c in before["behaviour"]["channels"]]
        bad = tmp_path / "bad.csv"
        bad.write_text(f"CustomerID,Order Date,Total,Channel\n{external},not a day,5,Kiosk\n")
        with pytest.raises(rapport.RapportError):
            ws.ingest(bad, "transactions", source="kiosk")
        kept = stored_parts(con, cid)
        assert kept is not None and kept["identity"] is not None  # a failed load: still good
        more = tmp_path / "kiosk.csv"
        more.write_text(f"CustomerID,Order ID,Order Date,Total,Channel,Product\n"
                        f"{external},K-1,2025-06-01 10:00:00,12.5,Kiosk,Kiosk Latte\n")
        ws.ingest(more, "transactions", source="kiosk")
        stale = stored_parts(con, cid)
        assert stale is not None and stale["identity"] is None and stale["purchases"] is None
        after = ws.profile(cid)
        assert "Kiosk" in [c["channel"] for c in after["behaviour"]["channels"]]
        assert after["identity"] == before["identity"]
        assert after["behaviour"]["n_orders"] == before["behaviour"]["n_orders"]  # not refitted
        ws.analyze(voice=False, understand=False)
        fresh = stored_parts(con, cid)
        assert fresh is not None and fresh["identity"] is not None
        assert ws.profile(cid)["behaviour"]["channels"] == after["behaviour"]["channels"]
