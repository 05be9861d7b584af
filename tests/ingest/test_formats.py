"""Formats: random tables round-trip through CSV, TSV, Parquet, JSON, JSON Lines and Excel, and
pandas / polars / Arrow tables; encodings, delimiters and headers are detected."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rapport
from conftest import count, write

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1, max_size=30,
).map(str.strip).filter(lambda s: s != "" and s.lower() not in ("na", "n/a", "null", "none",
                                                                  "nan", "-", "#n/a", "nil"))
_rows = st.lists(
    st.fixed_dictionaries({
        # (NA, null, none … mean "missing" in exports: they are not ids)
        "customer_id": st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True).filter(
            lambda s: s.lower() not in ("na", "null", "none", "nan", "nil")),
        "order_date": st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1))
        .map(lambda d: d.replace(microsecond=0)),
        "amount": st.decimals(min_value=-10_000, max_value=1_000_000, places=2,
                              allow_nan=False).map(float),
        "product": _text,
    }),
    min_size=1, max_size=40,
)


def _write_format(frame: pd.DataFrame, path: Path) -> Path:
    fmt = path.suffix
    if fmt == ".csv":
        frame.to_csv(path, index=False)
    elif fmt == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == ".parquet":
        frame.to_parquet(path, index=False)
    elif fmt == ".json":
        frame.to_json(path, orient="records", date_format="iso")
    elif fmt == ".jsonl":
        frame.to_json(path, orient="records", lines=True, date_format="iso")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".json", ".jsonl"])
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows)
def test_random_tables_round_trip(tmp_path: Path, suffix: str, rows: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(rows)
    path = _write_format(frame, tmp_path / f"{uuid.uuid4().hex}{suffix}")
    with rapport.open(tmp_path / f"{uuid.uuid4().hex}.duckdb") as ws:
        result = ws.ingest(path, "transactions", header=True)
        assert result.rows_loaded == len(rows)
        got = ws.sql(
            "SELECT i.value AS customer_id, t.ts, t.amount, t.product FROM transactions t "
            "JOIN identities i USING (customer_id) ORDER BY t.source_row"
        ).to_pylist()
    assert [g["customer_id"] for g in got] == [r["customer_id"] for r in rows]
    assert [g["ts"] for g in got] == [r["order_date"] for r in rows]
    assert [g["amount"] for g in got] == pytest.approx([r["amount"] for r in rows])
    assert [g["product"] for g in got] == [r["product"] for r in rows]


@pytest.mark.parametrize("make", ["pandas", "polars", "arrow"])
def test_in_memory_tables(ws: rapport.Workspace, make: str) -> None:
    data = {"customer_id": ["a", "b", "a"], "amount": [1.5, 2.0, 3.0],
            "order_date": [datetime(2024, 1, 1) + timedelta(days=i) for i in range(3)]}
    table: Any = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "arrow": pa.table}[make](data)
    result = ws.ingest(table, "transactions", source="frame")
    assert result.rows_loaded == 3 and result.path == f"<{make if make != 'arrow' else 'pyarrow'}"\
        " table>"
    assert count(ws, "SELECT count(*) FROM customers") == 2
    assert ws.ingest(table, "transactions", source="frame").status == "skipped"


def test_excel_workbook(ws: rapport.Workspace, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Orders"
    sheet.append(["InvoiceNo", "CustomerID", "InvoiceDate", "Quantity", "UnitPrice"])
    sheet.append(["536365", 17850, datetime(2010, 12, 1, 8, 26), 6, 2.55])
    sheet.append(["536366", 17850, datetime(2010, 12, 1, 8, 28), 2, 1.85])
    sheet.append(["536367", 13047, datetime(2010, 12, 1, 8, 34), 32, 1.69])
    book.create_sheet("Notes").append(["nothing here"])
    path = tmp_path / "online_retail.xlsx"
    book.save(path)
    result = ws.ingest(path, "transactions")
    assert result.format == "Excel sheet 'Orders'"
    assert result.mapping["amount"] == "Quantity * UnitPrice"  # derived, as the issue asks
    amounts = ws.sql("SELECT amount FROM transactions ORDER BY source_row").column(0).to_pylist()
    assert amounts == pytest.approx([15.3, 3.7, 54.08])
    assert count(ws, "SELECT count(*) FROM customers") == 2
    with pytest.raises(rapport.InputError, match="has no sheet 'Returns'"):
        ws.ingest(path, "transactions", sheet="Returns", force=True)


def test_encodings_are_detected(ws: rapport.Workspace, tmp_path: Path) -> None:
    text = "customer,date,comment\nJosé,2024-01-01,Très bien – 5 € well spent\n"
    for i, enc in enumerate(["utf-8", "utf-8-sig", "cp1252", "latin-1"]):
        body = text if enc != "latin-1" else text.replace("–", "-").replace("€", "EUR")
        path = write(tmp_path / f"fb{i}.csv", body.replace("José", f"José{i}"), enc)
        result = ws.ingest(path, "feedback", mapping={"customer_id": "customer"})
        assert result.format.endswith(enc if enc != "latin-1" else "cp1252"), result.format
    comments = ws.sql("SELECT text FROM feedback ORDER BY ingest_id").column(0).to_pylist()
    assert comments[:3] == ["Très bien – 5 € well spent"] * 3
    assert comments[3] == "Très bien - 5 EUR well spent"
    names = ws.sql("SELECT value FROM identities ORDER BY value").column(0).to_pylist()
    assert names == [f"José{i}" for i in range(4)]


def test_delimiters_headers_and_date_styles(ws: rapport.Workspace, tmp_path: Path) -> None:
    semi = write(tmp_path / "eu.csv",
                 "Kunde;Datum;Betrag\nk1;31.12.2023;1.234,50\nk2;01.02.2024;7,5\n")
    result = ws.ingest(semi, "transactions",
                       mapping={"customer_id": "Kunde", "ts": "Datum", "amount": "Betrag"})
    assert result.format.startswith("';'-separated text, header line")
    assert result.notes["ts"] == "dates as %d.%m.%Y"
    got = ws.sql("SELECT CAST(ts AS DATE) AS d, amount FROM transactions ORDER BY source_row")
    assert [(str(r["d"]), r["amount"]) for r in got.to_pylist()] == [
        ("2023-12-31", 1234.5), ("2024-02-01", 7.5)]
    # US dates, pipe-delimited, no header
    pipe = write(tmp_path / "us.txt", "u1|03/04/2024|5\nu2|12/25/2024|6\n")
    result = ws.ingest(pipe, "transactions",
                       mapping=["customer_id=column1", "ts=column2", "amount=column3"])
    assert "no header" in result.format and result.notes["ts"] == "dates as %m/%d/%Y"
    # a day-first column is recognised from any value past the 12th
    dm = write(tmp_path / "dm.csv", "customer_id,date,amount\na,03/04/2024,1\nb,25/04/2024,2\n")
    result = ws.ingest(dm, "transactions")
    assert result.notes["ts"] == "dates as %d/%m/%Y"
    # an explicit --date-format wins
    result = ws.ingest(dm, "transactions", date_format="%d/%m/%Y", force=True)
    assert result.notes["ts"] == "dates as %d/%m/%Y"


def test_json_nested_values_are_kept(ws: rapport.Workspace, tmp_path: Path) -> None:
    records = [{"id": "r1", "customer_id": "c1", "created_at": "2024-05-01T10:00:00Z",
                "comment": "Great beans", "score": 9, "tags": ["beans", "fresh"],
                "meta": {"device": "ios"}}]
    path = tmp_path / "responses.json"
    path.write_text(json.dumps(records))
    result = ws.ingest(path, "feedback")
    assert result.notes["rating_scale"].startswith("nps")
    row = ws.sql("SELECT external_id, text, rating, attributes FROM feedback").to_pylist()[0]
    assert (row["external_id"], row["text"], row["rating"]) == ("r1", "Great beans", 9)
    attrs = json.loads(row["attributes"])
    assert attrs["tags"] == ["beans", "fresh"] and attrs["meta"] == {"device": "ios"}


def test_typed_sources_keep_strings_as_given(ws: rapport.Workspace, tmp_path: Path) -> None:
    """Text files are cleaned (trimmed, NA means missing); Parquet and in-memory tables carry
    real nulls, so their strings are kept as they are and only '' means missing."""
    frame = pd.DataFrame({"customer_id": ["NA", " b ", "c"], "order_date": ["2024-01-01"] * 3,
                          "amount": [1.0, 2.0, 3.0], "product": [" Mug ", "", None]})
    frame.to_parquet(tmp_path / "typed.parquet", index=False)
    ws.ingest(tmp_path / "typed.parquet", "transactions", source="typed")
    got = ws.sql("SELECT i.value AS id, t.product FROM transactions t JOIN identities i "
                 "USING (customer_id) WHERE t.source = 'typed' ORDER BY t.source_row").to_pylist()
    assert got == [{"id": "NA", "product": " Mug "}, {"id": " b ", "product": None},
                   {"id": "c", "product": None}]
    frame.to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(rapport.IngestError, match="missing-value marker"):
        ws.ingest(tmp_path / "text.csv", "transactions", source="text")
