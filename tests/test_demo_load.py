"""`rapport demo` / Workspace.demo: the generated business loads whole, its ids line up with the
ground truth saved beside it, and running it again loads nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import rapport
from conftest import count
from rapport.cli import app


def test_demo_loads_everything_the_generator_wrote(tmp_path: Path) -> None:
    with rapport.open(tmp_path / "demo.duckdb") as ws:
        summary = ws.demo(customers=400, seed=11, out_dir=tmp_path / "data")
        truth = json.loads(Path(summary["ground_truth"]).read_text())
        loads = {ld["kind"]: ld for ld in summary["loads"]}
        assert all(ld["status"] == "loaded" and ld["rows_rejected"] == 0 for ld in loads.values())
        # every customer of the file is one Rapport customer; orders and feedback add none
        assert count(ws, "SELECT count(*) FROM customers") == 400
        assert loads["transactions"]["customers_created"] == 0
        assert loads["feedback"]["customers_created"] == 0
        ids = set(ws.sql("SELECT value FROM identities WHERE kind = 'external_id'")
                  .column(0).to_pylist())
        assert ids == set(truth["customer_segment"])
        # planted contradictions point at feedback rows that are in the store
        planted = {c["feedback_id"] for c in truth["contradictions"]}
        stored = set(ws.sql("SELECT external_id FROM feedback").column(0).to_pylist())
        assert planted and planted <= stored
        # feedback of a planted promoter who lapsed belongs to that customer
        first = truth["contradictions"][0]
        owner = ws.sql("SELECT i.value FROM feedback f JOIN identities i USING (customer_id) "
                       "WHERE f.external_id = ? AND i.kind = 'external_id'",
                       [first["feedback_id"]]).column(0).to_pylist()
        assert owner == [first["customer_id"]]
        # B2B: accounts, contacts, and meeting notes about accounts
        assert count(ws, "SELECT count(*) FROM accounts") == len(truth["accounts"])
        assert count(ws, "SELECT count(*) FROM feedback WHERE kind = 'note' "
                         "AND account_id IN (SELECT account_id FROM accounts)") > 0
        assert count(ws, "SELECT count(*) FROM contacts WHERE customer_id IS NOT NULL") > 0
        scales = set(ws.sql("SELECT DISTINCT rating_scale FROM feedback").column(0).to_pylist())
        assert {"nps", "stars5", "none"} <= scales
        again = ws.demo(customers=400, seed=11, out_dir=tmp_path / "data")
        assert {ld["status"] for ld in again["loads"]} == {"skipped"}
        assert count(ws, "SELECT count(*) FROM transactions") == loads["transactions"][
            "rows_loaded"]


def test_demo_command_prints_a_summary(tmp_path: Path) -> None:
    store = str(tmp_path / "d.duckdb")
    result = CliRunner().invoke(app, ["demo", "--customers", "200", "--seed", "5", "--store",
                                      store, "--out-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "Northwind Roasters" in result.output and "200 customers" in result.output
    data = json.loads(CliRunner().invoke(app, ["status", "--store", store, "--json"]).output)
    assert data["tables"]["customers"] == 200 and data["tables"]["accounts"] > 0
