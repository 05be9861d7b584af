"""Research plans and customer profiles on the analysed demo store, through Workspace and CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rapport
from conftest import DemoStore
from rapport.cli import app
from rapport.demo import generate_demo
from rapport.errors import ConfigError
from rapport.formats import horizon
from rapport.report import render_report

SURVEYJS_TYPES = {"comment", "radiogroup", "checkbox", "rating"}


def test_segment_plan_asks_the_least_known_valuable_customers(demo_store: DemoStore) -> None:
    ws = demo_store.ws
    plan = ws.plan("segment", "high-value", sample_size=15)
    assert plan["target_kind"] == "segment" and plan["who"] == "high-value customers"
    assert plan["gaps"] and plan["objective"].startswith("Learn, for high-value customers")
    assert plan["decisions"] and plan["hypotheses"] and plan["fallback"]
    assert plan["interview_guide"] and plan["survey_questions"]
    # The sample is in the segment, reachable, not lapsed, least known first.
    members = ws.coverage("segment", "high-value customers")["rows"][0]["customers"]
    assert 0 < plan["sample"]["size"] <= 15 < members
    cutoff = ws.sql("SELECT quantile_cont(clv, 0.8) FROM customer_behavior WHERE n_orders > 0"
                    ).column(0)[0].as_py()
    ids = [p["customer_id"] for p in plan["sample"]["customers"]]
    rows = ws.sql(f"SELECT customer_id, clv, status, email FROM customer_behavior JOIN customers "
                  f"USING (customer_id) WHERE customer_id IN ({','.join('?' * len(ids))})",
                  ids).to_pandas()
    assert (rows["clv"] >= cutoff - 1e-9).all()
    assert (rows["status"] != "lapsed").all() and rows["email"].notna().all()
    known = [p["known"] for p in plan["sample"]["customers"]]
    assert known == sorted(known)


def test_plan_exports_markdown_and_an_importable_survey(demo_store: DemoStore) -> None:
    plan = demo_store.ws.plan("segment", "all")
    md = plan["markdown"]
    for heading in ("# Research plan", "**Objective.**", "## Hypotheses", "## Method",
                    "## Sample", "## Interview guide", "## Survey", "## If it does not work"):
        assert heading in md, heading
    survey = plan["survey"]
    elements = survey["pages"][0]["elements"]
    assert survey["title"] and elements
    assert {e["type"] for e in elements} <= SURVEYJS_TYPES
    assert len({e["name"] for e in elements}) == len(elements)
    for e in elements:
        if e["type"] in ("radiogroup", "checkbox"):
            assert len(e["choices"]) >= 2
    json.dumps(survey)  # plain JSON


def test_account_and_customer_plans(demo_store: DemoStore) -> None:
    ws = demo_store.ws
    account_id = ws.sql("SELECT account_id FROM accounts ORDER BY 1 LIMIT 1").column(0)[0]
    plan = ws.plan("account", account_id.as_py())
    contacts = ws.sql("SELECT coalesce(customer_id, contact_id) FROM contacts WHERE "
                      "account_id = ?", [account_id.as_py()]).column(0).to_pylist()
    assert plan["sample"]["customers"]
    assert {p["customer_id"] for p in plan["sample"]["customers"]} <= set(contacts)
    assert all(g["dimension"] in {d["dimension"] for d in plan["gaps"]} for g in plan["gaps"])
    cid = ws.sql("SELECT customer_id FROM customer_behavior WHERE stage = 'loyal' LIMIT 1"
                 ).column(0)[0].as_py()
    mine = ws.plan("customer", cid)
    assert [p["customer_id"] for p in mine["sample"]["customers"]] == [cid]
    with pytest.raises(ConfigError, match=r"no segment 'astronauts'; use one of: .*loyal"):
        ws.plan("segment", "astronauts")
    with pytest.raises(ConfigError, match="segment, an account or a customer"):
        ws.plan("planet", "x")


def test_plans_are_stored_for_everyone_value_personas_and_accounts(
        demo_store: DemoStore) -> None:
    rows = demo_store.ws.sql("SELECT target_kind, target_label, markdown, survey FROM "
                             "research_plans").to_pandas()
    labels = set(rows["target_label"])
    assert {"all customers", "high-value customers"} <= labels
    accounts = demo_store.ws.sql("SELECT count(*) FROM accounts").column(0)[0].as_py()
    assert (rows["target_kind"] == "account").sum() == accounts
    personas = demo_store.ws.sql("SELECT count(*) FROM personas").column(0)[0].as_py()
    assert (rows["target_kind"] == "segment").sum() >= 2 + min(personas, 1)
    assert rows["markdown"].str.startswith("# Research plan").all()


def test_profile_reads_as_a_page_about_a_person(demo_store: DemoStore) -> None:
    ws = demo_store.ws
    cid = ws.sql("SELECT v.customer_id FROM customer_voice v JOIN customer_behavior b USING "
                 "(customer_id) WHERE b.n_orders >= 3 ORDER BY v.statements DESC, 1 LIMIT 1"
                 ).column(0)[0].as_py()
    p = ws.profile(cid)
    name = p["identity"]["name"]
    assert p["story"].startswith(name) and "ordered" in p["story"]
    assert p["behaviour"]["horizon_months"] == 12
    assert f"worth about {p['behaviour']['clv']:,.2f} over the next year." in p["story"]
    assert p["identity"]["demographics"]  # age, gender, region from the export
    b = p["behaviour"]
    orders = ws.sql("SELECT count(DISTINCT CAST(ts AS DATE)) FROM transactions WHERE "
                    "customer_id = ? AND amount > 0", [cid]).column(0)[0].as_py()
    stages = [x.get("stage") for x in b["path"] if x.get("stage")]
    assert stages[:2] == ["prospect", "first-time buyer"] or stages[0] == "first-time buyer"
    assert ("repeat customer" in stages) == (orders > 1)
    # Their words, by facet, come from the redacted statements and carry dates.
    v = p["voice"]
    facets = ws.sql("SELECT DISTINCT f.facet FROM statements s JOIN statement_facets f USING "
                    "(statement_id) WHERE s.customer_id = ?", [cid]).column(0).to_pylist()
    assert {f for f, items in v["by_facet"].items() if items} == set(facets)
    texts = set(ws.sql("SELECT text FROM statements WHERE customer_id = ?", [cid])
                .column(0).to_pylist())
    for items in v["by_facet"].values():
        for s in items:
            assert s["text"] in texts and s["day"]
    for i in v["intents"]:
        after = ws.sql("SELECT count(DISTINCT coalesce(order_id, transaction_id)) FROM "
                       "transactions WHERE customer_id = ? AND amount > 0 AND CAST(ts AS DATE) "
                       "> CAST(? AS DATE)", [cid, i["day"]]).column(0)[0].as_py()
        assert i["orders_after"] == after
    assert p["coverage"]["score"] is not None and p["coverage"]["dimensions"]
    assert all(q["question"].endswith("?") for q in p["next_questions"])
    # The profile can be found by e-mail as well as by id.
    email = p["identity"]["email"]
    if email:
        assert ws.profile(email)["customer_id"] == cid
    with pytest.raises(ConfigError, match="no customer"):
        ws.profile("nobody-at-all")


def test_profile_of_a_lapsed_one_time_buyer(demo_store: DemoStore) -> None:
    """No 'P(alive) 100%' beside 'lapsed': the story gives the age of their one purchase, and
    the path says they slipped after it, not on the day they bought."""
    ws = demo_store.ws
    cid, days, last = ws.sql(
        "SELECT customer_id, days_since_last_purchase, CAST(CAST(last_purchase AS DATE) AS "
        "VARCHAR) FROM customer_behavior WHERE frequency = 0 AND status = 'lapsed' ORDER BY 1 "
        "LIMIT 1").to_pylist()[0].values()
    p = ws.profile(cid)
    assert p["behaviour"]["p_alive"] is None
    assert "P(alive)" not in p["story"]
    assert f"(lapsed: their only purchase was {days:,.0f} days ago)" in p["story"]
    assert p["behaviour"]["path"][-1] == {"status": "lapsed", "after": last}
    repeat = ws.sql("SELECT customer_id FROM customer_behavior WHERE frequency > 0 ORDER BY 1 "
                    "LIMIT 1").column(0)[0].as_py()
    assert "P(alive) " in ws.profile(repeat)["story"]


def test_the_clv_horizon_is_said_as_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The profile, the overview and the report name the horizon behavior.horizon_months set,
    not always a year."""
    assert [horizon(m) for m in (12, 24, 6, 1, 18, None, float("nan"))] == [
        "the next year", "the next 2 years", "the next 6 months", "the next month",
        "the next 18 months", "its horizon", "its horizon"]
    files = generate_demo(tmp_path / "data", customers=150, seed=5)
    monkeypatch.setenv("RAPPORT_BEHAVIOR_HORIZON_MONTHS", "6")
    with rapport.open(tmp_path / "store.duckdb") as ws:
        assert ws.clv_horizon() is None
        for kind, file in (("customers", files.customers), ("transactions", files.transactions)):
            ws.ingest(file, kind, source="demo")
        ws.analyze(voice=False, understand=False)
        assert ws.clv_horizon() == 6.0
        assert ws.sql("SELECT DISTINCT horizon_months FROM customer_behavior"
                      ).column(0).to_pylist() == [6.0]
        cid = ws.sql("SELECT customer_id FROM customer_behavior WHERE clv IS NOT NULL "
                     "ORDER BY 1 LIMIT 1").column(0)[0].as_py()
        story = ws.profile(cid)["story"]
        assert "over the next 6 months." in story and "next year" not in story
        html = render_report(ws)
        assert "Their expected value over the next 6 months (CLV)" in html


