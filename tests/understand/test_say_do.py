"""Say vs do: the planted contradictions of the demo, small stores with known answers, and
Olist reviews set against what happened to their orders (with human votes to check the cues)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

import rapport
from conftest import DATASETS, DemoStore
from rapport.errors import ConfigError
from rapport.understand.say_do import SAY_DO_TYPES, build_say_do
from rapport.understand.say_do_cues import BLAME_NEGATED, DATA, INTENT_NEGATED, load_cues
from rapport.understand.say_do_delivery import ORDER_OUTCOMES_COLUMNS
from rapport.understand.say_do_rows import SAY_DO_COLUMNS

_PLANTED = ("promoter_lapsed", "intent_unfulfilled", "detractor_stays")


def _precision_recall(found: set[str], gold: set[str]) -> tuple[float, float]:
    hit = len(found & gold)
    return hit / max(len(found), 1), hit / max(len(gold), 1)


@pytest.fixture(scope="module")
def demo_say_do(demo_store: DemoStore) -> pd.DataFrame:
    return build_say_do(demo_store.ws._con).tables["say_do"]


def test_demo_recovers_the_planted_contradictions(demo_store: DemoStore,
                                                   demo_say_do: pd.DataFrame) -> None:
    truth, fid = demo_store.truth, demo_store.feedback_id
    floors = {  # measured on this store: P 1.00 R 0.86, P 0.99 R 0.96, P 0.99 R 1.00
        "promoter_lapsed": (0.9, 0.75),
        "intent_unfulfilled": (0.9, 0.88),
        "detractor_stays": (0.9, 0.9),
    }
    for kind in _PLANTED:
        gold = {fid[c["feedback_id"]] for c in truth["contradictions"] if c["type"] == kind}
        found = set(demo_say_do.loc[demo_say_do["type"] == kind, "feedback_id"])
        precision, recall = _precision_recall(found, gold)
        assert precision >= floors[kind][0], (kind, precision)
        assert recall >= floors[kind][1], (kind, recall)
    # measured P 0.69 R 1.00 (9 planted): the misses are NPS 9-10 comments that the sentiment
    # model reads as negative ("Can't fault the easy reorder button.")
    gold = {fid[m["feedback_id"]] for m in truth["rating_text_mismatch"]}
    found = set(demo_say_do.loc[demo_say_do["type"] == "rating_text_mismatch", "feedback_id"])
    precision, recall = _precision_recall(found, gold)
    assert precision >= 0.55 and recall >= 0.85, (precision, recall)
    # nobody in the demo says they will leave and then stays (the generator forbids it)
    assert (demo_say_do["type"] == "said_leaving_stays").sum() <= 2


def test_demo_lapsed_are_really_gone_and_stayers_really_stay(demo_store: DemoStore,
                                                             demo_say_do: pd.DataFrame) -> None:
    external = {v: k for k, v in demo_store.customer_id.items()}
    customers = demo_store.truth["customers"]
    gone = demo_say_do[demo_say_do["type"].isin(["promoter_lapsed", "intent_unfulfilled"])]
    alive = [customers[external[c]]["alive_at_end"] for c in gone["customer_id"]]
    assert len(alive) > 50 and sum(alive) / len(alive) <= 0.1
    assert (gone["orders_after"] == 0).all()
    stay = demo_say_do[demo_say_do["type"] == "detractor_stays"]
    planted = {demo_store.feedback_id[c["feedback_id"]]: c["orders_after"]
               for c in demo_store.truth["contradictions"] if c["type"] == "detractor_stays"}
    both = stay[stay["feedback_id"].isin(planted)]
    assert (both["orders_after"] == both["feedback_id"].map(planted)).mean() >= 0.9
    assert stay["what_keeps_them"].notna().mean() >= 0.9


def test_rows_keep_the_contract(demo_store: DemoStore, demo_say_do: pd.DataFrame) -> None:
    sd = demo_say_do
    assert list(sd.columns) == [c for c, _, _ in SAY_DO_COLUMNS]
    assert {str(sd[c].dtype) for c in ("insight_id", "said", "type")} == {"string"}
    assert sd["insight_id"].is_unique and set(sd["type"]) <= set(SAY_DO_TYPES)
    assert sd["strength"].between(0, 1).all() and sd["explanation"].str.len().gt(20).all()
    for sources, methods, n in zip(sd["sources"], sd["methods"], sd["n_sources"], strict=True):
        assert json.loads(sources) and json.loads(methods) and n >= 1
    assert (sd["single_source"] == (sd["n_sources"] == 1)).all()
    mismatch = sd["type"] == "rating_text_mismatch"
    assert sd.loc[mismatch, "single_source"].all() and not sd.loc[~mismatch, "single_source"].any()
    assert sd.loc[mismatch, "did"].isna().all()
    keeps = sd["type"].isin(["detractor_stays", "said_leaving_stays"])
    assert sd.loc[~keeps, "what_keeps_them"].isna().all()
    # quotes are redacted statements, never raw feedback text
    texts = dict(demo_store.ws.sql("SELECT statement_id, text FROM statements").to_pandas()
                 .itertuples(index=False))
    quoted = sd[sd["statement_id"].notna()]
    assert len(quoted) > 0.9 * len(sd)
    for sid, said in zip(quoted["statement_id"], quoted["said"], strict=True):
        assert " ".join(texts[sid].split())[:100] in said
    lapsed = sd[sd["type"] == "promoter_lapsed"]
    assert lapsed["said"].str.match(r"NPS (9|10)(\.0)?: ").all()
    assert lapsed["did"].str.match(r"no orders in the \d+ weeks after").all()
    assert lapsed["methods"].str.contains("customer rhythm").all()


def test_cues_read_intents_and_blame_in_two_languages(tmp_path: Any) -> None:
    intent = load_cues(DATA / "intent_cues.toml", INTENT_NEGATED, leave_out={"future"})
    future = load_cues(DATA / "intent_cues.toml", groups={"future"})
    assert set(intent.match("I'll definitely order again next month!")) == {"return", "soon"}
    assert intent.match("I won't be back.") == {"leave": ["wont be back"]}
    assert intent.match("Not going to order again.") == {"leave": ["not order again"]}
    assert future.match("I won't be back.") == {"future": ["wont"]}
    # "reorder" is a return cue, but with no word about the future it states no intent
    assert intent.match("The reorder button is great.") == {"return": ["reorder"]}
    assert not future.match("The reorder button is great.")
    assert set(intent.match("Going to cancel my subscription, sadly.")) == {"leave"}
    assert intent.match("Nunca mais compro aqui")["leave"] == ["nunca mais"]
    blame = load_cues(DATA / "blame_cues.toml", BLAME_NEGATED)
    assert blame.match("Não chegou no prazo!") == {"lateness": ["nao chegou no prazo"]}
    assert blame.match("a entrega não foi feita no prazo") == {"lateness": ["not no prazo"]}
    # a cue that carries its own negation does not negate the next one
    assert blame.match("nao recebi, demorou muito") == {"lateness": ["nao recebi", "demorou"]}
    assert blame.match("entrega sem demora, produto sem avaria") == {
        "delivery_praise": ["not demora"]}
    assert blame.match("It was not on time and arrived broken") == {
        "lateness": ["was not on time"], "product": ["broken"]}
    assert blame.match("Chegou ATRASADO") == {"lateness": ["atrasado"]}
    custom = tmp_path / "cues.toml"
    custom.write_text('[late]\nlabel = "late"\nen = ["took * days"]\n', encoding="utf-8")
    assert load_cues(custom).match("It took nine days.") == {"late": ["took nine days"]}
    custom.write_text("late = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="table"):
        load_cues(custom)


# --- small stores with known answers --------------------------------------------------------
def _load(ws: rapport.Workspace, orders: list[dict[str, Any]],
          feedback: list[dict[str, Any]]) -> None:
    ws.ingest(pd.DataFrame(orders), "transactions", source="shop", id_space="shop",
              mapping=["customer_id=customer", "ts=order_date", "amount=amount"])
    ws.ingest(pd.DataFrame(feedback), "feedback", source="shop", id_space="shop",
              mapping=["customer_id=customer", "ts=date", "rating=score", "text=comment",
                       "kind='survey'"], rating_scale="nps")


def _every(customer: str, start: str, days: int, n: int) -> list[dict[str, Any]]:
    first = pd.Timestamp(start)
    return [{"customer": customer, "order_date": str((first + pd.Timedelta(days=days * i))
                                                     .date()), "amount": 20.0}
            for i in range(n)]


def test_lapse_is_judged_by_each_customers_own_rhythm(ws: rapport.Workspace) -> None:
    orders = (
        _every("A", "2023-01-01", 30, 6)        # monthly, NPS 10 after the 6th order, gone
        + _every("B", "2023-01-01", 30, 24)     # monthly, NPS 10, still buying
        + _every("C", "2023-01-01", 240, 3)     # every 8 months, NPS 9, silent 8 months
        + _every("D", "2023-01-01", 30, 12)     # NPS 3 after the 2nd order, kept buying
        + _every("E", "2023-01-01", 30, 3)      # NPS 2 after the 2nd order, one more
        + _every("F", "2023-01-01", 1, 1)       # one order, NPS 10, two years ago
        + _every("G", "2024-10-01", 1, 1)       # one order, NPS 10, recent
        + _every("Z", "2024-12-31", 1, 1)       # sets the end of observation
    )
    said = {"A": ("2023-06-05", 10), "B": ("2023-06-05", 10), "C": ("2024-04-30", 9),
            "D": ("2023-02-05", 3), "E": ("2023-02-05", 2), "F": ("2023-01-10", 10),
            "G": ("2024-10-05", 10)}
    _load(ws, orders, [{"customer": c, "date": d, "score": s, "comment": None}
                       for c, (d, s) in said.items()])
    built = build_say_do(ws._con)
    sd = built.tables["say_do"]
    types = dict(zip(sd["customer_id"], sd["type"], strict=True))
    expected = {"A": "promoter_lapsed", "D": "detractor_stays", "F": "promoter_lapsed"}
    for c in said:
        cid = ws.resolve(c)
        assert cid is not None
        assert types.get(cid) == expected.get(c), c
    d = sd[sd["type"] == "detractor_stays"].iloc[0]
    assert d["orders_after"] == 10 and d["did"].startswith("10 orders in the ")
    assert json.loads(d["sources"]) == ["survey rating", "purchase records"]
    assert d["n_sources"] == 2 and not d["single_source"]
    assert "voice stage has not run" in " ".join(built.notes)


def test_parameters_are_checked_and_empty_stores_give_empty_tables(ws: rapport.Workspace) -> None:
    built = build_say_do(ws._con)
    assert built.tables["say_do"].empty and built.notes
    assert list(built.tables["order_outcomes"].columns) == [c for c, _, _ in
                                                            ORDER_OUTCOMES_COLUMNS]
    with pytest.raises(ConfigError, match="lapse_gaps"):
        build_say_do(ws._con, lapse_gaps=0)
    with pytest.raises(ConfigError, match="text_threshold"):
        build_say_do(ws._con, text_threshold=1.5)


def test_reviews_are_set_against_their_deliveries(ws: rapport.Workspace) -> None:
    rows = [  # customer, ordered, promised, delivered, reviewed, stars, words
        ("H", "2024-01-01", "2024-01-10", "2024-01-08", "2024-01-12", 2, "It arrived late!"),
        ("I", "2024-02-01", "2024-02-10", "2024-02-20", "2024-02-21", 1,
         "Poor quality, it broke after one day."),
        ("J", "2024-02-01", "2024-02-10", "2024-02-20", "2024-02-21", 1,
         "The delivery was very late."),
        ("K", "2024-03-01", "2024-03-10", "2024-03-05", "2024-03-06", 5,
         "Arrived on time, great."),
        ("L", "2024-03-01", "2024-03-20", None, "2024-03-12", 1,
         "Still waiting, my parcel has not arrived."),
    ]
    ws.ingest(pd.DataFrame([{"customer": c, "order_date": o, "amount": 30.0,
                             "promised_date": p, "delivered_at": d}
                            for c, o, p, d, *_ in rows]), "transactions", source="shop",
              id_space="shop", mapping=["customer_id=customer", "ts=order_date"])
    ws.ingest(pd.DataFrame([{"customer": c, "date": r, "score": s, "comment": w}
                            for c, _, _, _, r, s, w in rows]), "feedback", source="shop",
              id_space="shop", rating_scale="stars5",
              mapping=["customer_id=customer", "ts=date", "rating=score", "text=comment",
                       "kind='review'"])
    built = build_say_do(ws._con)
    out = built.tables["order_outcomes"]
    assert list(out.columns) == [c for c, _, _ in ORDER_OUTCOMES_COLUMNS]
    by = {c: out[out["customer_id"] == ws.resolve(c)].iloc[0] for c in "HIJKL"}
    assert [by[c]["outcome"] for c in "HIJKL"] == [
        "delivered on time", "delivered late", "delivered late", "delivered on time",
        "not yet due at review"]
    assert [by[c]["days_late"] for c in "HIJKL"] == [-2, 10, 10, -5, -8]
    assert [None if pd.isna(by[c]["insight"]) else by[c]["insight"] for c in "HIJKL"] == [
        "blames_delivery_but_on_time", "late_but_blames_product", None, None,
        "blames_delivery_but_on_time"]
    sd = built.tables["say_do"]
    assert sorted(sd["type"]) == ["blames_delivery_but_on_time"] * 2 + [
        "late_but_blames_product"]
    product = sd[sd["type"] == "late_but_blames_product"].iloc[0]
    assert product["said"].startswith("1 star; mentions ") and "broke" in product["said"]
    assert "after one day" not in product["said"]  # raw text is never shown
    assert json.loads(product["sources"])[-1] == "delivery records" and product["n_sources"] == 2
    summary = built.summary["delivery"]
    assert summary["promised_attribute"] == "promised_date"
    assert summary["delivered_attribute"] == "delivered_at"
    assert summary["late"] == 2 and summary["mean_rating_late"] == 1.0
    with pytest.raises(ConfigError, match="promised_date"):
        build_say_do(ws._con, promised="eta_date")


# --- Olist: one order and one review each, with human votes on what the review is about ---
@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = DATASETS / "olist_classified" / "olist_classified_public_dataset.csv"
    ws = rapport.open(tmp_path_factory.mktemp("olist") / "store.duckdb")
    ws.ingest(path, "transactions", source="olist", id_space="olist",
              mapping=["customer_id=id", "ts=order_purchase_timestamp",
                       "amount=order_products_value"])
    ws.ingest(path, "feedback", source="olist", id_space="olist",
              mapping=["customer_id=id", "ts=review_creation_date",
                       "text=review_comment_message", "rating=review_score", "kind='review'"])
    built = build_say_do(ws._con)
    votes = ws.sql(
        "SELECT feedback_id, attributes->>'$.most_voted_class' AS class, "
        "attributes->>'$.most_voted_subclass' AS subclass FROM feedback").to_pandas()
    yield built, built.tables["order_outcomes"].merge(votes, on="feedback_id")
    ws.close()


def test_olist_late_orders_get_worse_reviews(olist: Any) -> None:
    built, outcomes = olist
    s = built.summary["delivery"]
    assert s["promised_attribute"] == "order_estimated_delivery_date"
    assert s["delivered_attribute"] == "order_delivered_customer_date"
    assert s["reviews_with_orders"] == 3_584 == len(outcomes)
    # measured: 447 late, mean rating 1.80 late vs 3.77 on time, low share 0.78 vs 0.23
    assert 350 <= s["late"] <= 550
    assert s["mean_rating_on_time"] - s["mean_rating_late"] >= 1.5
    assert s["low_share_late"] >= 0.7 and s["low_share_on_time"] <= 0.3


def test_olist_blame_cues_agree_with_human_votes(olist: Any) -> None:
    _, m = olist
    blames = m["blames"].map(json.loads)
    lateness = blames.map(lambda b: "lateness" in b)
    delivery = blames.map(lambda b: bool({"lateness", "partial", "delivery"} & set(b)))
    product = blames.map(lambda b: "product" in b) & ~delivery
    checks = {  # measured: P 0.74 R 0.80; P 0.84 R 0.83; P 0.82 R 0.47
        "lateness": (lateness, m["subclass"] == "atrasado", 0.68, 0.72),
        "delivery": (delivery, m["class"] == "problemas_de_entrega", 0.78, 0.77),
        "product": (product, m["class"] == "problemas_de_qualidade", 0.75, 0.4),
    }
    for name, (found, gold, p_min, r_min) in checks.items():
        hit = int((found & gold).sum())
        precision, recall = hit / found.sum(), hit / gold.sum()
        assert precision >= p_min and recall >= r_min, (name, precision, recall)


def test_olist_reviews_that_blame_the_wrong_thing(olist: Any) -> None:
    built, m = olist
    on_time = m[m["insight"] == "blames_delivery_but_on_time"]
    late = m[m["insight"] == "late_but_blames_product"]
    # measured: 213 and 14; of those humans classed, they call 88% of the first delivery
    # problems and 90% of the second quality problems
    assert len(on_time) >= 150 and (~on_time["late"]).all()
    assert (on_time["class"].dropna() == "problemas_de_entrega").mean() >= 0.8
    assert len(late) >= 8 and late["late"].all() and late["low_rating"].all()
    assert (late["class"].dropna() == "problemas_de_qualidade").mean() >= 0.7
    sd = built.tables["say_do"]
    assert set(sd["type"]) == {"blames_delivery_but_on_time", "late_but_blames_product"}
    assert not sd["single_source"].any() and sd["statement_id"].isna().all()
