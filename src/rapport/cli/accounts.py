"""The B2B account commands: `rapport accounts` (the list) and `rapport account ID` (one
account's dossier). Each prints a readable page, or JSON with --json."""

from __future__ import annotations

__all__ = ["account", "accounts"]

from typing import Annotated, Any

import typer
from rich.rule import Rule

from rapport.cli.app import JsonOpt, StoreOpt, _print_json, _query, _table, app, out, said
from rapport.cli.voice import _bar, _sentiment
from rapport.formats import money


@app.command()
def accounts(
    search: Annotated[str | None, typer.Option("--search", "-s", help="id or name")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The B2B accounts, best known first: their people, customers and coverage."""
    rows = _query(store, lambda ws: ws.accounts(search, limit))
    if as_json:
        _print_json(rows)
        return
    out.print(_table(rows, "accounts" + (f" matching {search!r}" if search else ""),
                     ("account_id", "name", "industry", "size", "people", "customers",
                      "score")))


@app.command()
def account(
    key: Annotated[str, typer.Argument(help="account id or name")],
    limit: Annotated[int, typer.Option(min=1, max=100,
                                       help="pieces of evidence per dimension")] = 3,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One account's dossier: its business, people, plans and opinion of us, with the words
    that say so, and what to ask about what we do not know."""
    data = _query(store, lambda ws: ws.account(key, limit))
    if as_json:
        _print_json(data)
        return
    _print_dossier(data)


def _print_dossier(d: dict[str, Any]) -> None:
    a, b = d["account"], d["buying"]
    out.print(Rule(f"[bold]{said(a['name'])}[/]  ({said(d['account_id'])})"))
    out.print(said(d["story"]))
    if d["people"]:
        out.print(_table([{"name": p["name"], "title": p["title"], "role": p["role"],
                           "customer": p["customer_id"] or "", "stage": p.get("stage") or ""}
                          for p in d["people"]], "people"))
    if b["orders"]:
        out.print(f"buying: {b['orders']:,} order{'s' if b['orders'] != 1 else ''}, "
                  f"{money(b['spend'])} from "
                  f"{b['first_purchase']} to {b['last_purchase']}; {b['members']} member"
                  f"{'s' if b['members'] != 1 else ''}"
                  + (f", CLV {money(b['clv'])}" if b.get("clv") is not None else ""))
    if d["sentiment"] is not None:
        out.print(f"what they say: {d['statements']:,} statements, mean sentiment "
                  f"{_sentiment(d['sentiment'])}")
    out.print(Rule("what we know" + (f": {d['score']:.0%}" if d["score"] is not None else "")))
    for x in d["dimensions"]:
        score = "" if x["score"] is None else f"{_bar(x['score'], 10)} {x['score']:.0%}"
        out.print(f"[bold]{said(x['label'])}[/] {score}")
        for item in x["evidence"]:
            source = said(item["source"])
            when = f" [dim]{item['day']} · {source}[/]" if item.get("day") else \
                f" [dim]{source}[/]"
            out.print(f"  “{said(item['text'])}”{when}")
        if x["more"]:
            out.print(f"  [dim]… {x['more']} more[/]")
        if x["question"]:
            out.print(f"  [yellow]ask:[/] {said(x['question'])}")
