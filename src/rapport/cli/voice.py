"""The voice commands: themes, quotes, facets and vocabulary (registered on the main app)."""

from __future__ import annotations

__all__ = ["facets", "print_voice_run", "quotes", "themes", "vocabulary"]

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rapport.cli.app import (
    JsonOpt,
    StoreOpt,
    _fail,
    _print_json,
    _query,
    _table,
    _workspace,
    app,
    out,
    said,
)
from rapport.errors import RapportError


def _bar(share: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "·" * (width - filled)


def _sentiment(value: float | None) -> str:
    if value is None:
        return ""
    colour = "red" if value <= -0.05 else "green" if value >= 0.05 else "white"
    return f"[{colour}]{value:+.2f}[/]"


def print_voice_run(v: dict[str, Any]) -> None:
    """What the voice stage found, in a few lines and a bar per facet."""
    out.print(f"voice: {v['statements']:,} statements from {v['feedback']:,} feedback rows "
              f"({v['embedded']:,} newly embedded with {v['model']}), in {v['seconds']:.1f} s")
    themes = f"{v['themes']} themes, {v['subthemes']} sub-themes"
    if v["theme_mode"] == "codebook":
        themes = f"coded with {v['codebook']}: {themes}, {v['emerging']} emerging"
    out.print(f"  {themes}")
    total = max(v["statements"], 1)
    sentiment = ", ".join(f"{k} {n / total:.0%}" for k, n in sorted(v["sentiment"].items()))
    out.print(f"  sentiment: {sentiment}")
    table = Table(title="facets (share of statements)", header_style="bold")
    table.add_column("facet")
    table.add_column("statements", justify="right")
    table.add_column("")
    for facet, n in sorted(v["facets"].items(), key=lambda kv: -kv[1]):
        table.add_row(facet, f"{n:,}", _bar(n / total))
    out.print(table)
    for note in v["notes"]:
        out.print(f"[yellow]note:[/] {note}")


@app.command()
def themes(
    level: Annotated[int | None, typer.Option(help="1: themes, 2: sub-themes")] = None,
    status: Annotated[str | None, typer.Option(help="discovered, codebook or emerging")] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 30,
    export_codebook: Annotated[Path | None, typer.Option(
        "--export-codebook", help="write the themes as an editable codebook (TOML) here")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Themes in what customers say: size, sentiment, trend and their own words."""
    if export_codebook is not None:
        try:
            with _workspace(store) as ws:
                done = ws.export_codebook(export_codebook)
        except RapportError as exc:
            _fail(exc)
            return
        if as_json:
            _print_json(done)
        else:
            out.print(f"wrote {done['themes']} themes to {done['path']}; edit it, then run "
                      "`rapport analyze` to code feedback with it")
        return
    rows = _query(store, lambda ws: ws.themes(level=level, status=status, limit=limit))
    if as_json:
        _print_json(rows)
        return
    table = Table(title="themes", header_style="bold")
    for col in ("id", "theme", "statements", "share", "sentiment", "trend", "in their words"):
        table.add_column(col, justify="right" if col in ("statements", "sentiment") else "left",
                         overflow="fold")
    largest = max((r["share"] for r in rows), default=0.0) or 1.0
    for r in rows:
        words = ", ".join(r["key_phrases"][:4])
        indent = "  " if r["level"] == 2 else ""
        table.add_row(r["theme_id"], indent + r["label"], f"{r['size']:,}",
                      f"{_bar(r['share'] / largest, 10)} {r['share']:.0%}",
                      _sentiment(r["sentiment"]), r["trend"], words)
    out.print(table)


@app.command()
def quotes(
    theme: Annotated[str, typer.Option(help="theme id (T03) or words of its label")],
    limit: Annotated[int, typer.Option(help="at most this many")] = 10,
    sentiment: Annotated[str | None, typer.Option(help="negative, neutral or positive")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What customers said about a theme, in their own words (PII redacted)."""
    data = _query(store, lambda ws: ws.quotes(theme, limit=limit, sentiment=sentiment))
    if as_json:
        _print_json(data)
        return
    t = data["theme"]
    out.print(f"[bold]{t['theme_id']} {said(t['label'])}[/] — {t['size']:,} statements, sentiment "
              f"{_sentiment(t['sentiment'])}, {t['trend']}")
    for q in data["quotes"]:
        when = str(q["ts"])[:10] if q["ts"] is not None else ""
        who = q["customer_id"] or "anonymous"
        again = f" (said {q['times']} times)" if q.get("times", 1) > 1 else ""
        out.print(f"  “{said(q['text'])}” [dim]— {who}, {when}{again}[/] "
                  f"{_sentiment(q['sentiment'])}")


@app.command()
def facets(
    facet: Annotated[str | None, typer.Option(help="job, pain, value, hope, fear, perception, "
                                                   "competitor, suggestion, praise or intent")]
    = None,
    customer: Annotated[str | None, typer.Option(help="only this customer's statements")] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The inner life: statements by facet (fears, hopes, pains, jobs…), with the evidence."""
    data = _query(store, lambda ws: ws.facets(facet, limit=limit, customer_id=customer))
    if as_json:
        _print_json(data)
        return
    if facet is None:
        out.print(_table(data["facets"], "statements per facet",
                         ("facet", "statements", "customers", "sentiment")))
        return
    out.print(_table(data["statements"], f"{facet}: what customers said",
                     ("customer_id", "text", "evidence", "confidence")))


@app.command()
def vocabulary(
    kind: Annotated[str | None, typer.Option(help="theme, stage or rfm_segment")] = None,
    group: Annotated[str | None, typer.Option(help="a theme, stage or segment name")] = None,
    top: Annotated[int, typer.Option(help="phrases per group")] = 8,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The phrases customers use, per theme and per segment: speak in their words."""
    rows = _query(store, lambda ws: ws.vocabulary(kind, group, top))
    if as_json:
        _print_json(rows)
        return
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        groups.setdefault((r["group_kind"], r["group_name"]), []).append(r["phrase"])
    out.print(_table([{"kind": k, "group": g, "their words": ", ".join(p)}
                      for (k, g), p in groups.items()], "the customers' vocabulary"))