def test_cli_understanding_commands(demo_store: DemoStore, tmp_path: Path) -> None:
    ws = demo_store.ws
    # The CLI opens the store itself: give it a copy, as this process holds the original.
    ws._con.execute("CHECKPOINT")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(ws.path, copy)
    store = str(copy)
    runner = CliRunner()
    cid = ws.sql("SELECT customer_id FROM customer_voice ORDER BY statements DESC LIMIT 1"
                 ).column(0)[0].as_py()
    done = runner.invoke(app, ["profile", cid, "--store", store])
    assert done.exit_code == 0, done.output
    assert "how well we know them" in done.output and "in their own words" in done.output
    as_json = runner.invoke(app, ["profile", cid, "--store", store, "--json"])
    assert json.loads(as_json.output)["customer_id"] == cid
    md, survey = tmp_path / "plan.md", tmp_path / "survey.json"
    done = runner.invoke(app, ["plan", "--for", "segment", "high-value", "--store", store,
                               "-o", str(md), "--survey", str(survey)])
    assert done.exit_code == 0, done.output
    assert md.read_text().startswith("# Research plan: high-value customers")
    assert json.loads(survey.read_text())["pages"][0]["elements"]
    for args in (["coverage"], ["coverage", "--level", "segment"], ["say-do"], ["drivers"],
                 ["personas"], ["trends"], ["knowledge"]):
        done = runner.invoke(app, [*args, "--store", store] if args[0] != "knowledge"
                             else args)
        assert done.exit_code == 0, (args, done.output)
        done = runner.invoke(app, [*args, "--store", store, "--json"] if args[0] != "knowledge"
                             else [*args, "--json"])
        assert done.exit_code == 0, (args, done.output)
        json.loads(done.output)
    bad = runner.invoke(app, ["plan", "--for", "segment", "astronauts", "--store", store])
    assert bad.exit_code == 1 and "Error: no segment 'astronauts'" in bad.output
