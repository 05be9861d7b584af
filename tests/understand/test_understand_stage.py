"""The understanding stage end to end: what `analyze` writes, the top rung of the ladder, a
failed run that changes nothing, a store without feedback, and the Workspace methods."""

from __future__ import annotations

from pathlib import Path

import pytest

import rapport
import rapport.understand as understand
from conftest import DemoStore
from rapport.errors import ConfigError
from rapport.understand.analysis import UNDERSTAND_TABLES


def test_analyze_writes_every_understanding_table(demo_store: DemoStore) -> None:
    ws = demo_store.ws
    names = set(ws.sql("SELECT table_name FROM information_schema.tables").column(0)
                .to_pylist())
    assert set(UNDERSTAND_TABLES) | {"understand_runs"} <= names
    for table in ("say_do", "drivers", "personas", "customer_personas", "coverage",
                  "blind_spots", "trends", "research_plans"):
        assert ws.sql(f"SELECT count(*) FROM {table}").column(0)[0].as_py() > 0, table
    runs = ws.sql("SELECT run FROM understand_runs").column(0).to_pylist()
    assert runs and '"steps"' in runs[-1]
    assert understand.__all__ == sorted(understand.__all__)


def test_customers_for_life_are_engaged_by_what_they_said_or_rated(
        demo_store: DemoStore) -> None:
    ws = demo_store.ws
    rows = ws.sql("SELECT stage, engaged, engagement FROM customer_behavior").to_pandas()
    life = rows[rows["stage"] == "customer for life"]
    assert len(life) > 0
    assert life["engaged"].all() and life["engagement"].notna().all()
    # Words count now, not only ratings: some customers for life never gave a top rating.
    by_words_only = life[~life["engagement"].str.contains("promoter|on stars|on csat")]
    assert len(by_words_only) > 0
    assert by_words_only["engagement"].str.contains("praise|suggestion|positive intent").all()
    # Nobody who is not loyal was lifted to the top rung.
    engaged_not_loyal = rows[(rows["stage"] != "customer for life") & rows["engaged"]]
    assert not engaged_not_loyal["stage"].isin(["customer for life"]).any()


def test_workspace_reads_say_do_drivers_personas_and_trends(demo_store: DemoStore) -> None:
    ws = demo_store.ws
    said = ws.say_do()
    assert said["counts"]["detractor_stays"] > 0 and said["insights"]
    first = said["insights"][0]
    assert isinstance(first["sources"], list) and first["n_sources"] >= 1
    only = ws.say_do("promoter-lapsed", limit=5)
    assert {r["type"] for r in only["insights"]} == {"promoter_lapsed"}
    with pytest.raises(ConfigError, match="say-vs-do type 'gossip'"):
        ws.say_do("gossip")
    nps = ws.drivers("nps", limit=5)
    assert nps and nps[0]["rank"] == 1 and "NPS" in nps[0]["statement"]
    assert all(isinstance(d["quotes"], list) for d in nps)
    with pytest.raises(ConfigError, match="outcome 'happiness'"):
        ws.drivers("happiness")
    personas = ws.personas()
    assert len(personas) >= 3 and isinstance(personas[0]["jobs"], list)
    one = ws.persona(personas[0]["persona_id"])
    assert one["customers"] and one["name"] == personas[0]["name"]
    with pytest.raises(ConfigError, match="no persona"):
        ws.persona("nobody like this")
    trends = ws.trends("quarter", "2025-06-30", "2026-06-30")
    sentiment = trends["series"]["sentiment"]
    assert len(sentiment) >= 4 and all(-1 <= s["sentiment"] <= 1 for s in sentiment)
    assert set(trends["series"]) >= {"sentiment", "facet", "theme"}
    assert {"emerging", "fading", "flows"} <= set(trends)
    assert sum(trends["flows"]["moves"].values()) > 0
    with pytest.raises(ConfigError, match="period 'decade'"):
        ws.trends("decade")


def test_a_failed_understanding_run_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = rapport.open(tmp_path / "store.duckdb")
    # Behaviour and understanding only (no voice): customers, orders, ratings, accounts.
    ws.demo(customers=300, seed=3, out_dir=tmp_path / "data")
    before = ws.sql("SELECT count(*) AS n, sum(score) AS s FROM coverage").to_pylist()
    plans = ws.sql("SELECT count(*) FROM research_plans").column(0)[0].as_py()
    bad = tmp_path / "knowledge.toml"
    bad.write_text("[[dimension]]\nname = \"jobs\"\n", encoding="utf-8")
    monkeypatch.setenv("RAPPORT_UNDERSTAND_KNOWLEDGE", str(bad))
    with pytest.raises(ConfigError, match="dimension 'jobs': add at least one"):
        ws.analyze(voice=False)
    assert ws.sql("SELECT count(*) AS n, sum(score) AS s FROM coverage").to_pylist() == before
    assert ws.sql("SELECT count(*) FROM research_plans").column(0)[0].as_py() == plans
    ws.close()


def test_understanding_without_feedback_text(tmp_path: Path) -> None:
    ws = rapport.open(tmp_path / "store.duckdb")
    files = ws.demo(customers=300, seed=5, out_dir=tmp_path / "data")
    assert files["analysis"]["understand"]["tables"]["coverage"] > 0
    # A store with only orders: coverage of the outer life, personas from behaviour alone.
    only = rapport.open(tmp_path / "orders.duckdb")
    only.ingest(Path(files["folder"]) / "transactions.csv", "transactions")
    result = only.analyze()
    u = result["understand"]
    assert "voice" not in result
    assert u["tables"]["personas"] >= 1 and u["tables"]["say_do"] == 0
    dims = {d["dimension"]: d["known_share"] for d in only.coverage()["dimensions"]}
    assert dims["purchases"] == 1.0 and dims["jobs"] == 0.0
    assert only.coverage()["blind_spots"]
    only.close()
    ws.close()


def test_ladder_flows_of_the_last_period_count_everyone_and_the_new_buyers(
        demo_store: DemoStore) -> None:
    ws = demo_store.ws
    flows = ws.sql("SELECT * FROM ladder_flows").to_pandas()
    assert len(flows) > 0
    start, end = flows["period_start"].iloc[0], flows["period_end"].iloc[0]
    assert (end - start).days == 90
    # Everyone is counted once: the flows add up to the customers there are now.
    customers = ws.sql("SELECT count(*) FROM customer_behavior").column(0)[0].as_py()
    assert int(flows["customers"].sum()) == customers
    assert set(flows["move"]) <= {"new", "moved up", "won back", "slipped", "unchanged"}
    # "new": first purchase inside the period, counted from the transactions themselves.
    first_in_period = ws.sql(
        "SELECT count(*) FROM (SELECT customer_id, min(ts) AS first FROM transactions "
        "WHERE amount > 0 GROUP BY 1) WHERE first > ? AND first <= ?",
        [start.to_pydatetime(), end.to_pydatetime()]).column(0)[0].as_py()
    assert int(flows.loc[flows["move"] == "new", "customers"].sum()) == first_in_period
    # The stored table agrees with flows computed on demand for the same dates.
    on_demand = ws.flows(start.date(), end.date())["moves"]
    stored = flows.groupby("move")["customers"].sum().to_dict()
    assert {k: int(v) for k, v in stored.items()} == on_demand
