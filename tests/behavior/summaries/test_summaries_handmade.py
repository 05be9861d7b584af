"""Rhythm, habits, returns, order ids, periods and the calibration cut-off on a small hand-made
shop whose answers are worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import rapport
from rapport.behavior.summaries import customer_summary, observation_end_of
from rapport.engines import DuckDBEngine
from rapport.errors import ConfigError

# (customer, ts, order, category, product, quantity, amount)
ROWS: list[tuple[str, str, str | None, str | None, str | None, float | None, float]] = [
    # alice: timed orders, two on 8 January, a return, and a purchase after the end
    ("alice", "2024-01-01 10:15", "o1", "books", "novel", 1, 20.0),
    ("alice", "2024-01-01 10:15", "o1", "books", "atlas", 2, 30.0),
    ("alice", "2024-01-08 10:45", "o2", "music", "cd", 1, 15.0),
    ("alice", "2024-01-08 18:00", "o3", "books", "novel", 1, 10.0),
    ("alice", "2024-01-22 11:00", "o4", "books", "novel", 1, 25.0),
    ("alice", "2024-01-25 09:00", "o5", "books", "novel", 1, -10.0),
    ("alice", "2024-02-12 10:30", "o6", "music", "cd", 2, 40.0),
    ("alice", "2024-03-01 10:00", "o7", "music", "cd", 1, 1000.0),
    # bob: dates only, no order ids, no quantities; ties everywhere
    ("bob", "2024-02-03", None, "games", "chess", None, 12.0),
    ("bob", "2024-02-03", None, "toys", "ball", None, 8.0),
    ("bob", "2024-02-10", None, "toys", "kite", None, 5.0),
    ("bob", "2024-02-10", None, "games", "go", None, 6.0),
    # carol: one late-evening purchase, nothing known about it
    ("carol", "2024-02-20 23:30", None, None, None, 1, 100.0),
    # dave: only a return before the end, a purchase after it
    ("dave", "2024-02-01 12:00", None, "toys", "ball", 1, -5.0),
    ("dave", "2024-03-05 12:00", None, "toys", "ball", 1, 5.0),
    # erin: Monday and Wednesday, noon and 2 pm: ties go to the first
    ("erin", "2024-02-05 12:00", "e1", "garden", "spade", 1, 10.0),
    ("erin", "2024-02-07 14:00", "e2", "garden", "rake", 1, 10.0),
]
END = "2024-02-29"


def shop_csv(folder: Path) -> Path:
    frame = pd.DataFrame(
        ROWS, columns=["customer_id", "ts", "order_id", "category", "product", "quantity", "amount"]
    )
    path = folder / "shop.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rapport.Workspace]:
    folder = tmp_path_factory.mktemp("shop")
    ws = rapport.open(folder / "shop.duckdb")
    ws.ingest(shop_csv(folder), "transactions")
    yield ws
    ws.close()


def summarise(ws: rapport.Workspace, end: Any = END, **options: Any) -> dict[str, dict[str, Any]]:
    engine = DuckDBEngine(ws)
    rows = engine.execute(customer_summary(engine, end, **options)).to_pylist()
    names = {ws.resolve(n): n for n in ("alice", "bob", "carol", "dave", "erin")}
    return {names[r["customer_id"]]: r for r in rows}


def test_alice_rhythm_and_btyd_inputs(shop: rapport.Workspace) -> None:
    alice = summarise(shop, time_unit="days")["alice"]
    # purchase days 1, 8, 22 January and 12 February (the return on 25 January is not one)
    assert alice["frequency"] == 3
    assert alice["recency"] == 42.0
    assert alice["T"] == 59.0
    assert alice["monetary_value"] == pytest.approx((25 + 25 + 40) / 3)
    assert alice["median_gap_days"] == 14.0
    assert alice["days_since_last_purchase"] == 17.0
    assert alice["overdue_ratio"] == pytest.approx(17 / 14)
    assert alice["first_purchase"] == datetime(2024, 1, 1, 10, 15)
    assert alice["last_purchase"] == datetime(2024, 2, 12, 10, 30)


def test_returns_count_in_spend_but_are_not_purchases(shop: rapport.Workspace) -> None:
    alice = summarise(shop)["alice"]
    assert alice["n_transactions"] == 7  # the 1 March row is after the end
    assert alice["n_orders"] == 5
    assert alice["n_returns"] == 1
    assert alice["total_spend"] == pytest.approx(130.0)
    assert alice["returned_value"] == pytest.approx(10.0)
    assert alice["mean_order_value"] == pytest.approx(28.0)  # before returns
    assert alice["mean_items_per_order"] == pytest.approx(1.6)


def test_alice_habits(shop: rapport.Workspace) -> None:
    alice = summarise(shop)["alice"]
    assert (alice["preferred_weekday"], alice["preferred_weekday_name"]) == (0, "Monday")
    assert alice["preferred_hour"] == 10
    assert alice["favourite_category"] == "books"
    assert alice["favourite_product"] == "novel"


def test_date_only_rows_and_ties(shop: rapport.Workspace) -> None:
    bob = summarise(shop, time_unit="weeks")["bob"]
    assert bob["n_orders"] == 2  # rows with one timestamp and no order id are one occasion
    assert (bob["frequency"], bob["recency"]) == (1, 1.0)
    assert bob["T"] == pytest.approx(26 / 7)
    assert bob["monetary_value"] == pytest.approx(11.0)
    assert bob["preferred_weekday_name"] == "Saturday"
    assert bob["preferred_hour"] is None  # all dates, no times of day
    assert bob["favourite_category"] == "games"  # 2 games, 2 toys: the first by name
    assert bob["favourite_product"] == "ball"  # one of each
    assert bob["mean_items_per_order"] == 2.0  # a missing quantity is one item
    assert bob["median_gap_days"] == 7.0
    assert bob["overdue_ratio"] == pytest.approx(19 / 7)
    erin = summarise(shop)["erin"]
    assert (erin["preferred_weekday_name"], erin["preferred_hour"]) == ("Monday", 12)
    assert erin["favourite_product"] == "rake"


def test_one_purchase_customer(shop: rapport.Workspace) -> None:
    carol = summarise(shop, time_unit="days")["carol"]
    assert (carol["frequency"], carol["recency"], carol["T"]) == (0, 0.0, 9.0)
    assert carol["monetary_value"] == 0.0
    assert carol["median_gap_days"] is None
    assert carol["overdue_ratio"] is None
    assert (carol["preferred_weekday_name"], carol["preferred_hour"]) == ("Tuesday", 23)
    assert carol["favourite_category"] is None


def test_customers_without_purchases_by_the_end_are_left_out(shop: rapport.Workspace) -> None:
    rows = summarise(shop)
    assert "dave" not in rows  # a return is not a purchase; his purchase is after the end
    assert sorted(rows) == ["alice", "bob", "carol", "erin"]
    later = summarise(shop, "2024-03-31")
    assert later["dave"]["frequency"] == 0
    assert later["dave"]["n_returns"] == 1
    assert later["dave"]["total_spend"] == 0.0
    assert later["alice"]["frequency"] == 4


def test_observation_end_forms(shop: rapport.Workspace) -> None:
    by_date = summarise(shop, date(2024, 2, 20))
    assert "carol" in by_date  # a date includes the whole day (her purchase at 23:30)
    by_instant = summarise(shop, datetime(2024, 2, 20, 12, 0))
    assert "carol" not in by_instant
    latest = summarise(shop, None)  # the last transaction: 5 March
    assert latest["dave"]["last_purchase"] == datetime(2024, 3, 5, 12, 0)
    assert observation_end_of("2024-02-29T18:00").inclusive
    with pytest.raises(ConfigError, match="not a date"):
        observation_end_of("end of February")


def test_periods_merge_purchases(shop: rapport.Workspace) -> None:
    monthly = summarise(shop, period="month", time_unit="days")["alice"]
    assert monthly["frequency"] == 1  # January and February
    assert monthly["recency"] == 31.0
    assert monthly["T"] == 31.0  # from 1 January to the month of the end, 1 February
    assert monthly["monetary_value"] == pytest.approx(40.0)
    weekly = summarise(shop, period="week", time_unit="weeks")["erin"]
    assert weekly["frequency"] == 0  # Monday and Wednesday of one week


def test_time_units(shop: rapport.Workspace) -> None:
    days = summarise(shop, time_unit="days")["alice"]
    weeks = summarise(shop, time_unit="weeks")["alice"]
    months = summarise(shop, time_unit="months")["alice"]
    assert weeks["recency"] == days["recency"] / 7 == 6.0
    assert months["T"] == pytest.approx(59 / 30.4375, rel=1e-15)


def test_habits_can_be_left_out(shop: rapport.Workspace) -> None:
    alice = summarise(shop, habits=False)["alice"]
    assert alice["favourite_category"] is None
    assert alice["preferred_hour"] is None
    assert alice["preferred_weekday_name"] == "Monday"  # cheap: kept
    assert alice["frequency"] == 3


def test_bad_arguments(shop: rapport.Workspace) -> None:
    with pytest.raises(ConfigError, match="time_unit"):
        customer_summary(shop, END, "fortnights")
    with pytest.raises(ConfigError, match="period"):
        customer_summary(shop, END, period="year")
    import pyarrow as pa

    with pytest.raises(ConfigError, match="amount"):
        customer_summary(pa.table({"customer_id": ["a"], "ts": [datetime(2024, 1, 1)]}), END)


def test_an_arrow_table_with_the_minimum_columns() -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "customer_id": ["x", "x", "y"],
            "ts": [datetime(2024, 1, 1), datetime(2024, 1, 3), datetime(2024, 1, 2)],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    rows = {
        r["customer_id"]: r for r in customer_summary(table, END, "days").to_pyarrow().to_pylist()
    }
    assert rows["x"]["frequency"] == 1
    assert rows["x"]["monetary_value"] == 2.0
    assert rows["y"]["T"] == 58.0
