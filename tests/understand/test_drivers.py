"""Key drivers: Johnson's relative weights on data with a known truth, a store whose effects
are planted, the demo business against its planted facets, and real clothing reviews."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.linalg

import rapport
from conftest import DATASETS, DemoStore
from rapport.errors import ConfigError
from rapport.understand.drivers import DRIVERS_COLUMNS, build_drivers
from rapport.understand.relative_weights import (
    bootstrap_weights,
    percentile_interval,
    relative_weights,
)

COLUMNS = [c for c, _, _ in DRIVERS_COLUMNS]

# --- 1. relative weights on correlated binary drivers with a known truth -------------------
# A shared binary factor z makes the drivers correlated: x_j ~ Bernoulli(A_j if z else B_j).
# Their covariance is then exact, and so are the population R² and relative weights.
Q = 0.35
A = np.array([0.6, 0.5, 0.4, 0.2, 0.5, 0.45, 0.6, 0.7])
B = np.array([0.2, 0.3, 0.1, 0.4, 0.2, 0.25, 0.15, 0.2])
BETA = np.array([-3.5, 2.2, -1.4, 0.8, 0.0, 0.0, 0.0, 0.0])  # the last four only correlate
SIGMA = 3.0


def _population() -> tuple[np.ndarray, float]:
    """Johnson's weights and R² of the population, from the exact moments (sqrtm, not eigh)."""
    mean = Q * A + (1 - Q) * B
    second = Q * np.outer(A, A) + (1 - Q) * np.outer(B, B)
    np.fill_diagonal(second, mean)
    cov = second - np.outer(mean, mean)
    sd = np.sqrt(np.diag(cov))
    explained = float(BETA @ cov @ BETA)
    r = cov @ BETA / (sd * np.sqrt(explained + SIGMA**2))
    half = np.real(scipy.linalg.sqrtm(cov / np.outer(sd, sd)))
    beta = np.linalg.solve(half, r)
    return (half**2) @ beta**2, explained / (explained + SIGMA**2)


