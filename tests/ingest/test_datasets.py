"""Every real data set in ../shared/datasets loads, with the row counts its README gives."""

from __future__ import annotations

import pytest

import rapport
from conftest import DATASETS, count

CDNOW = DATASETS / "cdnow"


def test_cdnow_master_loads_every_purchase_and_customer(ws: rapport.Workspace) -> None:
    result = ws.ingest(CDNOW / "CDNOW_master.txt", "transactions")
    assert result.format.startswith("whitespace-separated text, header line")
    assert result.mapping == {
        "customer_id": "customer_id", "ts": "date", "amount": "dollar_value",
        "quantity": "number_of_cds",
    }
    assert result.rows_loaded == 69_659
    assert count(ws, "SELECT count(*) FROM transactions") == 69_659
    assert count(ws, "SELECT count(*) FROM customers") == 23_570
    assert count(ws, "SELECT count(DISTINCT customer_id) FROM transactions") == 23_570
    row = ws.sql(
        "SELECT CAST(min(ts) AS DATE), CAST(max(ts) AS DATE), round(sum(amount), 2), "
        "sum(quantity) FROM transactions"
    ).to_pylist()[0]
    first, last, spend, cds = row.values()
    assert (str(first), str(last)) == ("1997-01-01", "1998-06-30")
    assert spend == pytest.approx(2_500_315.63, abs=0.01)
    assert cds == 167_881


def test_cdnow_sample_without_header_needs_only_map_options(ws: rapport.Workspace) -> None:
    result = ws.ingest(
        CDNOW / "CDNOW_sample.txt", "transactions",
        mapping=["customer_id=column1", "ts=column3", "quantity=column4", "amount=column5"],
    )
    assert "no header" in result.format
    assert result.rows_loaded == 6_919
    assert result.customers_created == 2_357
    # the sample id in column 2 is not lost: it is kept as an attribute
    assert result.attributes == ["column2"]
    one = ws.sql(
        "SELECT t.amount, json_extract_string(t.attributes, '$.column2') AS sample_id "
        "FROM transactions t JOIN identities i USING (customer_id) "
        "WHERE i.value = '00004' ORDER BY t.ts"
    ).to_pylist()
    assert [r["amount"] for r in one] == [29.33, 29.73, 14.96, 26.48]
    assert one[0]["sample_id"] in ("0001", "1")


def test_tweets_authors_become_customers(ws: rapport.Workspace) -> None:
    path = DATASETS / "twitter_airline" / "Tweets.csv"
    result = ws.ingest(path, "feedback", mapping=["customer_id=name", "kind='social'"])
    assert result.rows_loaded == 14_640
    assert result.mapping["author"] == "name"
    assert count(ws, "SELECT count(*) FROM customers") == 7_701
    assert count(ws, "SELECT count(*) FROM feedback WHERE customer_id IS NULL") == 0
    authors_with_several = count(
        ws, "SELECT count(*) FROM (SELECT customer_id FROM feedback GROUP BY 1 HAVING count(*) > 1)"
    )
    assert authors_with_several == 3_000
    labels = ws.sql(
        "SELECT json_extract_string(attributes, '$.airline_sentiment') AS s, count(*) AS n "
        "FROM feedback GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert {r["s"]: r["n"] for r in labels} == {"negative": 9_178, "neutral": 3_099,
                                               "positive": 2_363}
    # day-first dates (24-02-2015 11:35) are read as such
    assert result.notes["ts"] == "dates as %d-%m-%Y %H:%M"
    assert str(ws.sql("SELECT CAST(min(ts) AS DATE) FROM feedback").column(0)[0]) == "2015-02-16"


def test_clothing_reviews_keep_ratings_without_text(ws: rapport.Workspace) -> None:
    path = DATASETS / "womens_clothing_reviews" / "reviews.csv"
    result = ws.ingest(path, "feedback", mapping=["kind='review'"])
    assert result.rows_loaded == 23_486
    assert result.mapping["text"] == "Review Text"
    assert result.notes["rating_scale"].startswith("stars5")
    assert count(ws, "SELECT count(*) FROM feedback WHERE text IS NULL") == 845
    assert count(ws, "SELECT count(*) FROM feedback WHERE rating BETWEEN 1 AND 5") == 23_486
    assert count(ws, "SELECT count(*) FROM feedback WHERE kind = 'review'") == 23_486
    ages = ws.sql("SELECT min(CAST(attributes->>'$.Age' AS INT)) FROM feedback").column(0)
    assert ages[0].as_py() >= 18


def test_banking77_questions_load_without_customers(ws: rapport.Workspace) -> None:
    result = ws.ingest(DATASETS / "banking77" / "train.csv", "feedback")
    assert result.rows_loaded == 10_003
    assert count(ws, "SELECT count(*) FROM customers") == 0
    assert count(
        ws, "SELECT count(DISTINCT attributes->>'$.category') FROM feedback"
    ) == 77


def test_olist_orders_and_reviews_load_as_two_kinds(ws: rapport.Workspace) -> None:
    path = DATASETS / "olist_classified" / "olist_classified_public_dataset.csv"
    orders = ws.ingest(
        path, "transactions", source="olist", id_space="olist",
        mapping=["customer_id=id", "ts=order_purchase_timestamp", "amount=order_products_value"],
    )
    reviews = ws.ingest(
        path, "feedback", source="olist", id_space="olist",
        mapping=["customer_id=id", "ts=review_creation_date", "text=review_comment_message",
                 "rating=review_score", "kind='review'"],
    )
    assert orders.rows_loaded == 3_584
    assert reviews.rows_loaded == 3_584
    # the same order id links an order to its review: one customer each
    assert count(ws, "SELECT count(*) FROM customers") == 3_584
    assert count(
        ws, "SELECT count(*) FROM feedback f JOIN transactions t USING (customer_id)"
    ) == 3_584
    late = count(
        ws,
        "SELECT count(*) FROM transactions WHERE "
        "CAST(attributes->>'$.order_delivered_customer_date' AS TIMESTAMP) > "
        "CAST(attributes->>'$.order_estimated_delivery_date' AS TIMESTAMP)",
    )
    assert late > 0
