"""The understanding stage on real customer text: tweets to US airlines (authors as customers,
no purchases, no ratings), and emerging and fading themes on data with a known change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import rapport
from conftest import DATASETS
from rapport.understand.trends import theme_changes

TWEETS = 3000


@pytest.fixture(scope="module")
def airline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rapport.Workspace]:
    folder = tmp_path_factory.mktemp("airline")
    frame = pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv")
    # The authors who wrote most, so that several customers have several tweets.
    counts = frame["name"].value_counts()
    frame = frame[frame["name"].map(counts) >= 2].head(TWEETS)
    path = folder / "tweets.csv"
    frame.to_csv(path, index=False)
    ws = rapport.open(folder / "store.duckdb")
    ws.ingest(path, "feedback", mapping=["customer_id=name", "kind='social'",
                                          "ts=tweet_created"])
    result = ws.analyze(competitors=["Delta", "Southwest", "JetBlue", "United", "American",
                                     "Virgin America", "US Airways"])
    assert "behavior" not in result and "understand" in result
    yield ws
    ws.close()


def test_coverage_of_people_who_only_talked(airline: rapport.Workspace) -> None:
    overall = airline.coverage()
    known = {d["dimension"]: d["known_share"] for d in overall["dimensions"]}
    # Nobody bought anything here; what they say is all we know.
    assert known["purchases"] == 0 and known["value"] == 0
    assert known["pains"] > 0.3  # complaints are what airline tweets are made of
    assert known["opinion"] > 0.9  # every tweet was scored for sentiment
    assert 0 < overall["score"] < 50
    # The blind spot names a dimension we know least, in words, with its share.
    assert overall["blind_spots"]
    assert all(re.match(r"For \d+% of .+ we know .+, but for only \d+% ", s["text"])
               for s in overall["blind_spots"])


def test_profile_and_plan_of_a_frequent_author(airline: rapport.Workspace) -> None:
    author = airline.sql("SELECT customer_id, count(*) AS n FROM feedback GROUP BY 1 "
                         "ORDER BY n DESC, 1 LIMIT 1").column(0)[0].as_py()
    profile = airline.profile(author)
    assert profile["behaviour"] is None or not profile["behaviour"].get("first_purchase")
    assert "has not bought from us yet" in profile["story"]
    voice = profile["voice"]
    assert voice["statements"] >= 2 and len(voice["feedback"]) >= 2
    assert any(voice["by_facet"][f] for f in ("pain", "perception", "praise", "competitor"))
    assert profile["next_questions"]
    plan = airline.plan("customer", author)
    assert plan["sample"]["customers"][0]["customer_id"] == author
    assert plan["interview_guide"] and plan["survey"]["pages"][0]["elements"]


def test_no_purchases_no_ratings_means_no_say_do_and_notes_say_why(
        airline: rapport.Workspace) -> None:
    runs = airline.sql("SELECT run FROM understand_runs").column(0).to_pylist()
    last = runs[-1]
    assert "say_do" in last and "drivers" in last
    assert airline.sql("SELECT count(*) FROM say_do").column(0)[0].as_py() == 0
    assert airline.sql("SELECT count(*) FROM drivers").column(0)[0].as_py() == 0
    # Personas from what people talk about alone.
    assert airline.sql("SELECT count(*) FROM personas").column(0)[0].as_py() >= 1


def _store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """Statements over two years: theme A steady, B new in the last quarter, C gone."""
    con = duckdb.connect(str(tmp_path / "trend.duckdb"))
    rows = []
    day = pd.Timestamp("2024-01-01")
    last = day + pd.Timedelta(days=729)
    for i in range(730):
        ts = day + pd.Timedelta(days=i)
        recent = ts > last - pd.Timedelta(days=90)  # the last 90 days
        rows.append((f"a{i}", ts, "A"))
        if recent:
            rows.append((f"b{i}", ts, "B"))
        elif i % 2 == 0:
            rows.append((f"c{i}", ts, "C"))
    frame = pd.DataFrame(rows, columns=["statement_id", "ts", "theme_id"])
    frame["sentiment"] = 0.0
    con.register("f", frame)
    con.execute("CREATE TABLE statements AS SELECT statement_id, ts, sentiment FROM f")
    con.execute("CREATE TABLE statement_themes AS SELECT statement_id, theme_id FROM f")
    con.execute("CREATE TABLE themes AS SELECT * FROM (VALUES ('A', 'steady', 1, "
                "'discovered'), ('B', 'new', 1, 'discovered'), ('C', 'gone', 1, 'discovered'))"
                " t(theme_id, label, level, status)")
    return con


def test_emerging_and_fading_themes_on_a_known_change(tmp_path: Path) -> None:
    changes = theme_changes(_store(tmp_path))
    assert [t["label"] for t in changes["emerging"]] == ["new"]
    assert [t["label"] for t in changes["fading"]] == ["gone"]
    new = changes["emerging"][0]
    assert new["earlier"] == 0 and new["recent"] == 90
