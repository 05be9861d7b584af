"""The summary built from CDNOW_sample.txt equals the published calibration summary (39 weeks
to 1997-09-30) for every customer: frequency, recency, T and the mean repeat spend."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

import rapport
from conftest import DATASETS
from rapport.behavior.summaries import TIME_UNITS, customer_summary
from rapport.engines import DuckDBEngine

CDNOW = DATASETS / "cdnow"
SAMPLE_MAP = ["customer_id=column1", "ts=column3", "quantity=column4", "amount=column5"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rapport.Workspace]:
    ws = rapport.open(tmp_path_factory.mktemp("cdnow") / "x.duckdb")
    ws.ingest(CDNOW / "CDNOW_sample.txt", "transactions", mapping=SAMPLE_MAP)
    yield ws
    ws.close()


def _summary(ws: rapport.Workspace, time_unit: str = "weeks") -> pd.DataFrame:
    engine = DuckDBEngine(ws)
    frame = engine.execute(customer_summary(engine, "1997-09-30", time_unit)).to_pandas()
    # the published files number customers by the sample id (column 2 of the sample file:
    # customer 00004 is sample id 0001, ID 1), so go from Rapport's id to the file's customer
    # id through `identities`, and from there to the sample id through the file itself.
    keys = ws.sql(
        "SELECT customer_id, value AS source_id FROM identities WHERE kind = 'external_id'"
    ).to_pandas()
    raw = _raw_sample()
    sample_ids = raw.drop_duplicates("source_id").set_index("source_id")["ID"]
    keys["ID"] = keys["source_id"].map(sample_ids)
    return frame.merge(keys, on="customer_id", how="left")


def _raw_sample() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["source_id", "ID", "date", "cds", "dollars"],
        dtype={"source_id": str, "ID": int, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


def _published() -> pd.DataFrame:
    summary = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    spend = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    spend.columns = [c.strip() for c in spend.columns]
    return summary.merge(spend[["ID", "x", "zbar"]], on="ID", validate="one_to_one")


def test_every_customer_matches_the_published_summary(sample: rapport.Workspace) -> None:
    ours = _summary(sample)
    published = _published()
    assert len(ours) == 2_357 == len(published)
    assert ours["ID"].notna().all()
    both = published.merge(ours, on="ID", suffixes=("_pub", ""), validate="one_to_one")
    assert len(both) == 2_357
    assert (both["frequency"] == both["frequency_pub"]).all()
    assert (both["frequency"] == both["x"]).all()
    # the published recency, T and mean spend are rounded to cents of a week / a dollar
    for ours_col, pub_col in (
        ("recency", "recency_pub"),
        ("T", "T_pub"),
        ("monetary_value", "zbar"),
    ):
        gap = (both[ours_col] - both[pub_col]).abs()
        assert gap.max() <= 0.005 + 1e-9, both.loc[gap.idxmax(), ["ID", ours_col, pub_col]]


def test_monetary_value_is_the_mean_of_the_repeat_purchase_days(
    sample: rapport.Workspace,
) -> None:
    raw = _raw_sample()
    raw = raw[raw["date"] <= "1997-09-30"]
    days = raw.groupby(["ID", "date"], as_index=False)["dollars"].sum().sort_values("date")
    repeat = days.groupby("ID").apply(lambda g: g["dollars"].iloc[1:].mean(), include_groups=False)
    expected = repeat.fillna(0.0).rename("expected")
    both = _summary(sample).merge(expected, left_on="ID", right_index=True)
    assert len(both) == 2_357
    assert both["monetary_value"].to_numpy() == pytest.approx(both["expected"].to_numpy(), rel=1e-6)
    assert (both.loc[both["frequency"] == 0, "monetary_value"] == 0).all()


def test_last_gap_is_the_days_between_the_last_two_purchase_days(
    sample: rapport.Workspace,
) -> None:
    raw = _raw_sample()
    raw = raw[raw["date"] <= "1997-09-30"]
    days = raw.drop_duplicates(["ID", "date"]).sort_values(["ID", "date"])
    gaps = days.groupby("ID")["date"].diff().dt.days
    expected = gaps.groupby(days["ID"]).last().rename("expected")  # NaN with one day
    both = _summary(sample).merge(expected, left_on="ID", right_index=True)
    assert len(both) == 2_357
    one_day = both["frequency"] == 0
    assert both.loc[one_day, "last_gap_days"].isna().all()
    assert both.loc[one_day, "expected"].isna().all()
    repeat = both[~one_day]
    assert len(repeat) == 946
    assert (repeat["last_gap_days"] == repeat["expected"]).all()


def test_time_units_scale_exactly(sample: rapport.Workspace) -> None:
    days = _summary(sample, "days").set_index("customer_id").sort_index()
    weeks = _summary(sample, "weeks").set_index("customer_id").sort_index()
    months = _summary(sample, "months").set_index("customer_id").sort_index()
    for column in ("recency", "T"):
        assert weeks[column].to_numpy() == pytest.approx(days[column].to_numpy() / 7, rel=1e-12)
        assert months[column].to_numpy() == pytest.approx(
            days[column].to_numpy() / 30.4375, rel=1e-12
        )
    assert TIME_UNITS["months"] == 30.4375 * 86_400
    # calendar days, whole numbers, for CDNOW's dates
    assert (days["T"] == days["T"].round()).all()
    assert (days["frequency"] == weeks["frequency"]).all()


def test_purchases_after_the_calibration_end_are_ignored(sample: rapport.Workspace) -> None:
    calibration = _summary(sample).set_index("customer_id")
    everything = DuckDBEngine(sample).execute(customer_summary(sample, "1998-06-30")).to_pandas()
    everything = everything.set_index("customer_id")
    assert calibration["last_purchase"].max() <= pd.Timestamp("1997-09-30")
    assert everything["last_purchase"].max() > pd.Timestamp("1997-09-30")
    assert (everything.loc[calibration.index, "frequency"] >= calibration["frequency"]).all()
    # the sample's customers all made their first purchase in the first quarter of 1997
    assert len(everything) == len(calibration) == 2_357


def test_columns_are_the_documented_ones(sample: rapport.Workspace) -> None:
    from rapport.behavior.summaries import SUMMARY_COLUMNS

    expr = customer_summary(DuckDBEngine(sample), "1997-09-30")
    assert list(expr.columns) == [name for name, _, _ in SUMMARY_COLUMNS]
    for name, kind, _ in SUMMARY_COLUMNS:
        dtype = expr.schema()[name]
        assert dtype.is_timestamp() if kind == "timestamp" else str(dtype) == kind, name


def test_cdnow_has_no_hours_categories_or_products(sample: rapport.Workspace) -> None:
    frame = _summary(sample)
    assert frame["preferred_hour"].isna().all()
    assert frame["favourite_category"].isna().all()
    assert frame["preferred_weekday"].between(0, 6).all()
    # no order ids: purchases with the same date are one occasion
    assert (frame["n_orders"] == frame["frequency"] + 1).all()
