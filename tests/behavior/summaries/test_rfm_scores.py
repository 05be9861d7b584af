"""RFM quintile scores and segments: balanced fifths, ties scored alike, the documented rules."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa

import rapport
from conftest import DATASETS
from rapport.behavior.rfm import (
    MONEY_DECIMALS,
    RFM_SEGMENTS,
    SEGMENT_NAMES,
    quintile_scores,
    rfm_scores,
    segment_of,
)
from rapport.behavior.summaries import customer_summary
from rapport.engines import DuckDBEngine


def _table(days: list[float], orders: list[int], spend: list[float]) -> ibis.Table:
    n = len(days)
    return ibis.memtable(
        pa.table(
            {
                "customer_id": [f"c{i:05d}" for i in range(n)],
                "days_since_last_purchase": days,
                "n_orders": orders,
                "total_spend": spend,
            }
        )
    )


def test_distinct_values_fall_into_equal_fifths() -> None:
    n = 1_000
    days = [float((i * 37) % n) for i in range(n)]  # a permutation of 0 … 999
    orders = [(i * 53) % n for i in range(n)]
    spend = [((i * 71) % n) / 3 for i in range(n)]
    scored = rfm_scores(_table(days, orders, spend)).to_pyarrow().to_pandas()
    for column in ("rfm_recency_score", "rfm_frequency_score", "rfm_monetary_score"):
        assert scored[column].value_counts().to_dict() == {s: 200 for s in range(1, 6)}
    # 5 is best: the most recent, the most orders, the most spend
    best = scored.loc[scored["days_since_last_purchase"].idxmin()]
    worst = scored.loc[scored["days_since_last_purchase"].idxmax()]
    assert (best["rfm_recency_score"], worst["rfm_recency_score"]) == (5, 1)
    assert scored.loc[scored["n_orders"].idxmax(), "rfm_frequency_score"] == 5
    assert scored.loc[scored["total_spend"].idxmin(), "rfm_monetary_score"] == 1


def test_ties_get_one_score_the_lower_place() -> None:
    # 6 customers with 1 order, 2 with 2, 2 with 5: the six share the lowest places
    orders = [1, 1, 1, 1, 1, 1, 2, 2, 5, 5]
    table = _table([0.0] * 10, orders, [1.0] * 10)
    scored = quintile_scores(table, "n_orders", "f").to_pyarrow().to_pandas()
    by_orders = scored.groupby("n_orders")["f"].agg(["min", "max"])
    assert (by_orders["min"] == by_orders["max"]).all()
    # 1 + floor(5 * worse / n): 0 worse → 1, 6 worse → 4, 8 worse → 5
    assert by_orders["min"].to_dict() == {1: 1, 2: 4, 5: 5}
    # everyone equal: everyone scores 1, whatever the order of rows
    same = rfm_scores(table).to_pyarrow().to_pandas()
    assert set(same["rfm_recency_score"]) == {1}
    assert set(same["rfm_monetary_score"]) == {1}


def test_spend_sums_that_differ_only_by_rounding_tie() -> None:
    # 0.1 + 0.2 is 0.30000000000000004: the same spend, added in another order. Engines add
    # in their own orders (DuckDB in parallel, Spark per partition), so exact comparison
    # would rank these two customers apart and could move one across a quintile's edge.
    spend = [0.1 + 0.2, 0.3, 0.3, 1.0, 2.0]
    assert spend[0] != spend[1]
    table = _table([1.0, 2.0, 3.0, 4.0, 5.0], [1, 2, 3, 4, 5], spend)
    scored = rfm_scores(table).to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    assert scored["rfm_monetary_score"].to_list() == [1, 1, 1, 4, 5]
    assert scored["total_spend"].to_list() == spend  # the spend itself is kept as it was
    # ranked exactly, the first customer is "better" than the other two
    exact = quintile_scores(table, "total_spend", "m").to_pyarrow().to_pandas()
    assert exact.set_index("customer_id").sort_index()["m"].to_list() == [3, 1, 1, 4, 5]
    # a real difference, a cent, still counts
    cent = _table([1.0] * 3, [1] * 3, [10.00, 10.01, 10.02])
    cents = quintile_scores(cent, "total_spend", "m", decimals=MONEY_DECIMALS)
    assert sorted(cents.to_pyarrow().to_pandas()["m"]) == [1, 2, 4]


def test_segment_rule_table() -> None:
    assert len(RFM_SEGMENTS) == 25
    assert set(RFM_SEGMENTS.values()) == set(SEGMENT_NAMES)
    assert segment_of(5, 5) == segment_of(5, 4) == "champions"
    assert segment_of(5, 1) == "new customers"
    assert segment_of(4, 1) == "promising"
    assert segment_of(3, 3) == "need attention"
    assert segment_of(1, 1) == "lost"
    assert segment_of(1, 5) == segment_of(2, 5) == "can't lose them"
    assert segment_of(2, 2) == segment_of(1, 2) == "hibernating"
    assert all(segment_of(r, f) == "loyal" for r in (3, 4) for f in (4, 5))
    assert all(segment_of(r, f) == "at risk" for r in (1, 2) for f in (3, 4))


def test_cdnow_scores_and_segments(tmp_path: Path) -> None:
    ws = rapport.open(tmp_path / "x.duckdb")
    try:
        ws.ingest(DATASETS / "cdnow" / "CDNOW_master.txt", "transactions")
        engine = DuckDBEngine(ws)
        frame = engine.execute(customer_summary(engine, "1998-06-30")).to_pandas()
    finally:
        ws.close()
    assert len(frame) == 23_570
    # total spend is nearly distinct: each monetary score holds about a fifth
    shares = frame["rfm_monetary_score"].value_counts(normalize=True)
    assert shares.between(0.18, 0.22).all(), shares
    for _, row in frame.sample(2_000, random_state=1).iterrows():
        expected = RFM_SEGMENTS[(row["rfm_recency_score"], row["rfm_frequency_score"])]
        assert row["rfm_segment"] == expected
    # the lower score for tied values: most CDNOW customers bought once, so they share F = 1
    one_order = frame[frame["n_orders"] == 1]
    assert (one_order["rfm_frequency_score"] == 1).all()
    assert (frame.groupby("n_orders")["rfm_frequency_score"].nunique() == 1).all()
    assert (frame.groupby("total_spend")["rfm_monetary_score"].nunique() == 1).all()
