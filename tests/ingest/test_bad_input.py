"""One test per kind of bad input: the error names file, row, column and value, and says what
to do; nothing is loaded. With on_error='skip' the good rows load and the bad ones are written
to a rejects file with their reasons."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rapport
from conftest import count, write
from rapport.errors import ConfigError, ExpressionError, IngestError, InputError, MappingError

GOOD = "order_id,customer_id,order_date,amount\n1,a,2024-01-05,10.50\n2,b,2024-01-06,20\n"


def _orders(tmp_path: Path, bad_line: str, name: str = "orders.csv") -> Path:
    return write(tmp_path / name, GOOD + bad_line + "\n4,d,2024-01-08,5\n")


def _assert_nothing_loaded(ws: rapport.Workspace) -> None:
    for table in ("transactions", "customers", "identities", "ingests", "feedback"):
        assert count(ws, f"SELECT count(*) FROM {table}") == 0, table


def test_unparseable_date(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,c,2024-13-45,7")
    with pytest.raises(IngestError) as info:
        ws.ingest(path, "transactions")
    msg = str(info.value)
    assert f"{path}, row 3, column 'order_date': value '2024-13-45' is not a date" in msg
    assert "--on-error skip" in msg and "nothing was loaded" in msg
    assert info.value.total == 1
    _assert_nothing_loaded(ws)


def test_non_numeric_amount(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,c,2024-01-07,twelve")
    with pytest.raises(IngestError) as info:
        ws.ingest(path, "transactions")
    assert "row 3, column 'amount': value 'twelve' is not a number" in str(info.value)
    _assert_nothing_loaded(ws)


def test_amounts_as_exports_write_them_are_numbers(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "money.csv", 'customer_id,date,amount\na,2024-01-01,"$1,234.50"\n'
                 "b,2024-01-01,(12.00)\nc,2024-01-01,€ 7\nd,2024-01-01,\"12,5\"\n")
    ws.ingest(path, "transactions")
    amounts = ws.sql("SELECT amount FROM transactions ORDER BY source_row").column(0).to_pylist()
    assert amounts == [1234.5, -12.0, 7.0, 12.5]


def test_transaction_without_a_customer(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,,2024-01-07,7")
    with pytest.raises(IngestError) as info:
        ws.ingest(path, "transactions")
    msg = str(info.value)
    assert "row 3, column 'customer_id': is empty (or a missing-value marker such as NA): a " \
        "transaction without a customer" in msg
    _assert_nothing_loaded(ws)


def test_missing_value_markers_count_as_missing(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,NA,2024-01-07,7")
    with pytest.raises(IngestError) as info:
        ws.ingest(path, "transactions")
    assert "row 3, column 'customer_id': value 'NA' is empty (or a missing-value marker" \
        in str(info.value)
    _assert_nothing_loaded(ws)


def test_empty_file(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv", "")
    with pytest.raises(InputError, match=r"empty\.csv is empty \(0 bytes\)"):
        ws.ingest(path, "transactions")
    header_only = write(tmp_path / "header.csv", "customer_id,date,amount\n")
    with pytest.raises(InputError, match=r"header\.csv is empty: it has no data rows"):
        ws.ingest(header_only, "transactions")
    _assert_nothing_loaded(ws)


def test_unknown_kind(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,c,2024-01-07,7")
    with pytest.raises(ConfigError, match="unknown kind 'orders': use one of customers, "
                                          "transactions, feedback, accounts, contacts"):
        ws.ingest(path, "orders")
    _assert_nothing_loaded(ws)


def test_required_column_missing(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "nodate.csv", "customer_id,amount\na,1\n")
    with pytest.raises(MappingError) as info:
        ws.ingest(path, "transactions")
    msg = str(info.value)
    assert "no column holds the purchase date" in msg and "'customer_id', 'amount'" in msg
    assert "--map ts=COLUMN" in msg
    _assert_nothing_loaded(ws)


def test_map_to_a_missing_column_or_bad_expression(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,c,2024-01-07,7")
    with pytest.raises(MappingError, match="'Total' is not a column of the input"):
        ws.ingest(path, "transactions", mapping={"amount": "Total"})
    with pytest.raises(ExpressionError, match="is not allowed"):
        ws.ingest(path, "transactions", mapping={"amount": "amount ** 2"})
    with pytest.raises(MappingError, match="transactions have no field 'price_paid'"):
        ws.ingest(path, "transactions", mapping={"price_paid": "amount"})
    with pytest.raises(MappingError, match="is not FIELD=COLUMN"):
        ws.ingest(path, "transactions", mapping=["amount"])
    _assert_nothing_loaded(ws)


def test_bad_email_and_rating_out_of_scale(ws: rapport.Workspace, tmp_path: Path) -> None:
    people = write(tmp_path / "people.csv", "email,name\nann@example.com,Ann\nnot-an-email,Bob\n")
    with pytest.raises(IngestError, match="row 2, column 'email': value 'not-an-email' is not "
                                          "an email address"):
        ws.ingest(people, "customers")
    survey = write(tmp_path / "nps.csv", "email,nps,comment\na@x.io,9,great\nb@x.io,11,hm\n")
    with pytest.raises(IngestError, match=r"row 2, column 'nps': value '11' is outside the nps "
                                          r"scale \(0 to 10\)"):
        ws.ingest(survey, "feedback")
    _assert_nothing_loaded(ws)


def test_skip_loads_good_rows_and_writes_rejects(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = write(
        tmp_path / "orders.csv",
        GOOD + "3,c,someday,7\n4,,2024-01-08,5\n5,e,2024-01-09,lots\n6,f,2024-01-10,1\n",
    )
    result = ws.ingest(path, "transactions", on_error="skip")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 3, 3)
    assert count(ws, "SELECT count(*) FROM transactions") == 3
    assert result.rejects_path is not None
    with open(result.rejects_path, newline="") as f:
        rejected = list(csv.DictReader(f))
    assert [(r["row"], r["column"], r["value"]) for r in rejected] == [
        ("3", "order_date", "someday"), ("4", "customer_id", ""), ("5", "amount", "lots"),
    ]
    assert all(r["reason"] for r in rejected)
    assert '"order_id":"3"' in rejected[0]["record"]
    assert count(ws, "SELECT rows_rejected FROM ingests") == 3
    assert [r["source_row"] for r in ws.rejects()] == [3, 4, 5]


def test_bad_options_are_refused_before_reading(ws: rapport.Workspace, tmp_path: Path) -> None:
    path = _orders(tmp_path, "3,c,2024-01-07,7")
    with pytest.raises(ConfigError, match=r"--on-error 'ignore': use fail or skip"):
        ws.ingest(path, "transactions", on_error="ignore")
    with pytest.raises(ConfigError, match=r"--mode 'merge': use replace or append"):
        ws.ingest(path, "transactions", mode="merge")
    with pytest.raises(InputError, match="does not exist"):
        ws.ingest(tmp_path / "nope.csv", "transactions")
    with pytest.raises(InputError, match=r"unknown file type '\.docx'"):
        ws.ingest(write(tmp_path / "x.docx", "a"), "transactions")
    _assert_nothing_loaded(ws)
