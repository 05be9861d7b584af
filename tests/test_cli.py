"""The CLI: every command has --help, listings take --json, errors print `Error: …` and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATASETS, write
from rapport.cli import app

runner = CliRunner()
COMMANDS = ["init", "ingest", "status", "customers", "ingests", "rejects", "demo", "analyze",
            "validate", "cohorts", "flows"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and "--store" in result.output


def test_ingest_status_customers_round_trip(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    assert runner.invoke(app, ["init", "--store", store]).exit_code == 0
    orders = write(tmp_path / "orders.csv", "Customer Id,Invoice Date,Quantity,Unit Price\n"
                                            "7,2024-01-01,2,3.5\n8,2024-01-02,1,10\n")
    result = runner.invoke(app, ["ingest", str(orders), "--kind", "transactions",
                                 "--store", store])
    assert result.exit_code == 0, result.output
    assert "Quantity * `Unit Price`" in result.output  # the mapping is printed before loading
    assert "loaded 2 of 2 rows as transactions" in result.output
    again = runner.invoke(app, ["ingest", str(orders), "-k", "transactions", "--store", store])
    assert "already loaded" in again.output
    # The kind may also follow the file, as the tool's own hints write it.
    third = runner.invoke(app, ["ingest", str(orders), "transactions", "--store", store])
    assert third.exit_code == 0 and "already loaded" in third.output
    status = json.loads(runner.invoke(app, ["status", "--store", store, "--json"]).output)
    assert status["tables"]["transactions"] == 2
    found = json.loads(runner.invoke(app, ["customers", "--store", store, "--search", "7",
                                           "--json"]).output)
    assert len(found) == 1 and found[0]["spend"] == 7.0
    loads = json.loads(runner.invoke(app, ["ingests", "--store", store, "--json"]).output)
    assert loads[0]["rows_loaded"] == 2


def test_ingest_json_output_and_rejects(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    orders = write(tmp_path / "orders.csv", "customer_id,date,amount\na,2024-01-01,x\n"
                                            "b,2024-01-01,2\n")
    result = runner.invoke(app, ["ingest", str(orders), "-k", "transactions", "--store", store,
                                 "--on-error", "skip", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["rows_loaded"], data["rows_rejected"]) == (1, 1)
    assert Path(data["rejects_path"]).exists()
    rejected = json.loads(runner.invoke(app, ["rejects", "--store", store, "--json"]).output)
    assert rejected[0]["value"] == "x" and rejected[0]["column_name"] == "amount"


def test_errors_print_error_and_exit_1(tmp_path: Path) -> None:
    """Run the installed command as a user would, to see its real stderr and exit code."""
    store = str(tmp_path / "s.duckdb")
    bad = write(tmp_path / "bad.csv", "customer_id,date,amount\na,yesterday,1\n")
    exe = Path(sys.executable).with_name("rapport")
    env = {**os.environ, "COLUMNS": "200"}
    cases = [
        ["ingest", str(bad), "--kind", "transactions", "--store", store],
        ["ingest", str(bad), "--kind", "nope", "--store", store],
        ["ingest", str(tmp_path / "missing.csv"), "--kind", "feedback", "--store", store],
        ["status", "--store", str(tmp_path / "none.duckdb")],
        ["ingest", str(bad), "--store", store],
        ["ingest", str(bad), "feedback", "--kind", "transactions", "--store", store],
        ["ingest", str(bad), "nope", "--store", store],
    ]
    expected = ["row 1, column 'date': value 'yesterday' is not a date", "unknown kind 'nope'",
                "does not exist", "does not exist; create it with `rapport init`",
                "say what bad.csv holds: rapport ingest", "the file's kind is given twice",
                "unknown kind 'nope'"]
    for args, text in zip(cases, expected, strict=True):
        proc = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        # the mapping may be printed first; the error is a line of its own
        assert any(line.startswith("Error: ") for line in proc.stderr.splitlines()), proc.stderr
        assert text in " ".join(proc.stderr.split()), proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("width", [60, 80, 200])
def test_tables_fit_the_terminal(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids, dates and emails are never broken across lines; columns that do not fit are left
    out, most important (first) kept, and the caption names the rest (and columns with
    nothing in them)."""
    import importlib
    import io

    from rich.console import Console

    cli_app = importlib.import_module("rapport.cli.app")  # the package's `app` is the Typer app

    console = Console(width=width, file=io.StringIO(), color_system=None)
    monkeypatch.setattr(cli_app, "out", console)
    rows = [{"customer_id": f"c{i:07d}", "name": "Aisha Howard", "stage": "first-time buyer",
             "spend": 1234.5 * i, "last_purchase": "2026-06-17",
             "email": "aisha.howard@keystonebayagency.example",
             "note": "a long remark that may wrap over several lines " * 3,
             "phone": None} for i in range(3)]
    console.print(cli_app._table(rows, "customers"))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert all(f"c{i:07d}" in text for i in range(3))  # the first column, whole
    shown = [c for c in ("stage", "last purchase", "email") if f" {c} " in lines[2]]
    assert " phone " not in lines[2]  # empty in every row: left out, and said
    assert "empty in every row: phone" in " ".join(text.split())
    if width == 200:
        assert "not shown" not in text and len(shown) == 3 and "2026-06-17" in text
        assert "aisha.howard@keystonebayagency.example" in text
    else:
        assert "not shown for width" in text and len(shown) < 3
        left = text[text.index("not shown for width"):]
        assert all(c in " ".join(left.split()) for c in ("email", "note"))


def test_profile_of_a_customer_from_a_date_only_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CDNOW has dates without times, no products and no names: the profile is headed by the
    customer's own id, found by it, and claims no hour of day and no favourite."""
    store = str(tmp_path / "s.duckdb")
    loaded = runner.invoke(app, [
        "ingest", str(DATASETS / "cdnow" / "CDNOW_sample.txt"), "transactions", "--store",
        store, "--map", "customer_id=column1", "--map", "ts=column3", "--map",
        "quantity=column4", "--map", "amount=column5"])
    assert loaded.exit_code == 0, loaded.output
    analysed = runner.invoke(app, ["analyze", "--no-voice", "--store", store])
    assert analysed.exit_code == 0, analysed.output
    # Nobody has said anything: every segment's blind spot is the whole base's, said once.
    assert analysed.output.count("blind spot:") == 1
    assert "For 100% of our customers we know what they buy, but for only 0% the job" in (
        " ".join(analysed.output.split()))
    shown = runner.invoke(app, ["profile", "00004", "--store", store])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "(external id 00004)" in text and "their ids │ external id 00004" in text
    habits = text[text.index("habits"):].split("│")[1]
    assert habits.strip().endswith("days") and ":00" not in habits  # "Saturdays"
    assert "None" not in text and "around 0:00" not in text
    # Without --output the report goes to the current folder, named for the store.
    monkeypatch.chdir(tmp_path)
    written = runner.invoke(app, ["report", "--store", store])
    assert written.exit_code == 0, written.output
    assert "s-report.html" in written.output and (tmp_path / "s-report.html").stat().st_size
