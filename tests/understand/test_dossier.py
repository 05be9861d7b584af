"""The B2B account dossier on the analysed demo store: the planted facts about each account
turn up under the right dimension, its people with their roles, its buying; and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DemoStore
from rapport.cli import app
from rapport.understand.dossier import UnknownAccount

# The demo's fact dimensions -> the knowledge framework's account dimensions.
_DIMENSION = {"competitors": "account competitors", "opinion of us": "account opinion",
              "fears": "account needs", "hopes": "account needs", "pains": "account needs",
              "suggestions": "account needs", "job": "account needs"}


def test_planted_facts_turn_up_under_their_dimension(demo_store: DemoStore) -> None:
    ws, accounts = demo_store.ws, demo_store.truth["accounts"]
    found = missed = 0
    misses = []
    for aid, truth in accounts.items():
        dossier = ws.account(aid, limit=100)
        by_dimension = {d["dimension"]: " | ".join(e["text"].lower() for e in d["evidence"])
                        for d in dossier["dimensions"]}
        for fact in truth["facts"]:
            if not fact["feedback_ids"]:
                continue  # a fact no note carries cannot be found
            dimension = _DIMENSION.get(fact["dimension"], fact["dimension"])
            text = fact["text"]
            for person in truth["contacts"]:  # people's names are redacted in statements
                text = text.replace(person["name"], "[name]")
            main = text.split(", but ")[0]  # a statement stops at "but": its first clause
            if main.lower() in by_dimension[dimension]:
                found += 1
            else:
                missed += 1
                misses.append((aid, dimension, fact["text"]))
    assert found + missed > 300
    # Measured 439 of 487 (0.90). Misses are phrasings no cue or facet rule reads yet
    # ("does residential refurbishments", "are frustrated with invoice errors").
    assert found / (found + missed) >= 0.85, misses[:10]


def test_people_buying_and_story(demo_store: DemoStore) -> None:
    ws, accounts = demo_store.ws, demo_store.truth["accounts"]
    aid, truth = next((a, t) for a, t in accounts.items() if t["decision_maker"])
    d = ws.account(aid)
    assert d["account"]["name"] == truth["company"]
    assert {p["contact_id"] for p in d["people"]} == {c["contact_id"] for c in truth["contacts"]}
    assert d["people"][0]["role"] == "decision maker"  # decision makers come first
    decider = next(c for c in truth["contacts"] if c["contact_id"] == truth["decision_maker"])
    makers = next(x for x in d["dimensions"] if x["dimension"] == "decision makers")
    assert f"{decider['name']}, {decider['title']} (decision maker)" in [
        e["text"] for e in makers["evidence"]]
    members = {demo_store.customer_id[c["customer_id"]] for c in truth["contacts"]
               if c["customer_id"] in demo_store.customer_id}
    members |= set(ws.sql("SELECT customer_id FROM customers WHERE account_id = ?", [aid])
                   .column(0).to_pylist())
    orders = ws.sql(f"SELECT count(DISTINCT coalesce(order_id, transaction_id)) FROM "
                    f"transactions WHERE customer_id IN ({', '.join('?' * len(members))})",
                    sorted(members)).column(0)[0].as_py() if members else 0
    assert d["buying"]["members"] == len(members) and d["buying"]["orders"] == orders
    assert d["story"].startswith(truth["company"]) and "as well as we would like" in d["story"]
    # Found by name too, in any case; unknown ones get an error that says what to do.
    assert ws.account(truth["company"].upper())["account_id"] == aid
    with pytest.raises(UnknownAccount, match="rapport accounts"):
        ws.account("no such account")
    # Each dimension is either known, with evidence, or comes with a question to ask.
    for x in d["dimensions"]:
        assert x["evidence"] or x["question"], x
    for aid_ in accounts:  # "they run out of beans" is no piece of technology
        tech = next(x for x in ws.account(aid_, limit=100)["dimensions"]
                    if x["dimension"] == "technology")
        assert not any("run out" in e["text"] for e in tech["evidence"]), aid_
    listed = ws.accounts(limit=500)
    assert {a["account_id"] for a in listed} == set(accounts)
    scores = [a["score"] for a in listed]
    assert scores == sorted(scores, reverse=True)  # best known first
    assert aid in [a["account_id"] for a in ws.accounts(search=truth["company"][:8])]


def test_account_commands(demo_store: DemoStore, tmp_path: Path) -> None:
    runner = CliRunner()
    # The CLI opens the store itself: give it a copy, as this process holds the original.
    store = str(demo_store.copy_to(tmp_path / "copy.duckdb"))
    aid = sorted(demo_store.truth["accounts"])[0]
    shown = runner.invoke(app, ["account", aid, "--store", store], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.output.split())  # lines wrap at the console's width
    assert demo_store.truth["accounts"][aid]["company"] in flat and "what we know" in flat
    data = json.loads(runner.invoke(app, ["account", aid, "--json", "--store", store]).output)
    assert data["account_id"] == aid and len(data["dimensions"]) == 13
    # Redactions print as written ("[name]"), not swallowed as console markup.
    texts = [e["text"] for x in data["dimensions"] for e in x["evidence"]]
    redacted = next((t for t in texts if "[name]" in t), None)
    if redacted is not None:
        wide = runner.invoke(app, ["account", aid, "--limit", "100", "--store", store])
        assert " ".join(redacted.split()) in " ".join(wide.output.split())  # lines may wrap
    listed = json.loads(runner.invoke(app, ["accounts", "--json", "--store", store]).output)
    assert aid in {a["account_id"] for a in listed}
    missing = runner.invoke(app, ["account", "nobody", "--store", store])
    assert missing.exit_code == 1 and "rapport accounts" in missing.output
