"""The behaviour stage end to end: CDNOW's published fit through ingest → analyze, the demo's
planted truth recovered, the loyalty ladder's rules, flows, and the customer listings."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rapport
from conftest import DATASETS, count, write
from rapport.behavior.ladder import LADDER, LadderSettings, assign_stages, ladder_flows
from rapport.behavior.models import GammaGammaModel
from rapport.errors import ConfigError, NotAnalyzedError


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[rapport.Workspace, Any]]:
    folder = tmp_path_factory.mktemp("demo")
    ws = rapport.open(folder / "demo.duckdb")
    summary = ws.demo(customers=3000, seed=7, out_dir=folder / "data")
    truth = json.loads(Path(summary["ground_truth"]).read_text())
    yield ws, truth
    ws.close()


def _behavior(ws: rapport.Workspace, truth: dict[str, Any]) -> pd.DataFrame:
    frame = ws.sql(
        "SELECT i.value AS source_id, b.* FROM customer_behavior b JOIN identities i "
        "USING (customer_id) WHERE i.kind = 'external_id'"
    ).to_pandas()
    frame["segment"] = frame["source_id"].map(truth["customer_segment"])
    people = truth["customers"]
    frame["true_lambda"] = frame["source_id"].map(lambda c: (people.get(c) or {}).get("lambda"))
    frame["alive_at_end"] = frame["source_id"].map(
        lambda c: (people.get(c) or {}).get("alive_at_end"))
    return frame


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    order = np.argsort(score)
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    pos = label.sum()
    return float((ranks[label].sum() - pos * (pos + 1) / 2) / (pos * (len(label) - pos)))


def test_cdnow_published_fit_through_ingest_and_analyze(tmp_path: Path) -> None:
    with rapport.open(tmp_path / "cdnow.duckdb") as ws:
        ws.ingest(DATASETS / "cdnow" / "CDNOW_sample.txt", "transactions",
                  mapping=["customer_id=column1", "ts=column3", "quantity=column4",
                           "amount=column5"])
        result = ws.analyze(as_of="1997-09-30")["behavior"]
        assert result["buyers"] == 2357 and result["time_unit"] == "weeks"
        bg = result["models"]["bgnbd"]
        published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        for name, value in published.items():
            assert bg["fitted"]["params_"][name] == pytest.approx(value, rel=0.005), name
        assert bg["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
        gg = result["models"]["gamma_gamma"]["fitted"]
        assert gg["n_customers_"] == 946
        for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
            assert gg["params_"][name] == pytest.approx(value, rel=0.005), name
        # the customer of the published conditional expectation (x=2, t_x=30.43, T=38.86)
        row = ws.sql("SELECT frequency, recency, T FROM customer_behavior "
                     "WHERE abs(recency - 30.43) < 0.01 AND frequency = 2 AND abs(T - 38.86) < 0.01"
                     ).to_pylist()
        assert row, "the published example customer is in the sample"
        recorded = ws.sql("SELECT count(*) AS n, any_value(time_unit) AS unit FROM "
                          "behavior_models").to_pylist()[0]
        assert recorded == {"n": 1, "unit": "weeks"}


def test_customer_behavior_has_the_documented_columns(demo: Any) -> None:
    from rapport.behavior.analysis import BEHAVIOR_COLUMNS

    ws, _ = demo
    columns = ws.sql("SELECT * FROM customer_behavior LIMIT 0").column_names
    assert columns == [name for name, _, _ in BEHAVIOR_COLUMNS]


def test_demo_bgnbd_parameters_recovered_within_sampling_error(demo: Any) -> None:
    ws, truth = demo
    models = json.loads(ws.sql("SELECT models FROM behavior_models").column(0)[0].as_py())
    bg = models["bgnbd"]
    for name, true_value in truth["bgnbd"].items():
        estimate = bg["fitted"]["params_"][name]
        se = bg["standard_errors"][name]
        assert abs(estimate - true_value) < 3 * se, (name, estimate, true_value, se)


def test_demo_spend_recovered_per_segment(demo: Any) -> None:
    ws, truth = demo
    frame = _behavior(ws, truth)
    repeat = frame[(frame["frequency"] > 0) & (frame["monetary_value"] > 0)]
    checked = 0
    for seg in truth["segments"]:
        rows = repeat[repeat["segment"] == seg["name"]]
        if len(rows) < 150:
            continue
        gg = GammaGammaModel().fit(rows["frequency"], rows["monetary_value"])
        p, q, g = (seg["behaviour"]["gamma_gamma"][k] for k in ("p", "q", "gamma"))
        fitted = gg.params_
        true_mean = p * g / (q - 1)
        fitted_mean = fitted["p"] * fitted["gamma"] / (fitted["q"] - 1)
        assert fitted_mean == pytest.approx(true_mean, rel=0.15), seg["name"]
        checked += 1
    assert checked >= 3


def test_demo_p_alive_and_stages_agree_with_the_truth(demo: Any) -> None:
    ws, truth = demo
    frame = _behavior(ws, truth)
    assert count(ws, "SELECT count(*) FROM customer_behavior") == 3000
    assert set(frame["stage"]) <= set(LADDER)
    prospects = frame[frame["stage"] == "prospect"]
    assert set(prospects["source_id"]) == set(truth["prospects"])
    repeat = frame[frame["frequency"] > 0]
    alive = repeat["alive_at_end"].astype(bool).to_numpy()
    assert _auc(repeat["p_alive"].to_numpy(), alive) > 0.8
    # BG/NBD holds every one-time buyer alive (P(alive) 1.0 however old their purchase): the
    # table leaves it empty for them rather than state it, and only for them
    buyers = frame[frame["stage"] != "prospect"]
    assert (buyers["p_alive"].isna() == (buyers["frequency"] == 0)).all()
    assert buyers["p_alive"].dropna().between(0, 1).all()
    # the ladder's upper rungs hold the customers who truly will buy most: their true rate
    # if still alive (in BG/NBD a one-time buyer cannot have dropped out, so "alive" alone
    # says little about them)
    frame["future_rate"] = frame["true_lambda"] * frame["alive_at_end"].astype(float)
    rate = frame.groupby("stage")["future_rate"].mean()
    assert rate["customer for life"] > rate["repeat customer"] > rate["first-time buyer"]
    assert rate["loyal"] > 3 * rate["repeat customer"]
    # among repeat buyers, lapsed ones are mostly truly gone and active ones mostly alive
    share_alive = repeat.groupby("status")["alive_at_end"].mean()
    assert share_alive["lapsed"] < 0.2 and share_alive["active"] > 0.65
    # planted promoters who stopped buying show up as lapsed or at risk
    lapsed_ids = {c["customer_id"] for c in truth["contradictions"]
                  if c["type"] == "promoter_lapsed"}
    statuses = frame[frame["source_id"].isin(lapsed_ids)]["status"]
    # (some had a slow rhythm, so by their own rhythm they are not yet overdue)
    assert statuses.isin(["lapsed", "at risk"]).mean() > 0.75
    # customers for life are loyal customers with positive feedback on record: a top rating,
    # or (once the voice stage has read them) praise, suggestions or positive intent
    cfl = frame[frame["stage"] == "customer for life"]
    assert len(cfl) > 0 and cfl["engaged"].all()
    assert cfl["engagement"].str.contains(
        "promoter|on stars5|praise|suggestion|positive intent").all()


def test_ladder_rules_one_by_one() -> None:
    now = pd.Timestamp("2026-06-30")
    rules = LadderSettings.from_settings()

    def row(**kw: Any) -> dict[str, Any]:
        base = {"customer_id": kw.pop("id"), "frequency": 0, "first_purchase": now,
                "last_purchase": now, "days_since_last_purchase": 1.0,
                "median_gap_days": np.nan, "overdue_ratio": np.nan, "p_alive": 1.0,
                "last_gap_days": np.nan, "engaged": False}
        base.update(kw)
        return base

    old = now - pd.Timedelta(days=400)
    rows = [
        row(id="prospect", first_purchase=pd.NaT, last_purchase=pd.NaT, frequency=np.nan),
        row(id="new"),
        row(id="single-risk", days_since_last_purchase=200.0),
        row(id="single-lapsed", days_since_last_purchase=400.0),
        row(id="repeat", frequency=1, first_purchase=now - pd.Timedelta(days=30),
            median_gap_days=30.0, overdue_ratio=0.1, p_alive=0.9),
        row(id="loyal", frequency=5, first_purchase=old, median_gap_days=60.0,
            overdue_ratio=0.5, p_alive=0.95),
        row(id="for-life", frequency=5, first_purchase=old, median_gap_days=60.0,
            overdue_ratio=0.5, p_alive=0.95, engaged=True),
        row(id="overdue", frequency=5, first_purchase=old, median_gap_days=20.0,
            overdue_ratio=3.0, p_alive=0.6),
        row(id="gone", frequency=3, first_purchase=old, median_gap_days=30.0,
            overdue_ratio=1.0, p_alive=0.1),
        row(id="back", frequency=2, first_purchase=old, median_gap_days=200.0,
            overdue_ratio=0.1, p_alive=0.9, last_gap_days=380.0),
    ]
    got = assign_stages(pd.DataFrame(rows), rules).set_index("customer_id")
    expected = {
        "prospect": ("prospect", "never bought"),
        "new": ("first-time buyer", "active"),
        "single-risk": ("first-time buyer", "at risk"),
        "single-lapsed": ("first-time buyer", "lapsed"),
        "repeat": ("repeat customer", "active"),
        "loyal": ("loyal", "active"),
        "for-life": ("customer for life", "active"),
        "overdue": ("repeat customer", "at risk"),
        "gone": ("repeat customer", "lapsed"),
        "back": ("repeat customer", "won back"),
    }
    for cid, (stage, status) in expected.items():
        assert (got.loc[cid, "stage"], got.loc[cid, "status"]) == (stage, status), cid
    # thresholds are settings: a looser loyalty rule promotes the overdue customer
    looser = LadderSettings.from_settings(loyal_max_overdue=5.0, loyal_min_p_alive=0.5)
    assert assign_stages(pd.DataFrame(rows), looser).set_index("customer_id").loc[
        "overdue", "stage"] == "loyal"


def test_ladder_flows_between_two_dates(demo: Any) -> None:
    ws, _ = demo
    flows = ws.flows("2025-06-30", "2026-06-30")
    assert sum(flows["moves"].values()) == 3000
    moves = pd.DataFrame(flows["customers"])
    rank = {s: i for i, s in enumerate(LADDER)}
    up = moves[moves["move"] == "moved up"]
    assert len(up) > 0
    assert (up["stage_after"].map(rank) > up["stage_before"].map(rank)).all()
    back = moves[moves["move"] == "won back"]
    assert back["status_before"].isin(["lapsed", "at risk"]).all()
    assert back["status_after"].isin(["active", "won back"]).all()
    before = pd.DataFrame({"customer_id": ["a", "b"], "stage": ["loyal", "repeat customer"],
                           "status": ["active", "active"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "c"],
                          "stage": ["repeat customer", "loyal", "first-time buyer"],
                          "status": ["active", "active", "active"]})
    got = ladder_flows(before, after).set_index("customer_id")["move"].to_dict()
    assert got == {"a": "slipped", "b": "moved up", "c": "new"}


def test_customers_by_stage_sorted_by_clv(demo: Any) -> None:
    ws, _ = demo
    rows = ws.customers(stage="at-risk", sort="clv", limit=50)
    assert rows and all(r["status"] == "at risk" for r in rows)
    values = [r["clv"] for r in rows]
    assert values == sorted(values, reverse=True)
    loyal = ws.customers(stage="loyal", limit=5)
    assert loyal and all(r["stage"] == "loyal" for r in loyal)
    with pytest.raises(ConfigError, match="use a ladder stage"):
        ws.customers(stage="vip")
    with pytest.raises(ConfigError, match="sort by a behaviour column"):
        ws.customers(sort="shoe_size")


def test_listing_by_stage_before_analyze_says_what_to_do(ws: rapport.Workspace,
                                                         tmp_path: Path) -> None:
    with pytest.raises(NotAnalyzedError, match="run `rapport analyze`"):
        ws.customers(stage="loyal")
    with pytest.raises(NotAnalyzedError, match="nothing to analyse: load transactions or feedback"):
        ws.analyze()


def test_cohorts_after_analyze(demo: Any) -> None:
    ws, _ = demo
    data = ws.cohorts()
    assert data["matrix"] and all(shares[0] == 1.0 for shares in data["matrix"].values())
    fitted = [m for m in data["models"] if not m["note"]]
    assert len(fitted) >= 10
    assert all(0 < m["survival_horizon"] <= m["survival_12"] < 1 for m in fitted)
    sizes = {str(m["cohort_month"])[:10]: m["cohort_size"] for m in data["models"]}
    first_buyers = count(ws, "SELECT count(*) FROM customer_behavior WHERE "
                             "first_purchase IS NOT NULL")
    assert sum(sizes.values()) == first_buyers


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_model_warnings_become_notes_and_unknown_errors_are_null(
        ws: rapport.Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On 2025-04-02 nobody has bought twice, so BG/NBD cannot pin down its dropout parameters:
    # its Hessian is singular, and float noise alone decides whether a Cholesky factorisation
    # fails. The factorisation is made to fail, so that the model's warning always comes.
    def not_positive_definite(matrix: Any) -> Any:
        raise np.linalg.LinAlgError("Matrix is not positive definite")

    monkeypatch.setattr(np.linalg, "cholesky", not_positive_definite)
    path = write(tmp_path / "tx.csv", "customer_id,ts,amount\nh1,2025-01-02,10\n"
                 "h2,2025-02-03,20\nh3,2025-03-04,30\nh4,2025-04-05,40\nh1,2025-06-01,15\n")
    ws.ingest(path, "transactions")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = ws.analyze(as_of="2025-04-02", voice=False, understand=False)
    assert not [w for w in caught if "positive definite" in str(w.message)]
    behavior = result["behavior"]
    assert any(note.startswith("BG/NBD: the Hessian at the estimate is not positive definite")
               for note in behavior["notes"]), behavior["notes"]
    assert "no repeat customers with spend: spend is the mean order value, not a Gamma-Gamma " \
           "fit." in behavior["notes"]
    assert behavior["notes"][0].startswith("nobody has bought twice yet: BG/NBD cannot tell")
    unknown = dict.fromkeys(["r", "alpha", "a", "b"])
    assert behavior["models"]["bgnbd"]["standard_errors"] == unknown
    _strict_json(json.dumps(behavior["models"], default=str))
    stored = ws.sql("SELECT models, notes FROM behavior_models").to_pylist()
    assert _strict_json(stored[0]["models"])["bgnbd"]["standard_errors"]["r"] is None
    assert _strict_json(stored[0]["notes"]) == behavior["notes"]
    # the flows between two dates carry the notes of each date's models
    flows = ws.flows("2025-04-02", "2025-07-01")
    assert any(note.startswith("on 2025-04-02") and "BG/NBD: the Hessian" in note
               for note in flows["notes"]), flows["notes"]


def test_no_purchases_to_model_says_why_and_flows_from_before_the_first(
        ws: rapport.Workspace, tmp_path: Path) -> None:
    returns = write(tmp_path / "returns.csv",
                    "customer_id,ts,amount\na,2025-01-02,-10\nb,2025-01-03,-5\n")
    with rapport.open(tmp_path / "returns.duckdb") as only_returns:
        only_returns.ingest(returns, "transactions")
        with pytest.raises(NotAnalyzedError, match=r"no purchases up to 2025-01-03 to analyse: "
                                                   r"all 2 transactions are returns"):
            only_returns.analyze(voice=False)
    ws.ingest(write(tmp_path / "tx.csv", "customer_id,ts,amount\na,2025-01-02,10\n"
                    "b,2025-01-03,5\na,2025-02-01,12\n"), "transactions")
    with pytest.raises(NotAnalyzedError, match=r"no purchases up to 2024-06-01 to analyse: the "
                                               r"first purchase is on 2025-01-02\. Choose that"):
        ws.analyze(as_of="2024-06-01", voice=False, understand=False)
    flows = ws.flows("2024-06-01", "2025-02-01")
    assert flows["moves"] == {"new": 2}
    assert flows["notes"][0] == ("no purchases up to 2024-06-01: every customer who bought by "
                                 "2025-02-01 is new.")
    with pytest.raises(ConfigError, match=r"the first date \(2025-02-01\) must come before"):
        ws.flows("2025-02-01", "2025-01-02")
    with pytest.raises(ConfigError, match="ladder flows between two dates: observation_end "
                                          "'2025-13-01' is not a date"):
        ws.flows("2025-13-01", "2025-02-01")


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("RAPPORT_BEHAVIOR_TIME_UNIT", "fortnights", "not a time unit of the models"),
    ("RAPPORT_BEHAVIOR_HORIZON_MONTHS", "-3", "must be a positive number of months"),
    ("RAPPORT_BEHAVIOR_DISCOUNT_RATE", "-1", "must be at least 0 and below 1"),
    ("RAPPORT_BEHAVIOR_DISCOUNT_RATE", "nan", "must be at least 0 and below 1"),
])
def test_bad_model_settings_name_their_variable_and_change_nothing(
        ws: rapport.Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        variable: str, value: str, says: str) -> None:
    ws.ingest(write(tmp_path / "tx.csv", "customer_id,ts,amount\na,2025-01-02,10\n"
                    "b,2025-01-03,5\na,2025-02-01,12\n"), "transactions")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"^{variable}='?{value}'?: .*{says}"):
        ws.analyze(voice=False, understand=False)
    assert count(ws, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                     "'customer_behavior'") == 0


def test_bad_ladder_thresholds_say_which_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"loyal_min_p_alive=1\.5 \(environment variable "
                                          r"RAPPORT_LADDER_LOYAL_MIN_P_ALIVE\) must be a "
                                          r"probability from 0 to 1"):
        LadderSettings.from_settings(loyal_min_p_alive=1.5)
    with pytest.raises(ConfigError, match=r"loyal_min_orders=0 .* must be a number of at least 1"):
        LadderSettings.from_settings(loyal_min_orders=0)
    monkeypatch.setenv("RAPPORT_LADDER_LAPSED_P_ALIVE", "0.6")
    with pytest.raises(ConfigError, match="lapsed_p_alive cannot be above at_risk_p_alive"):
        LadderSettings.from_settings()
    monkeypatch.setenv("RAPPORT_LADDER_LAPSED_P_ALIVE", "0.5")  # equal is allowed
    assert LadderSettings.from_settings().lapsed_p_alive == 0.5
    with pytest.raises(ConfigError, match="won_back_gap_days=nan"):
        LadderSettings.from_settings(won_back_gap_days=float("nan"))


def test_validation_before_the_first_purchase_says_why(ws: rapport.Workspace,
                                                       tmp_path: Path) -> None:
    ws.ingest(write(tmp_path / "tx.csv", "customer_id,ts,amount\na,2025-01-02,10\n"
                    "b,2025-01-03,5\na,2025-02-01,12\n"), "transactions")
    with pytest.raises(NotAnalyzedError, match=r"no purchases up to 2024-06-01 to analyse: the "
                                               r"first purchase is on 2025-01-02\. Choose that "
                                               r"day or a later one \(--until\)"):
        ws.validate("2024-06-01")
    with pytest.raises(ConfigError, match=r"or a later holdout end \(--holdout-end\)"):
        ws.validate("2025-01-20", "2025-01-10")