def _sample(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    z = rng.random(n) < Q
    x = (rng.random((n, A.size)) < np.where(z[:, None], A, B)).astype(float)
    return x, x @ BETA + rng.normal(0, SIGMA, n)



def test_the_bootstrap_plan_gives_the_direct_scatter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bootstrap's precomputed plan (pairs of nonzeros, group cells) must give the same
    scatter matrices as the direct sparse products, with groups, weights, counts above one,
    duplicate entries and empty rows; and the same draws end to end."""
    import scipy.sparse as sp

    from rapport.understand import relative_weights as rw

    rng = np.random.default_rng(4)
    n, p = 3000, 12
    x = sp.random(n, p, density=0.15, format="coo", random_state=5)
    x.data = np.round(x.data * 3)  # counts 0..3, so some explicit zeros too
    dup = sp.coo_matrix((np.ones(50), (rng.integers(0, n, 50), rng.integers(0, p, 50))),
                        shape=(n, p))
    x = sp.csr_matrix(sp.vstack([x.tocsr()[: n // 2], sp.csr_matrix((n // 2, p))]) + dup)
    y = rng.normal(size=n) + np.asarray(x @ rng.normal(size=p)).ravel()
    g = rw._group_codes(rng.integers(0, 7, n), n)
    plan = rw._ScatterPlan(x, y, g)
    for _ in range(3):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(np.float64)
        direct, planned = rw._scatter(x, y, g, w), plan.scatter(w)
        for a, b in zip(direct, planned, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-9)
    with_plan = bootstrap_weights(x, y, g, n_boot=20, seed=3)
    monkeypatch.setattr(rw, "_PLAN_PAIRS", 0)  # too big for a plan: the direct products
    without = bootstrap_weights(x, y, g, n_boot=20, seed=3)
    np.testing.assert_allclose(with_plan.weights, without.weights, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(with_plan.coef, without.coef, rtol=1e-9, atol=1e-9)

def test_relative_weights_add_up_to_r2_and_match_least_squares() -> None:
    x, y = _sample(2_000, np.random.default_rng(1))
    fit = relative_weights(x, y)
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    r2 = 1 - np.sum((y - design @ coef) ** 2) / np.sum((y - y.mean()) ** 2)
    assert fit.weights.sum() == pytest.approx(r2, abs=1e-10)
    assert fit.r2 == pytest.approx(r2, abs=1e-10)
    assert fit.coef == pytest.approx(coef[1:], abs=1e-8)
    assert (fit.weights >= 0).all()
    # A fixed effect per group gives the coefficients of a regression with group dummies.
    groups = np.random.default_rng(2).integers(0, 3, len(y))
    shifted = y + 5.0 * groups
    dummies = np.column_stack([x] + [(groups == g).astype(float) for g in range(3)])
    within, *_ = np.linalg.lstsq(dummies, shifted, rcond=None)
    grouped = relative_weights(x, shifted, groups)
    assert grouped.coef == pytest.approx(within[: x.shape[1]], abs=1e-8)
    assert grouped.r2 == pytest.approx(fit.r2, abs=0.01)
    # A duplicated and a constant column: no error, the constant gets nothing.
    odd = relative_weights(np.column_stack([x, x[:, 0], np.ones(len(y))]), y)
    assert odd.r2 == pytest.approx(r2, abs=1e-8) and odd.weights[-1] == 0


def test_relative_weights_recover_the_true_ranking_and_intervals_cover_the_truth() -> None:
    truth, truth_r2 = _population()
    assert truth.sum() == pytest.approx(truth_r2)
    top = list(np.argsort(-truth)[:4])
    assert top == [0, 1, 2, 3]  # the design's four strongest drivers, well apart
    covered, total = 0, 0
    for seed in range(5):
        x, y = _sample(2_000, np.random.default_rng(100 + seed))
        fit = relative_weights(x, y)
        assert list(np.argsort(-fit.weights)[:4]) == top
        draws = bootstrap_weights(x, y, n_boot=200, seed=seed)
        assert draws.weights.sum(axis=1) == pytest.approx(draws.r2)
        low, high = percentile_interval(draws.weights, 0.95)
        covered += int(((low <= truth) & (truth <= high)).sum())
        total += truth.size
        assert abs(fit.r2 - truth_r2) < 0.05
    assert covered / total >= 0.85, f"95% intervals covered {covered} of {total}"


# --- 2. a store with planted effects -------------------------------------------------------
N_PLANTED = 3_000


Planted = tuple[pd.DataFrame, list[str], dict[str, Any]]


def _planted(seed: int = 3) -> tuple[duckdb.DuckDBPyConnection, dict[str, Any]]:
    """NPS answers whose promoter and detractor probabilities are linear in two drivers:
    complaints about late delivery (T1) and praise of the taste (T2); T3 and T1's neutral
    mentions change nothing. A customer lapses with 0.25 + 0.5 × their share of late-delivery
    complaints; CLV is noise."""
    rng = np.random.default_rng(seed)
    n = N_PLANTED
    x1 = rng.random(n) < 0.25
    x2 = rng.random(n) < np.where(x1, 0.2, 0.4)
    t3 = rng.random(n) < 0.35
    t1_neutral = ~x1 & (rng.random(n) < 0.15)
    p_promoter = 0.45 - 0.30 * x1 + 0.25 * x2
    p_detractor = 0.20 + 0.35 * x1 - 0.10 * x2
    u = rng.random(n)
    score = np.where(u < p_promoter, rng.integers(9, 11, n),
                     np.where(u < p_promoter + p_detractor, rng.integers(0, 7, n),
                              rng.integers(7, 9, n)))
    statements, facets = [], []
    for i in range(n):
        said = []
        if x1[i]:
            said.append(("T1", "negative", "pain" if rng.random() < 0.6 else None))
        if t1_neutral[i]:
            said.append(("T1", "neutral", None))
        if x2[i]:
            said.append(("T2", "positive", "praise" if rng.random() < 0.7 else None))
        if t3[i] or not said:
            label = rng.choice(["negative", "neutral", "positive"])
            said.append(("T3", label, "pain" if label == "negative" and rng.random() < 0.5
                         else None))
        for k, (theme, label, facet) in enumerate(said):
            sid = f"s{i}-{k}"
            statements.append({"statement_id": sid, "feedback_id": f"f{i}",
                               "customer_id": f"c{i}", "text": f"{theme} {label} {i}-{k}",
                               "sentiment_label": label, "theme_id": theme,
                               "similarity": float(rng.uniform(0.2, 0.9))})
            if facet:
                facets.append({"statement_id": sid, "facet": facet})
    s = pd.DataFrame(statements)
    share = (s.assign(late=(s["theme_id"] == "T1") & (s["sentiment_label"] == "negative"))
             .groupby("customer_id")["late"].mean())
    customers = [f"c{i}" for i in range(n)]
    share_of = share.reindex(customers).to_numpy(float)
    lapsed = rng.random(n) < 0.25 + 0.5 * share_of
    tables = {
        "feedback": pd.DataFrame({"feedback_id": [f"f{i}" for i in range(n)],
                                  "customer_id": customers, "rating": score.astype(float),
                                  "rating_scale": "nps"}),
        "statements": s.drop(columns=["theme_id", "similarity"]),
        "statement_themes": s[["statement_id", "theme_id", "similarity"]],
        "themes": pd.DataFrame({"theme_id": ["T1", "T2", "T3"], "level": 1,
                                "label": ["late delivery", "great taste", "the website"]}),
        "statement_facets": pd.DataFrame(facets),
        "customer_behavior": pd.DataFrame({
            "customer_id": customers, "status": np.where(lapsed, "lapsed", "active"),
            "clv": rng.lognormal(4, 1, n)}),
    }
    con = duckdb.connect()
    for name, frame in tables.items():
        con.register("_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")
    return con, {"x1": x1, "x2": x2, "share": share_of, "statements": s}


@pytest.fixture(scope="module")
def planted() -> Iterator[Planted]:
    con, truth = _planted()
    built = build_drivers(con, n_boot=300)
    assert json.loads(json.dumps(built.summary))["outcomes"]["nps"]["drivers"] >= 5
    yield built.tables["drivers"], built.notes, truth
    con.close()


def _row(d: pd.DataFrame, outcome: str, driver: str, polarity: str) -> pd.Series:
    rows = d[(d["outcome"] == outcome) & (d["driver"] == driver) & (d["polarity"] == polarity)]
    assert len(rows) == 1, f"{outcome} {driver} {polarity}: {len(rows)} rows"
    return rows.iloc[0]


def test_planted_effects_are_recovered_in_each_outcome_units(planted: Planted) -> None:
    d, _, truth = planted
    assert list(d.columns) == COLUMNS
    p1, p2 = truth["x1"].mean(), truth["x2"].mean()
    # Promoter and detractor probabilities move by -0.30 and +0.35: NPS by -65 points.
    # Mean scores 9.5 (promoters), 7.5 (passives), 3 (detractors): -2.175 on the 0-10 scale.
    expected = {("nps", "T1", "negative"): 65 * p1,
                ("nps", "T2", "positive"): 35 * min(p2, 1 - p2),
                ("rating", "T1", "negative"): 2.175 * p1,
                ("rating", "T2", "positive"): 0.95 * min(p2, 1 - p2),
                ("lapse", "T1", "negative"): -50 * truth["share"].mean()}
    for (outcome, driver, polarity), effect in expected.items():
        row = _row(d, outcome, driver, polarity)
        assert row["effect_low"] <= effect <= row["effect_high"], (outcome, driver, row)
        assert row["effect"] == pytest.approx(effect, rel=0.25)
        assert row["action"] == ("fix" if polarity == "negative" else "spread")
    for outcome in ("rating", "nps"):
        assert _row(d, outcome, "T1", "negative")["rank"] == 1
        # Neutral mentions of T1 are no complaint: exactly the planted rows count.
        assert _row(d, outcome, "T1", "negative")["n"] == truth["x1"].sum()
        # Drivers with no effect of their own get intervals around zero.
        for driver, polarity in (("T3", "negative"), ("T3", "positive"), ("pain", "negative")):
            row = _row(d, outcome, driver, polarity)
            assert row["effect_low"] < 0 < row["effect_high"], (outcome, driver, row)
    assert set(d["polarity"]) == {"negative", "positive"}
    nps = _row(d, "nps", "T1", "negative")
    assert nps["outcome_label"].startswith("NPS") and nps["effect_unit"] == "points"
    assert nps["statement"].startswith("Fixing 'late delivery' (negative mentions) would move "
                                       "NPS by about +")
    assert _row(d, "rating", "T1", "negative")["outcome_label"] == "rating (nps 0-10)"
    lapse = _row(d, "lapse", "T1", "negative")
    assert lapse["direction"] == "raises" and "more likely to be lapsed" in lapse["statement"]


def test_planted_weights_add_up_and_weak_outcomes_are_flagged(planted: Planted) -> None:
    d, notes, _ = planted
    for _, rows in d.groupby("outcome"):
        assert rows["importance"].sum() == pytest.approx(rows["r2"].iloc[0], abs=1e-9)
        assert rows["importance_share"].sum() == pytest.approx(1.0)
        assert sorted(rows["rank"]) == list(range(1, len(rows) + 1))
        assert (rows["importance_low"] <= rows["importance_high"]).all()
    assert any(n.startswith("clv: themes and facets explain little") for n in notes)


def test_quotes_are_the_most_typical_statements(planted: Planted) -> None:
    d, _, truth = planted
    s = truth["statements"]
    complaints = s[(s["theme_id"] == "T1") & (s["sentiment_label"] == "negative")]
    typical = complaints.sort_values("similarity", ascending=False)["statement_id"][:3]
    quotes = json.loads(_row(d, "nps", "T1", "negative")["quotes"])
    assert [q["statement_id"] for q in quotes] == typical.tolist()
    texts = dict(zip(s["statement_id"], s["text"], strict=True))
    assert all(q["text"] == texts[q["statement_id"]] for q in quotes)


def test_missing_inputs_and_bad_parameters() -> None:
    con = duckdb.connect()
    built = build_drivers(con)
    assert built.tables["drivers"].empty and list(built.tables["drivers"].columns) == COLUMNS
    assert "rapport analyze" in built.notes[0]
    for bad in ({"outcomes": ["rating", "happiness"]}, {"min_support": 1}, {"n_boot": 0},
                {"confidence": 1.0}, {"max_drivers": 2.5}):
        with pytest.raises(ConfigError):
            build_drivers(con, **bad)
    con.close()
    con, _ = _planted()
    only = build_drivers(con, outcomes="nps, lapse", n_boot=20).tables["drivers"]
    assert set(only["outcome"]) == {"nps", "lapse"}
    none = build_drivers(con, outcomes=["nps"], min_support=N_PLANTED, n_boot=20)
    assert none.tables["drivers"].empty and "drivers_min_support" in none.notes[0]
    con.close()


# --- 3. the demo business --------------------------------------------------------------------
FACETS = ("job", "pain", "value", "hope", "fear", "perception", "competitor", "suggestion",
          "praise", "intent")


def _planted_facet_weights(demo: DemoStore) -> tuple[pd.Series, pd.Series]:
    """Relative weights and fix-effects of the planted facets (the truth, not what the voice
    stage found) on NPS: one driver per facet, per nps-rated response with text."""
    rows = demo.ws.sql("SELECT external_id, rating FROM feedback WHERE rating_scale = 'nps' "
                       "AND feedback_id IN (SELECT feedback_id FROM statements)").to_pandas()
    said = demo.truth["statements"]
    x = np.array([[any(f in s["facets"] for s in said[e]) for f in FACETS]
                  for e in rows["external_id"]], dtype=float)
    r = rows["rating"].to_numpy(float)
    y = np.where(r >= 9, 100.0, np.where(r <= 6, -100.0, 0.0))
    fit = relative_weights(x, y)
    return (pd.Series(fit.weights, index=FACETS),
            pd.Series(-fit.coef * x.mean(axis=0), index=FACETS))


@pytest.fixture(scope="module")
def demo_drivers(demo_store: DemoStore) -> pd.DataFrame:
    built = build_drivers(demo_store.ws._con)
    assert {"rating", "nps", "lapse", "clv"} == set(built.summary["outcomes"])
    return built.tables["drivers"]


def test_demo_pains_and_fears_lower_ratings_and_nps_and_praise_raises(
    demo_store: DemoStore, demo_drivers: pd.DataFrame
) -> None:
    d = demo_drivers
    weights, fixes = _planted_facet_weights(demo_store)
    planted_top = set(weights.sort_values(ascending=False).index[:2])
    assert planted_top == {"pain", "praise"}
    for outcome in ("rating", "nps"):
        rows = d[d["outcome"] == outcome].sort_values("rank")
        assert set(rows["driver"].iloc[:2]) == planted_top
        pain = _row(d, outcome, "pain", "negative")
        assert pain["rank"] == 1 and pain["direction"] == "lowers" and pain["effect_low"] > 0
        lowering = rows[(rows["driver_kind"] == "facet") & (rows["direction"] == "lowers")]
        assert "fear" in lowering["driver"].iloc[:3].tolist()
        assert _row(d, outcome, "fear", "negative")["effect"] > 0
        raising = rows[rows["direction"] == "raises"]
        assert raising["driver"].iloc[0] == "praise"
        assert _row(d, outcome, "praise", "positive")["effect_low"] > 0
        assert rows["importance"].sum() == pytest.approx(rows["r2"].iloc[0], abs=1e-9)
        assert rows["r2"].iloc[0] > 0.3
    # The NPS gain from fixing pains is of the size the planted facets give (the voice stage
    # misses some pains, so it is smaller).
    ours = _row(d, "nps", "pain", "negative")["effect"]
    assert 0.4 * fixes["pain"] < ours < 1.25 * fixes["pain"]
    assert "0-100" in d.loc[d["outcome"] == "rating", "outcome_label"].iloc[0]


def test_demo_fixing_statements_come_with_quotes(
    demo_store: DemoStore, demo_drivers: pd.DataFrame
) -> None:
    d = demo_drivers
    statements = demo_store.ws.sql("SELECT statement_id, text FROM statements").to_pandas()
    texts = dict(zip(statements["statement_id"], statements["text"], strict=True))
    nps_rated = set(demo_store.ws.sql(
        "SELECT feedback_id FROM feedback WHERE rating_scale = 'nps'").column(0).to_pylist())
    fixing = d[(d["outcome"] == "nps") & (d["action"] == "fix") & (d["effect"] > 0)]
    assert len(fixing) >= 3
    for row in fixing.itertuples():
        assert re.fullmatch(r"Fixing .+ would move NPS by about \+[\d.]+ points\.",
                            str(row.statement)), row.statement
        quotes = json.loads(str(row.quotes))
        assert 1 <= len(quotes) <= 3
        for q in quotes:
            assert texts[q["statement_id"]] == q["text"] and q["feedback_id"] in nps_rated
    lapse = d[d["outcome"] == "lapse"]
    assert lapse["statement"].str.contains("likely to be lapsed or at risk").all()
    assert (d.loc[d["outcome"] == "clv", "effect_unit"] == "%").all()


# --- 4. real reviews: women's clothing, 1-5 stars ------------------------------------------
REVIEWS = 2_000
FIT = re.compile(r"\b(?:fit|fits|fitting|size|sizes|sizing|sized|small|large|big|tight|loose|"
                 r"short|long|length|waist|hips|bust|chest|shoulders|arms|petite|xs|medium|"
                 r"runs|fabric|material|quality|thin|cheap)\b")
LOVE = re.compile(r"\b(?:love|loved|perfect|compliments|flattering|comfortable|comfy|"
                  r"recommend|beautiful|gorgeous)\b")


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pd.DataFrame]:
    folder = tmp_path_factory.mktemp("reviews")
    frame = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv")
    path = Path(folder / "reviews.csv")
    frame[frame["Review Text"].notna()].head(REVIEWS).to_csv(path, index=False)
    ws = rapport.open(folder / "store.duckdb")
    ws.ingest(path, "feedback", mapping=["kind='review'"])
    ws.analyze(understand=False)
    built = build_drivers(ws._con)
    assert set(built.summary["outcomes"]) == {"rating"}
    assert any("customer_behavior is missing" in n for n in built.notes)
    ws.close()
    yield built.tables["drivers"]


def test_clothing_review_drivers_make_sense(reviews: pd.DataFrame) -> None:
    d = reviews
    assert set(d["outcome"]) == {"rating"} and (d["effect_unit"] == "stars").all()
    assert d["outcome_label"].iloc[0] == "rating (stars5 1-5)"
    assert d["r2"].iloc[0] > 0.2 and d["n_units"].iloc[0] >= 0.95 * REVIEWS
    pain, praise = _row(d, "rating", "pain", "negative"), _row(d, "rating", "praise", "positive")
    assert pain["rank"] <= 3 and pain["direction"] == "lowers" and pain["effect_low"] > 0
    assert praise["rank"] <= 3 and praise["direction"] == "raises" and praise["effect_low"] > 0
    themes = d[d["driver_kind"] == "theme"]
    fit = themes[(themes["polarity"] == "negative") & themes["label"].str.contains(FIT)]
    assert len(fit) >= 5
    lowers = fit["direction"] == "lowers"
    assert lowers.mean() >= 2 / 3
    assert fit.loc[lowers, "importance"].sum() > 3 * fit.loc[~lowers, "importance"].sum()
    assert fit["rank"].min() <= 10
    loved = themes[(themes["polarity"] == "positive") & themes["label"].str.contains(LOVE)]
    assert len(loved) >= 2 and (loved["direction"] == "raises").mean() >= 2 / 3
    assert all(json.loads(q) for q in d["quotes"])
