"""Knowledge coverage: the framework file, the scoring rules, and what the demo store shows
against its planted truth (which account facts were ever mentioned, who expressed a pain)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import rapport
from conftest import DemoStore
from rapport.errors import ConfigError
from rapport.schema import table_exists
from rapport.understand.analysis import _write_queries
from rapport.understand.coverage import _score, build_coverage
from rapport.understand.evidence import statements_of
from rapport.understand.knowledge import default_text, load_framework


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "knowledge.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_framework_covers_the_designs_dimensions() -> None:
    fw = load_framework()
    names = {d.name for d in fw.dimensions}
    assert {"identity", "purchases", "rhythm", "value"} <= names  # outer life
    assert {"jobs", "values", "pains", "hopes", "fears", "perception", "competitors",
            "opinion"} <= names  # inner life
    assert {"business", "their customers", "trends", "allies", "history", "plans",
            "technology", "decision makers", "politics", "procedures"} <= names  # B2B
    for d in fw.dimensions:
        assert d.interview or d.survey, d.name  # every gap has questions to ask
        assert d.decisions and d.fallback, d.name


@pytest.mark.parametrize(("edit", "message"), [
    (("kind = \"facets\"\nfacets = [\"job\"]", "kind = \"telepathy\""),
     "dimension 'jobs': evidence kind 'telepathy' is unknown"),
    (("facets = [\"fear\"]", "facets = [\"dread\"]"), "dimension 'fears': facet 'dread'"),
    (("method = \"interview\"\nhypotheses = [\"Most", "method = \"seance\"\nhypotheses = [\"Most"),
     "dimension 'jobs': `method` must be one of"),
    (("name = \"values\"", "name = \"jobs\""), "repeated: jobs"),
    (("weight = 1.5", "weight = -2"), "`weight` must be a number"),
    (("'\\btheir (clients|customers)\\b'", "'(unclosed'"), "is not a regular expression"),
])
def test_malformed_framework_errors_name_the_dimension_and_field(
        tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    old, new = edit
    text = default_text()
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_framework(path)


def test_an_edited_framework_file_is_read_again(tmp_path: Path) -> None:
    text = default_text()
    path = _write(tmp_path, text)
    assert load_framework(path).get("jobs").label == load_framework().get("jobs").label
    old = f'label = "{load_framework(path).get("jobs").label}"'
    assert old in text
    path.write_text(text.replace(old, 'label = "What they hire us for, edited"', 1),
                    encoding="utf-8")
    assert load_framework(path).get("jobs").label == "What they hire us for, edited"


def test_missing_framework_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rapport knowledge --export"):
        load_framework(tmp_path / "nope.toml")


def test_score_follows_the_documented_formula() -> None:
    fw = load_framework()
    dims = tuple(d for d in fw.at("customer") if d.name in ("pains", "identity"))
    pains = fw.get("pains")
    as_of = datetime(2026, 1, 1)
    evidence = pd.DataFrame({
        "entity_id": ["a", "a", "b"],
        "dimension": ["pains", "pains", "pains"],
        "source": ["survey", "ticket", "review"],
        "method": ["text analysis"] * 3,
        "ts": pd.to_datetime(["2025-12-02", "2025-06-01", "2024-01-01"]),
        "n": [1.0, 2.0, 1.0],
    })
    entities = pd.DataFrame({"entity_id": ["a", "b", "c"], "entity_label": ["A", "B", "C"]})
    con = duckdb.connect()
    con.register("ev", evidence)
    con.register("ent", entities)
    _score(con, "SELECT * FROM ent", "SELECT * FROM ev", dims, fw, as_of, "customer", "rows")
    rows = con.execute("SELECT * FROM rows").fetch_df().set_index(["entity_id", "dimension"])
    w = fw.triangulation_weight
    # a: 3 items from two sources, newest 30 days old.
    fresh_a = 0.5 ** (30 / pains.half_life_days)
    depth_a = min(1.0, 3 / pains.enough)
    tri_a = min(1.0, 2 / fw.enough_sources)
    assert rows.loc[("a", "pains"), "score"] == pytest.approx(
        depth_a * fresh_a * (1 - w + w * tri_a))
    assert rows.loc[("a", "pains"), "sources"] == 2
    assert list(rows.loc[("a", "pains"), "s"]) == ["survey", "ticket"]
    # b: one old review; c: nothing at all.
    fresh_b = 0.5 ** ((as_of - datetime(2024, 1, 1)).days / pains.half_life_days)
    assert rows.loc[("b", "pains"), "score"] == pytest.approx(
        min(1, 1 / pains.enough) * fresh_b * (1 - w + w * min(1, 1 / fw.enough_sources)))
    assert rows.loc[("c", "pains"), "score"] == 0
    assert rows.loc[("c", "pains"), "answered"] == 0
    assert rows.loc[("b", "pains"), "answered"] == 1
    # The 'all' row: the weighted mean of the dimensions' scores.
    weights = {d.name: d.weight for d in dims}
    expected = sum(rows.loc[("a", d), "score"] * w for d, w in weights.items()) / sum(
        weights.values())
    assert rows.loc[("a", "all"), "score"] == pytest.approx(expected)


def test_an_accounts_statements_are_its_own_and_its_members(demo_store: DemoStore) -> None:
    """statements_of('account'): statements filed under the account or said by one of its
    members (customers of the account, contacts linked to a customer), each once per
    account, written as two equi-joins; checked against a direct reading in Python."""
    con = demo_store.ws._con
    got = set(con.execute(f"SELECT entity_id, statement_id FROM ({statements_of('account')})"
                          ).fetchall())
    accounts = {r[0] for r in con.execute("SELECT account_id FROM accounts").fetchall()}
    members: dict[str, set[str]] = {}
    for account, customer in con.execute(
            "SELECT account_id, customer_id FROM customers WHERE account_id IS NOT NULL UNION "
            "SELECT account_id, customer_id FROM contacts WHERE customer_id IS NOT NULL AND "
            "account_id IS NOT NULL").fetchall():
        members.setdefault(customer, set()).add(account)
    expected = set()
    for sid, account, customer in con.execute(
            "SELECT statement_id, account_id, customer_id FROM statements").fetchall():
        if account in accounts:
            expected.add((account, sid))
        expected.update((a, sid) for a in members.get(customer, ()))
    assert len(expected) > 100
    assert got == expected


def test_account_facts_are_known_exactly_when_a_note_mentioned_them(
        demo_store: DemoStore) -> None:
    cov = demo_store.ws.sql("SELECT entity_id, dimension, answered FROM coverage "
                            "WHERE level = 'account'").to_pandas()
    answered = {(r.entity_id, r.dimension): r.answered for r in cov.itertuples()}
    tp = fp = fn = 0
    for dim in ("their customers", "trends", "allies", "plans", "procedures", "technology"):
        for account_id, account in demo_store.truth["accounts"].items():
            mentioned = any(f["feedback_ids"] for f in account["facts"]
                            if f["dimension"] == dim)
            known = bool(answered.get((account_id, dim), 0))
            tp += mentioned and known
            fp += known and not mentioned
            fn += mentioned and not known
    assert tp + fn > 100
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.85, (tp, fp, fn)
    assert recall >= 0.9, (tp, fp, fn)


def test_customer_pains_and_fears_are_known_for_those_who_voiced_them(
        demo_store: DemoStore) -> None:
    ws = demo_store.ws
    raw = ws.sql("SELECT external_id, customer_id FROM feedback").to_pandas()
    customer_of = dict(zip(raw["external_id"], raw["customer_id"], strict=True))
    cov = ws.sql("SELECT entity_id, dimension FROM coverage WHERE level = 'customer' "
                 "AND answered = 1").to_pandas()
    for dim, facet in (("pains", "pain"), ("fears", "fear")):
        said = {customer_of[rid] for rid, items in demo_store.truth["statements"].items()
                if customer_of.get(rid) and any(facet in i["facets"] for i in items)}
        known = set(cov.loc[cov["dimension"] == dim, "entity_id"])
        assert len(said) > 50
        assert len(said & known) / len(known) >= 0.9, dim
        assert len(said & known) / len(said) >= 0.65, dim


def test_segments_overall_and_blind_spots_agree_with_customer_rows(
        demo_store: DemoStore) -> None:
    ws = demo_store.ws
    customers = ws.sql("SELECT dimension, avg(answered) AS share, count(*) AS n FROM coverage "
                       "WHERE level = 'customer' AND dimension <> 'all' GROUP BY 1"
                       ).to_pandas().set_index("dimension")
    overall = ws.coverage()
    assert 0 < overall["score"] < 100
    by_dim = {d["dimension"]: d for d in overall["dimensions"]}
    for dim, row in customers.iterrows():
        assert by_dim[dim]["known_share"] == pytest.approx(row["share"], abs=1e-3)
    # Everybody has an identity record; few told us the job they hire us for.
    assert by_dim["identity"]["known_share"] == 1.0
    assert by_dim["jobs"]["known_share"] < by_dim["purchases"]["known_share"]
    spots = overall["blind_spots"]
    assert spots and re.match(r"For \d+% of .+ we know .+, but for only \d+% ", spots[0]["text"])
    for spot in spots:
        assert f"{spot['known_share']:.0%}" in spot["text"]
        assert spot["known_share"] < spot["best_share"]
    segments = {r["entity_label"] for r in ws.coverage("segment")["rows"]}
    assert {"high-value customers", "loyal", "at risk"} <= segments
    # High-value customers are known better than the average customer.
    high = ws.coverage("segment", "high-value customers")["rows"]
    total = next(r for r in high if r["dimension"] == "all")
    assert 100 * total["score"] > overall["score"]


def test_customer_rows_are_written_in_the_store_and_scratch_tables_dropped(
        demo_store: DemoStore, tmp_path: Path) -> None:
    # At a million customers the rows per customer and dimension are over ten million: they
    # are computed and written inside DuckDB, never brought into Python as a frame.
    store = rapport.open(demo_store.copy_to(tmp_path / "store.duckdb"))
    con = store._con
    before = con.execute("SELECT * FROM coverage ORDER BY level, entity_id, dimension"
                         ).fetch_df()
    con.execute("BEGIN")
    built = build_coverage(con)
    assert "coverage" not in built.tables and set(built.queries) == {"coverage"}
    assert built.scratch and all(table_exists(con, t) for t in built.scratch)
    counts = _write_queries(con, built)
    con.execute("COMMIT")
    assert counts == {"coverage": len(before)}
    assert not any(table_exists(con, t) for t in built.scratch)
    after = con.execute("SELECT * FROM coverage ORDER BY level, entity_id, dimension"
                        ).fetch_df()
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=1e-12)
    store.close()


def test_coverage_of_one_customer_and_bad_levels(demo_store: DemoStore) -> None:
    ws = demo_store.ws
    cid = ws.sql("SELECT customer_id FROM customer_voice ORDER BY statements DESC LIMIT 1"
                 ).column(0)[0].as_py()
    rows = ws.coverage("customer", cid)["rows"]
    assert {r["dimension"] for r in rows} >= {"all", "jobs", "purchases"}
    with pytest.raises(ConfigError, match="use one of overall, segment"):
        ws.coverage("galaxy")
