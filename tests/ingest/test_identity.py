"""Identity resolution: customers keyed by normalised email, phone and per-source ids."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import rapport
from conftest import count, write


def _customer_of(ws: rapport.Workspace, kind: str, value: str) -> str:
    rows = ws.sql(
        "SELECT customer_id FROM identities WHERE kind = ? AND value = ?", [kind, value]
    ).column(0).to_pylist()
    assert len(rows) == 1, (kind, value, rows)
    return str(rows[0])


def test_two_sources_sharing_an_email_become_one_customer(
    ws: rapport.Workspace, tmp_path: Path
) -> None:
    crm = write(tmp_path / "crm.csv",
                "CustomerID,Full Name,Email,Phone\n"
                "17,Ann Lee,Ann.Lee@Example.com ,(555) 013-2231\n"
                "18,Bo Chen,bo@example.com,\n")
    shop = write(tmp_path / "shop.csv",
                 "email,order_date,total\n"
                 "ann.lee@example.com,2024-01-02,30\n"
                 "ANN.LEE@EXAMPLE.COM,2024-02-02,40\n"
                 "new@example.com,2024-02-03,5\n")
    ws.ingest(crm, "customers", source="crm")
    result = ws.ingest(shop, "transactions", source="shop")
    assert result.customers_created == 1  # only new@example.com is new
    assert count(ws, "SELECT count(*) FROM customers") == 3
    ann = _customer_of(ws, "email", "ann.lee@example.com")
    assert _customer_of(ws, "external_id", "17") == ann
    assert _customer_of(ws, "phone", "5550132231") == ann
    spend = ws.sql("SELECT sum(amount) FROM transactions WHERE customer_id = ?", [ann])
    assert spend.column(0)[0].as_py() == 70
    person = ws.sql("SELECT name, email, phone FROM customers WHERE customer_id = ?", [ann])
    assert person.to_pylist() == [{"name": "Ann Lee", "email": "ann.lee@example.com",
                                   "phone": "5550132231"}]


def test_phone_spellings_match_and_a_linking_row_merges_customers(
    ws: rapport.Workspace, tmp_path: Path
) -> None:
    # two customers known separately: one by phone, one by email
    ws.ingest(write(tmp_path / "calls.csv", "phone,date,amount\n+1 555 013 2231,2024-01-01,5\n"),
              "transactions", source="calls")
    ws.ingest(write(tmp_path / "web.csv", "email,date,amount\nzoe@example.com,2024-01-02,7\n"),
              "transactions", source="web")
    assert count(ws, "SELECT count(*) FROM customers") == 2
    by_phone = _customer_of(ws, "phone", "5550132231")
    by_email = _customer_of(ws, "email", "zoe@example.com")
    assert by_phone != by_email
    # a CRM row with both keys (phone written another way) reveals they are one person
    result = ws.ingest(
        write(tmp_path / "crm.csv", "name,email,mobile\nZoe Park,zoe@example.com,555.013.2231\n"),
        "customers", source="crm",
    )
    assert result.customers_merged == 1 and result.customers_created == 0
    assert count(ws, "SELECT count(*) FROM customers") == 1
    survivor = min(by_phone, by_email)
    assert count(ws, "SELECT count(DISTINCT customer_id) FROM transactions") == 1
    assert ws.sql("SELECT customer_id FROM transactions LIMIT 1").column(0)[0].as_py() == survivor
    merges = ws.sql("SELECT merged_id, into_id FROM customer_merges").to_pylist()
    assert merges == [{"merged_id": max(by_phone, by_email), "into_id": survivor}]
    # the identities table keeps every key, all pointing at the survivor
    keys = ws.sql("SELECT kind, customer_id FROM identities ORDER BY kind").to_pylist()
    assert [k["kind"] for k in keys] == ["email", "phone"]
    assert {k["customer_id"] for k in keys} == {survivor}
    assert ws.resolve("555-013-2231") == survivor
    assert ws.resolve("ZOE@example.com") == survivor


def test_rows_sharing_keys_within_one_file_are_one_customer(
    ws: rapport.Workspace, tmp_path: Path
) -> None:
    frame = pd.DataFrame({
        "customer_id": ["1", "2", None, "3"],
        "email": ["a@x.io", None, "a@x.io", "b@x.io"],
        "phone": [None, "0207 946 0958", "+44 20 7946 0958", None],
    })
    result = ws.ingest(frame, "customers", source="crm")
    # rows 1 and 3 share an email, rows 2 and 3 share a phone: one person; row 4 another
    assert result.customers_created == 2
    assert count(ws, "SELECT count(*) FROM customers") == 2
    assert count(ws, "SELECT count(*) FROM identities") == 6


def test_id_spaces_keep_colliding_ids_apart(ws: rapport.Workspace, tmp_path: Path) -> None:
    orders = "customer_id,date,amount\n1,2024-01-01,5\n2,2024-01-01,6\n"
    ws.ingest(write(tmp_path / "a.csv", orders), "transactions", source="shop")
    # the same ids in the same id space are the same customers
    ws.ingest(write(tmp_path / "b.csv", orders + "3,2024-01-02,1\n"), "transactions",
              source="pos")
    assert count(ws, "SELECT count(*) FROM customers") == 3
    # another system whose numbers mean other people gets its own id space
    ws.ingest(write(tmp_path / "c.csv", orders.replace("5", "50")), "transactions",
              source="legacy", id_space="legacy")
    assert count(ws, "SELECT count(*) FROM customers") == 5
    assert count(ws, "SELECT count(DISTINCT scope) FROM identities") == 2


def test_contacts_link_to_known_customers_only(ws: rapport.Workspace, tmp_path: Path) -> None:
    ws.ingest(write(tmp_path / "acc.csv", "Account ID,Company,Industry,Employees\n"
                                          "A1,Acme,Manufacturing,250\n"), "accounts")
    ws.ingest(write(tmp_path / "cust.csv", "email,name,Company ID\nkim@acme.com,Kim,A1\n"),
              "customers")
    ws.ingest(write(tmp_path / "contacts.csv",
                    "Contact ID,Account ID,Name,Job Title,Buying Role,Email\n"
                    "K1,A1,Kim,Office Manager,champion,KIM@acme.com\n"
                    "K2,A1,Lou,CFO,finance,lou@acme.com\n"), "contacts")
    rows = ws.sql("SELECT contact_id, customer_id, title, role FROM contacts ORDER BY 1")
    got = rows.to_pylist()
    kim = _customer_of(ws, "email", "kim@acme.com")
    assert got[0] == {"contact_id": "K1", "customer_id": kim, "title": "Office Manager",
                      "role": "champion"}
    assert got[1]["customer_id"] is None
    assert count(ws, "SELECT count(*) FROM customers") == 1
    assert ws.sql("SELECT account_id FROM customers").column(0)[0].as_py() == "A1"
    acc = ws.sql("SELECT name, industry, size FROM accounts").to_pylist()
    assert acc == [{"name": "Acme", "industry": "Manufacturing", "size": "250"}]
