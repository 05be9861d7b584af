"""The demo generator: files, determinism, the BG/NBD process, planted truth and the voice."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from rapport.demo import DemoFiles, generate_demo
from rapport.demo.purchases import (
    BGNBDParams,
    Calendar,
    draw_first_purchases,
    draw_rates,
    simulate_purchases,
)
from rapport.demo.voice import FACETS
from rapport.errors import ConfigError

CUSTOMERS_COLUMNS = [
    "CustomerID",
    "Full Name",
    "Email",
    "Phone",
    "Age",
    "Gender",
    "Region",
    "City",
    "Signup Date",
    "Company ID",
]
TRANSACTIONS_COLUMNS = [
    "Order ID",
    "CustomerID",
    "Order Date",
    "Product",
    "Category",
    "Quantity",
    "Unit Price",
    "Total",
    "Channel",
]
FEEDBACK_KEYS = {
    "response_id",
    "customer_id",
    "created_at",
    "type",
    "channel",
    "question",
    "comment",
    "score",
    "scale",
}
ACCOUNTS_COLUMNS = ["Account ID", "Company", "Industry", "Employees"]
CONTACTS_COLUMNS = [
    "Contact ID",
    "Account ID",
    "Name",
    "Job Title",
    "Buying Role",
    "Email",
    "Phone",
]
FILES = ("customers", "transactions", "feedback", "accounts", "contacts", "ground_truth")


@dataclass(frozen=True)
class Demo:
    files: DemoFiles
    customers: pd.DataFrame
    transactions: pd.DataFrame
    feedback: list[dict[str, Any]]
    accounts: pd.DataFrame
    contacts: pd.DataFrame
    truth: dict[str, Any]

    @property
    def orders(self) -> pd.DataFrame:
        """One row per (positive) order: customer, time, total."""
        lines = self.transactions[self.transactions["Total"] > 0]
        return lines.groupby("Order ID").agg(
            customer=("CustomerID", "first"), ts=("Order Date", "first"), total=("Total", "sum")
        )


def _read(files: DemoFiles) -> Demo:
    return Demo(
        files=files,
        customers=pd.read_csv(files.customers, dtype=str, keep_default_na=False),
        transactions=pd.read_csv(files.transactions, parse_dates=["Order Date"]),
        feedback=[json.loads(line) for line in files.feedback.read_text().splitlines()],
        accounts=pd.read_csv(files.accounts),
        contacts=pd.read_csv(files.contacts, dtype=str, keep_default_na=False),
        truth=json.loads(files.ground_truth.read_text()),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _read(generate_demo(tmp_path_factory.mktemp("demo"), customers=3000, seed=7))


def _expected_repeats(t: np.ndarray, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """BG/NBD closed form E[X(t)] (Fader, Hardie and Lee 2005, eq. 9)."""
    z = t / (alpha + t)
    return np.asarray(
        (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    )


def _cramers_v(x: pd.Series, y: pd.Series) -> float:
    table = pd.crosstab(x, y).to_numpy().astype(float)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


def _after(demo: Demo, customer: str, when: str) -> pd.DataFrame:
    tx = demo.transactions
    return tx[(tx["CustomerID"] == customer) & (tx["Order Date"] > pd.Timestamp(when))]


# -- files ---------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "a", customers=600, seed=11)
    again = generate_demo(tmp_path / "b", customers=600, seed=11)
    other = generate_demo(tmp_path / "c", customers=600, seed=12)
    for name in FILES:
        same = getattr(first, name).read_bytes() == getattr(again, name).read_bytes()
        assert same, f"{name} differs between two runs with the same seed"
    for name in ("customers", "transactions", "feedback", "ground_truth"):
        assert getattr(first, name).read_bytes() != getattr(other, name).read_bytes(), name


def test_files_have_the_export_columns(demo: Demo) -> None:
    assert list(demo.customers.columns) == CUSTOMERS_COLUMNS
    assert list(demo.transactions.columns) == TRANSACTIONS_COLUMNS
    assert list(demo.accounts.columns) == ACCOUNTS_COLUMNS
    assert list(demo.contacts.columns) == CONTACTS_COLUMNS
    for row in demo.feedback:
        assert set(row) >= FEEDBACK_KEYS, row
        assert ("account_id" in row) == (row["type"] == "note")
    assert pd.api.types.is_datetime64_any_dtype(demo.transactions["Order Date"])
    assert pd.to_datetime(demo.customers["Signup Date"]).notna().all()
    assert pd.to_datetime(pd.Series([r["created_at"] for r in demo.feedback])).notna().all()


def test_counts_match_what_generate_demo_reports(demo: Demo) -> None:
    files, tx = demo.files, demo.transactions
    assert len(demo.customers) == files.n_customers == 3000
    assert len(tx) == files.n_transactions
    assert tx.loc[tx["Total"] > 0, "Order ID"].nunique() == files.n_orders
    assert len(demo.feedback) == files.n_feedback
    assert len(demo.accounts) == files.n_accounts
    assert len(demo.contacts) == files.n_contacts
    never_bought = set(demo.customers["CustomerID"]) - set(tx["CustomerID"])
    assert len(never_bought) == files.n_prospects == len(demo.truth["prospects"])
    assert never_bought == set(demo.truth["prospects"])
    assert 0.05 <= files.n_prospects / files.n_customers <= 0.10
    assert 40 <= files.n_accounts <= 80


def test_rejects_a_customer_count_below_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="customers"):
        generate_demo(tmp_path, customers=0)


def test_identity_formats_are_mixed(demo: Demo) -> None:
    emails = demo.customers["Email"]
    phones = demo.customers.loc[demo.customers["Phone"] != "", "Phone"]
    assert (emails.str.lower().str.strip() == emails).mean() < 0.97  # some are not lower case
    assert emails.str.lower().is_unique
    digits = phones.str.replace(r"\D", "", regex=True).str[-10:]
    assert digits.is_unique
    shapes = phones.str.replace(r"\d", "9", regex=True).value_counts()
    assert {"(999) 999-9999", "+9 999 999 9999", "999.999.9999"} <= set(shapes.index)


# -- transactions --------------------------------------------------------------------------------


def test_line_totals_are_quantity_times_unit_price(demo: Demo) -> None:
    tx = demo.transactions
    assert np.allclose(tx["Total"], tx["Quantity"] * tx["Unit Price"], atol=0.005)
    assert (tx["Unit Price"] > 0).all()
    returns = tx[tx["Total"] < 0]
    assert ((tx["Quantity"] < 0) == (tx["Total"] < 0)).all()
    assert 0.005 <= len(returns) / len(tx) <= 0.02
    assert returns["Order ID"].str.endswith("-R").all()
    sold = tx[tx["Total"] > 0].set_index(["Order ID", "Product"])
    for _, ret in returns.iterrows():
        original = sold.loc[(ret["Order ID"][: -len("-R")], ret["Product"])]
        assert original["CustomerID"] == ret["CustomerID"]
        assert original["Order Date"] < ret["Order Date"]
        assert -ret["Quantity"] <= original["Quantity"]
    lines_per_order = tx[tx["Total"] > 0].groupby("Order ID").size()
    assert (lines_per_order > 1).mean() > 0.1


def test_unit_prices_stay_near_list_prices(demo: Demo) -> None:
    tx = demo.transactions
    ratio = tx["Unit Price"] / tx.groupby("Product")["Unit Price"].transform("median")
    assert ratio.between(0.8, 1.2).mean() > 0.9


def test_repeat_purchases_match_the_bgnbd_closed_form_in_the_files(demo: Demo) -> None:
    truth = demo.truth
    repeats = demo.orders.groupby("customer").size() - 1
    buyers = pd.DataFrame(truth["customers"]).T
    assert set(buyers.index) == set(repeats.index)
    assert (buyers["repeat_purchases"] == repeats.reindex(buyers.index)).all()
    params = {s["name"]: s["behaviour"]["bgnbd"] for s in truth["segments"]}
    segment = pd.Series(truth["customer_segment"]).reindex(buyers.index)
    expected = np.empty(len(buyers))
    for name, p in params.items():
        mine = (segment == name).to_numpy()
        tau = buyers.loc[mine, "exposure_weeks"].to_numpy(dtype=float)
        expected[mine] = _expected_repeats(tau, p["r"], p["alpha"], p["a"], p["b"])
    observed = repeats.reindex(buyers.index).to_numpy(dtype=float)
    se = observed.std() / np.sqrt(len(observed))
    assert abs(observed.mean() - expected.mean()) < 4 * se, (observed.mean(), expected.mean())
    # given each customer's own λ and p: E[X | λ, p] = (1 - exp(-λ p τ)) / p
    lam, p = buyers["lambda"].to_numpy(float), buyers["p"].to_numpy(float)
    tau = buyers["exposure_weeks"].to_numpy(float)
    residual = observed - (1 - np.exp(-lam * p * tau)) / p
    assert abs(residual.mean()) < 4 * residual.std() / np.sqrt(len(residual))
    # a realistic mix: a third or more buy once, a good share come back often
    assert 0.25 < (observed == 0).mean() < 0.5
    assert (observed >= 5).mean() > 0.1


def test_order_values_follow_the_gamma_gamma_truth(demo: Demo) -> None:
    orders = demo.orders
    truth = demo.truth
    orders["segment"] = orders["customer"].map(truth["customer_segment"])
    for s in truth["segments"]:
        gg = s["behaviour"]["gamma_gamma"]
        expected = gg["p"] * gg["gamma"] / (gg["q"] - 1)
        observed = orders.loc[orders["segment"] == s["name"], "total"].mean()
        assert abs(observed / expected - 1) < 0.2, (s["name"], observed, expected)
    per_customer = orders.groupby("customer")["total"].agg(["mean", "size"])
    regular = per_customer[per_customer["size"] >= 5]
    true_mean = pd.Series({c: v["mean_spend"] for c, v in truth["customers"].items()})
    assert np.corrcoef(regular["mean"], true_mean[regular.index])[0, 1] > 0.8


def test_the_simulation_is_bgnbd_at_scale() -> None:
    """200,000 customers: tight enough to catch a wrong dropout rule (e.g. after the first buy)."""
    rng = np.random.default_rng(1)
    calendar = Calendar(date(2026, 6, 30))
    params = BGNBDParams()
    n = 200_000
    lam, p = draw_rates(rng, np.ones(n), params)
    history = simulate_purchases(rng, lam, p, draw_first_purchases(rng, calendar, n), calendar)
    x = history.repeat_purchases.astype(float)
    tau = history.exposure_weeks
    expected = _expected_repeats(tau, params.r, params.alpha, params.a, params.b)
    assert abs(x.mean() - expected.mean()) < 4 * x.std() / np.sqrt(n)
    p_zero = ((params.alpha / (params.alpha + tau)) ** params.r).mean()
    assert abs((x == 0).mean() - p_zero) < 4 * np.sqrt(p_zero * (1 - p_zero) / n)
    counts = np.bincount(history.event_customer, minlength=n)
    assert (counts == x + 1).all()
    # whoever is alive at the end made fewer purchases than the geometric dropout allowed
    dead = ~history.alive_at_end
    assert (x[dead] >= 1).all()  # dropping out happens only after a repeat purchase


def test_seasonality_is_a_mean_one_change_of_time() -> None:
    calendar = Calendar(date(2026, 6, 30))
    weeks = np.arange(0, calendar.weeks + 1, dtype=float)
    exposure = calendar.exposure(weeks)
    assert (np.diff(exposure) > 0).all()
    assert np.allclose(calendar.calendar_weeks(exposure), weeks)
    year = calendar.exposure(np.array([104.0]))[0] - calendar.exposure(np.array([52.0]))[0]
    assert abs(year - 52.0) < 0.5
    december = calendar.day_months() == 11
    july = calendar.day_months() == 6
    rate = np.diff(calendar.exposure(np.arange(calendar.days + 1) / 7.0)) * 7
    assert rate[december].mean() > 1.3 > 0.9 > rate[july].mean()


# -- who the customers are -----------------------------------------------------------------------


def test_demographics_do_not_predict_the_segment(demo: Demo) -> None:
    segment = pd.Series(demo.truth["customer_segment"]).reindex(demo.customers["CustomerID"])
    segment.index = demo.customers.index
    age = pd.to_numeric(demo.customers["Age"], errors="coerce")
    age_band = pd.cut(age, [0, 25, 35, 45, 55, 65, 120]).astype(str)
    for column in (demo.customers["Region"], demo.customers["Gender"], age_band):
        assert _cramers_v(column, segment) < 0.1, column.name
    ages = age.groupby(segment).median()
    assert ages.max() - ages.min() <= 4


def test_segments_are_needs_based_and_complete(demo: Demo) -> None:
    segments = demo.truth["segments"]
    assert 5 <= len(segments) <= 6
    assert abs(sum(s["share"] for s in segments) - 1) < 1e-9
    for s in segments:
        for key in ("jobs", "values", "pains", "hopes", "fears", "perception", "competitors"):
            assert s[key], (s["name"], key)
        assert len(s["vocabulary"]) >= 5
    counts = Counter(demo.truth["customer_segment"].values())
    assert counts == {s["name"]: s["customers"] for s in segments}
    assert set(demo.truth["customer_segment"]) == set(demo.customers["CustomerID"])
    competitors = {c for s in segments for c in s["competitors"]}
    assert {"BeanBox", "Crema Club", "supermarket coffee"} <= competitors
    # behaviour differs: orders per buyer and spend per order by segment
    orders = demo.orders
    orders["segment"] = orders["customer"].map(demo.truth["customer_segment"])
    per_buyer = orders.groupby("segment").size() / orders.groupby("segment")["customer"].nunique()
    assert per_buyer.max() / per_buyer.min() > 1.5
    spend = orders.groupby("segment")["total"].median()
    assert spend.max() / spend.min() > 2


def test_buying_contacts_are_customers_of_their_account(demo: Demo) -> None:
    customers = demo.customers.set_index(demo.customers["Email"].str.lower())
    accounts = demo.truth["accounts"]
    assert set(accounts) == set(demo.accounts["Account ID"])
    linked = 0
    for _, contact in demo.contacts.iterrows():
        facts = accounts[contact["Account ID"]]
        mine = next(c for c in facts["contacts"] if c["contact_id"] == contact["Contact ID"])
        assert mine["role"] == contact["Buying Role"]
        if mine["customer_id"] is None:
            assert contact["Email"].lower() not in customers.index
            continue
        linked += 1
        customer = customers.loc[contact["Email"].lower()]
        assert customer["CustomerID"] == mine["customer_id"]
        assert customer["Company ID"] == contact["Account ID"]
        if customer["Phone"]:
            assert _digits(customer["Phone"]) == _digits(contact["Phone"])
    assert linked == (demo.customers["Company ID"] != "").sum() > 0
    roles = demo.contacts.groupby("Account ID")["Buying Role"].apply(set)
    assert roles.map(lambda r: "decision maker" in r and "champion" in r).all()


# -- what they say -------------------------------------------------------------------------------


def test_feedback_comes_after_the_first_purchase(demo: Demo) -> None:
    first = demo.orders.groupby("customer")["ts"].min()
    for row in demo.feedback:
        if row["customer_id"] is not None:
            assert pd.Timestamp(row["created_at"]) > first[row["customer_id"]], row["response_id"]
    consumers = {r["customer_id"] for r in demo.feedback if r["type"] != "note"}
    assert 0.3 <= len(consumers) / len(demo.customers) <= 0.5
    kinds = Counter(r["type"] for r in demo.feedback)
    assert set(kinds) == {"review", "survey", "ticket", "note"}


def test_scores_fit_their_scales(demo: Demo) -> None:
    for row in demo.feedback:
        score, scale = row["score"], row["scale"]
        if scale == "nps":
            assert row["type"] == "survey" and 0 <= score <= 10
            assert "recommend" in row["question"]
        elif scale == "stars5":
            assert row["type"] == "review" and 1 <= score <= 5
        else:
            assert scale == "none" and score is None


def test_statements_rebuild_every_comment(demo: Demo) -> None:
    statements = demo.truth["statements"]
    assert set(statements) == {r["response_id"] for r in demo.feedback}
    for row in demo.feedback:
        sentences = statements[row["response_id"]]
        assert " ".join(s["text"] for s in sentences) == row["comment"]
        for s in sentences:
            assert set(s["facets"]) <= set(FACETS)
            assert s["sentiment"] in (-1, 0, 1) and s["aspects"]


def test_every_facet_is_planted(demo: Demo) -> None:
    facets = Counter(f for ss in demo.truth["statements"].values() for s in ss for f in s["facets"])
    assert set(facets) == set(FACETS)
    assert min(facets.values()) >= 50
    mixed = [
        s
        for ss in demo.truth["statements"].values()
        for s in ss
        if {"praise", "pain"} <= set(s["facets"])
    ]
    assert mixed and all(s["sentiment"] == 0 for s in mixed)


def test_phrasing_varies_and_no_sentence_gives_a_segment_away(demo: Demo) -> None:
    segment_of = demo.truth["customer_segment"]
    texts: list[str] = []
    seen_in: dict[str, set[str]] = defaultdict(set)
    per_segment: dict[str, Counter[str]] = defaultdict(Counter)
    items: Counter[str] = Counter()
    for row in demo.feedback:
        if row["type"] == "note":
            continue
        segment = segment_of[row["customer_id"]]
        items[segment] += 1
        normalised = set()
        for s in demo.truth["statements"][row["response_id"]]:
            texts.append(s["text"])
            normalised.add(re.sub(r"[^a-z ]", "", s["text"].lower()).strip())
        for text in normalised:
            seen_in[text].add(segment)
            per_segment[segment][text] += 1
    assert len(set(texts)) / len(texts) > 0.6
    for segment, counts in per_segment.items():
        text, n = counts.most_common(1)[0]
        assert n / items[segment] < 0.1, (segment, text, n)
    assert sum(len(segments) >= 4 for segments in seen_in.values()) >= 10  # shared sentences


def test_ratings_agree_with_the_text_unless_planted(demo: Demo) -> None:
    statements = demo.truth["statements"]
    planted = {m["feedback_id"] for m in demo.truth["rating_text_mismatch"]}
    planted |= {c["feedback_id"] for c in demo.truth["contradictions"]}
    checked = 0
    for row in demo.feedback:
        if row["score"] is None or row["response_id"] in planted:
            continue
        tone = np.sign(sum(s["sentiment"] for s in statements[row["response_id"]]))
        high = row["score"] >= (9 if row["scale"] == "nps" else 4)
        low = row["score"] <= (6 if row["scale"] == "nps" else 2)
        assert not (high and tone < 0) and not (low and tone > 0), row
        checked += 1
    assert checked > 500
    for mismatch in demo.truth["rating_text_mismatch"]:
        assert mismatch["text_sentiment"] == (1 if mismatch["score"] <= 2 else -1)
    assert len(demo.truth["rating_text_mismatch"]) >= 5


# -- say versus do -------------------------------------------------------------------------------


def test_planted_contradictions_hold_in_the_data(demo: Demo) -> None:
    by_id = {r["response_id"]: r for r in demo.feedback}
    kinds = Counter(c["type"] for c in demo.truth["contradictions"])
    assert set(kinds) == {"promoter_lapsed", "detractor_stays", "intent_unfulfilled"}
    for n in kinds.values():
        assert 0.03 <= n / len(demo.customers) <= 0.05
    for c in demo.truth["contradictions"]:
        row = by_id[c["feedback_id"]]
        assert row["customer_id"] == c["customer_id"]
        assert c["said"].split(": ", 1)[1] in row["comment"]
        after = _after(demo, c["customer_id"], row["created_at"])
        if c["type"] == "promoter_lapsed":
            assert row["score"] >= 9 and after.empty
        elif c["type"] == "detractor_stays":
            assert row["score"] <= 6 and after["Order ID"].nunique() >= 3
        else:
            assert after.empty
        if c["type"] != "detractor_stays":
            assert c["weeks_after"] >= 20
            assert demo.truth["customers"][c["customer_id"]]["alive_at_end"] is False


def test_unplanted_words_agree_with_later_deeds(demo: Demo) -> None:
    planted = {c["feedback_id"] for c in demo.truth["contradictions"]}
    statements = demo.truth["statements"]
    orders = demo.orders
    times = orders.groupby("customer")["ts"].apply(lambda s: np.sort(s.to_numpy()))
    promises = 0
    for row in demo.feedback:
        if row["type"] == "note" or row["response_id"] in planted:
            continue
        when = np.datetime64(pd.Timestamp(row["created_at"]))
        later = times[row["customer_id"]]
        n_after = int((later > when).sum())
        if row["scale"] == "nps" and row["score"] >= 9:
            assert n_after >= 1, row
        if row["scale"] == "nps" and row["score"] <= 6:
            assert n_after <= 1, row
        for s in statements[row["response_id"]]:
            if "intent" in s["facets"] and s["sentiment"] > 0:
                assert n_after >= 1, (row, s)
                promises += 1
            if "intent" in s["facets"] and s["sentiment"] < 0:
                assert n_after == 0, (row, s)
    assert promises > 50


def test_account_facts_are_traceable_to_notes(demo: Demo) -> None:
    notes = {r["response_id"]: r for r in demo.feedback if r["type"] == "note"}
    accounts = demo.truth["accounts"]
    dimensions = Counter()
    for account_id, account in accounts.items():
        assert account["decision_maker"] and account["opinion_of_us"] in (-1, 0, 1)
        for fact in account["facts"]:
            for note_id in fact["feedback_ids"]:
                note = notes[note_id]
                assert note["account_id"] == account_id and note["author"]
                dimensions[fact["dimension"]] += 1
        assert {n["account_id"] for n in notes.values() if n["response_id"] in account["notes"]}
    for needed in ("plans", "competitors", "decision makers", "hopes", "fears", "opinion of us"):
        assert dimensions[needed] > 0, needed
    unknown = sum(not f["feedback_ids"] for a in accounts.values() for f in a["facts"])
    assert unknown > 0  # some dossier questions stay open
