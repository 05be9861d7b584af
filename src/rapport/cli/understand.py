"""The understanding commands: profile, coverage, knowledge, say-do, drivers, personas, trends
and plan (registered on the main app). Each prints a readable page, or JSON with --json."""

from __future__ import annotations

__all__ = ["coverage", "drivers", "knowledge", "personas", "plan", "print_understand_run",
           "profile", "say_do", "trends"]

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.rule import Rule

from rapport.cli.app import (
    JsonOpt,
    StoreOpt,
    _fail,
    _print_json,
    _query,
    _table,
    app,
    out,
    said,
)
from rapport.cli.voice import _bar, _sentiment
from rapport.errors import RapportError
from rapport.formats import money, own_ids, percent

_SPARK = "▁▂▃▄▅▆▇█"


def _spark(values: list[float]) -> str:
    """Sentiment (-1..1) as a row of block characters."""
    return "".join(_SPARK[min(7, max(0, round((v + 1) / 2 * 7)))] for v in values)


def print_understand_run(u: dict[str, Any]) -> None:
    """What the understanding stage found, in a few lines."""
    s = u["summaries"]
    cov = s.get("coverage", {})
    if cov.get("score") is not None:
        out.print(f"[bold]How well do you know your customers?[/] {cov['score']:.0f}/100 "
                  f"(value-weighted {cov.get('value_weighted_score') or 0:.0f}/100)")
        for text in cov.get("blind_spots", [])[:3]:
            out.print(f"  blind spot: {text}")
    counts = u["tables"]
    out.print(f"understanding: {counts.get('say_do', 0):,} say-vs-do insights, "
              f"{counts.get('drivers', 0):,} drivers, {counts.get('personas', 0):,} personas, "
              f"{counts.get('research_plans', 0):,} research plans, in {u['seconds']:.1f} s")
    for note in u["notes"]:
        out.print(f"[yellow]note:[/] {note}")


def _when(step: dict[str, Any]) -> str:
    """When a step of the ladder path began, or what it rests on."""
    if step.get("since") or step.get("because"):
        return str(step.get("since") or step.get("because"))
    return f"after {step['after']}" if step.get("after") else "?"


def _habits(b: dict[str, Any]) -> str:
    """"Wednesdays around 10:00; favourite Espresso", leaving out what the data lacks (no
    times of day in date-only files, no products)."""
    when = f"{b['preferred_weekday_name']}s" if b.get("preferred_weekday_name") else ""
    if b.get("preferred_hour") is not None:
        when = f"{when or 'buys'} around {int(b['preferred_hour'])}:00"
    parts = [when] if when else []
    if b.get("favourite_product"):
        parts.append(f"favourite {b['favourite_product']}")
    return said("; ".join(parts)) if parts else "—"


def _print_profile(p: dict[str, Any]) -> None:
    who = p["identity"]
    keys = own_ids(who.get("keys"))  # "external id C10001"; e-mail and phone show below
    aside = ", ".join([p["customer_id"]] if who.get("name") else keys[:2])
    out.print(Rule(f"[bold]{said(who.get('name') or p['customer_id'])}[/]"
                   + (f"  ({said(aside)})" if aside else "")))
    out.print(said(p["story"]))
    facts = {"e-mail": who.get("email"), "phone": who.get("phone"),
             "account": who.get("account"), "customer since": who.get("created_at"),
             **{k.lower(): v for k, v in (who.get("demographics") or {}).items()},
             "their ids": ", ".join(keys) or None, "source": who.get("source")}
    out.print(_table([{"": k, "value": v} for k, v in facts.items() if v is not None],
                     "who they are"))
    b = p.get("behaviour")
    if b and b.get("first_purchase"):
        rows = [("orders", f"{int(b['n_orders'] or 0)} since {b['first_purchase']}"),
                ("spend", f"{b['total_spend']:,.2f} (mean order {b['mean_order_value']:,.2f})"),
                ("rhythm", f"every {b['median_gap_days']:.0f} days, "
                 f"{b['days_since_last_purchase']:.0f} days since the last"
                 if b.get("median_gap_days") else "—"),
                ("habits", _habits(b)),
                ("ladder", f"{b['stage']} ({b['status']})"),
                ("value", f"CLV {money(b['clv'])}, " + (
                    f"P(alive) {percent(b['p_alive'])}" if b.get("p_alive") is not None
                    else "P(alive) not estimated for one purchase")
                 if b.get("clv") is not None else "—"),
                ("RFM", str(b.get("rfm_segment")))]
        out.print(_table([{"": k, "value": v} for k, v in rows], "what they do"))
        path = " → ".join(f"{x.get('stage') or x.get('status')} ({_when(x)})" for x in b["path"])
        out.print(f"[bold]path:[/] {path}")
    if p.get("persona"):
        out.print(f"[bold]persona:[/] {p['persona']['persona']}")
    v = p.get("voice")
    if v and v["statements"]:
        out.print(Rule("in their own words"))
        for facet, items in v["by_facet"].items():
            for s in items[:3]:
                out.print(f"  [cyan]{facet:<10}[/] “{said(s['text'])}” [dim]{s['day']} · "
                          f"{said(s['kind'])}[/]")
        scored = [f["sentiment"] for f in v["feedback"] if f.get("sentiment") is not None]
        if scored:
            out.print(f"[bold]sentiment over time:[/] {_spark(scored)}  "
                      f"({v['feedback'][0]['day']} → {v['feedback'][-1]['day']})")
        if v["themes"]:
            out.print("[bold]themes:[/] " + said(", ".join(t["label"] for t in v["themes"][:6])))
        for i in v["intents"]:
            out.print(f"[bold]said:[/] “{said(i['text'])}” ({i['day']}) → [bold]did:[/] "
                      f"{said(i['did'])}")
    for x in p.get("say_do") or []:
        out.print(f"[magenta]say vs do[/] {x['type']}: "
                  f"{said(x.get('explanation') or x.get('did'))}")
    cov = p.get("coverage")
    if cov and cov.get("score") is not None:
        out.print(Rule(f"how well we know them: {cov['score']:.0%}"))
        for d in cov["dimensions"]:
            out.print(f"  {d['label']:<28} {_bar(d['score'], 15)} {d['score']:.0%}"
                      f"  [dim]{', '.join(d['sources'])}[/]")
    if p.get("next_questions"):
        out.print("[bold]ask them next:[/]")
        for q in p["next_questions"]:
            out.print(f"  • {q['question']} [dim]({q['label']})[/]")


@app.command()
def profile(
    customer: Annotated[str, typer.Argument(help="customer id, e-mail, phone or external id")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One customer as a person: what they do, what they say, and what we do not know yet."""
    data = _query(store, lambda ws: ws.profile(customer))
    if as_json:
        _print_json(data)
        return
    _print_profile(data)


@app.command()
def coverage(
    level: Annotated[str, typer.Option(help="overall, segment, account or customer")]
    = "overall",
    entity: Annotated[str | None, typer.Option(help="one segment, account or customer")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How well do you know your customers? Coverage by dimension, and the blind spots."""
    data = _query(store, lambda ws: ws.coverage(level, entity))
    if as_json:
        _print_json(data)
        return
    if level == "overall":
        out.print(f"[bold]How well do you know your customers?[/] {data['score'] or 0:.0f}/100")
        for d in data["dimensions"]:
            out.print(f"  {d['dimension']:<14} [dim]{d['group']:<6}[/] "
                      f"{_bar(d['known_share'])} known for {d['known_share']:.0%}")
        for spot in data["blind_spots"][:8]:
            out.print(f"  • {spot['text']}")
        return
    out.print(_table(data["rows"], f"coverage ({level})",
                     ("entity_label", "dimension", "score", "answered", "evidence", "sources",
                      "freshness")))


@app.command()
def knowledge(
    export: Annotated[Path | None, typer.Option(help="write the default framework (TOML) "
                                                     "here, to edit")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The knowledge framework: the dimensions of knowing a customer and their evidence rules."""
    from rapport.understand.knowledge import default_text, load_framework

    try:
        if export is not None:
            if export.exists():
                raise typer.BadParameter(f"{export} exists; choose a new file name.")
            export.write_text(default_text(), encoding="utf-8")
            out.print(f"wrote {export}; point the setting understand.knowledge at it "
                      f"(RAPPORT_UNDERSTAND_KNOWLEDGE={export}).")
            return
        fw = load_framework()
    except RapportError as exc:
        _fail(exc)
        return
    rows = [{"dimension": d.name, "level": d.level, "group": d.group, "weight": d.weight,
             "evidence": ", ".join(e.kind for e in d.evidence), "method": d.method}
            for d in fw.dimensions]
    if as_json:
        _print_json({"path": fw.path, "dimensions": rows})
        return
    out.print(_table(rows, f"knowledge framework ({fw.path})"))


@app.command("say-do")
def say_do(
    type_: Annotated[str | None, typer.Option("--type", help="promoter_lapsed, "
                                              "detractor_stays, intent_unfulfilled, …")] = None,
    customer: Annotated[str | None, typer.Option(help="one customer")] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What customers said against what they did."""
    data = _query(store, lambda ws: ws.say_do(type_, limit=limit, customer=customer))
    if as_json:
        _print_json(data)
        return
    out.print(_table([{"type": k, "insights": v} for k, v in data["counts"].items()],
                     "say vs do"))
    for x in data["insights"]:
        flag = " [yellow](one source)[/]" if x.get("single_source") else ""
        out.print(f"[bold]{x['type']}[/] {x['customer_id']}: “{said(x['said'])}” → "
                  f"{said(x['did'])}{flag}")
        if x.get("what_keeps_them"):
            out.print(f"    what keeps them: {said(x['what_keeps_them'])}")
    for row in data.get("order_outcomes", []):
        out.print(f"  {row}")


@app.command()
def drivers(
    outcome: Annotated[str | None, typer.Option(help="rating, nps, lapse or clv")] = None,
    limit: Annotated[int, typer.Option(help="drivers per outcome")] = 10,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What moves ratings, NPS, lapsing and CLV, and by how much."""
    data = _query(store, lambda ws: ws.drivers(outcome, limit=limit))
    if as_json:
        _print_json(data)
        return
    current = None
    for d in data:
        if d["outcome"] != current:
            current = d["outcome"]
            out.print(Rule(f"{d.get('outcome_label') or current}  (R² {d.get('r2', 0):.2f})"))
        low, high = d.get("importance_low"), d.get("importance_high")
        interval = f" [{low:.0%}–{high:.0%}]" if low is not None and high is not None else ""
        out.print(f"  {_bar(d['importance'], 15)} {d['importance']:.0%}{interval} "
                  f"{said(d['label'])}: {said(d['statement'])}")
        quotes = d.get("quotes") or []
        if quotes:
            q = quotes[0]
            out.print(f"      [dim]“{said(q['text'] if isinstance(q, dict) else q)}”[/]")


@app.command()
def personas(
    name: Annotated[str | None, typer.Argument(help="one persona (id or name)")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Needs-based personas: who they are by what they need and do, not by demographics."""
    data: Any = _query(store, lambda ws: ws.persona(name) if name else ws.personas())
    if as_json:
        _print_json(data)
        return
    for p in [data] if name else data:
        out.print(Rule(f"[bold]{p['name']}[/]  {p['size']:,} customers ({p['share']:.0%}), "
                       f"{p['clv_share']:.0%} of value"))
        if p.get("description"):
            out.print(p["description"])
        for key in ("jobs", "values", "pains", "hopes", "fears"):
            items = p.get(key) or []
            words = [i.get("label") or i.get("text") if isinstance(i, dict) else str(i)
                     for i in items[:4]]
            if words:
                out.print(f"  [cyan]{key:<7}[/] " + "; ".join(str(w) for w in words))
        if p.get("demographics_explain") is not None:
            out.print(f"  demographics explain {p['demographics_explain']:.0%} of who is in it")


@app.command()
def trends(
    period: Annotated[str, typer.Option(help="week, month, quarter or year")] = "month",
    from_: Annotated[str | None, typer.Option("--from", help="ladder flows from this date")]
    = None,
    to: Annotated[str | None, typer.Option(help="… to this date")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sentiment, facets and themes over time; emerging and fading themes; ladder flows."""
    data = _query(store, lambda ws: ws.trends(period, from_, to))
    if as_json:
        _print_json(data)
        return
    series = data["series"].get("sentiment", [])
    if series:
        out.print(f"[bold]sentiment by {period}:[/] "
                  f"{_spark([s['sentiment'] or 0 for s in series])}  "
                  f"({series[0]['period']} → {series[-1]['period']}, latest "
                  f"{_sentiment(series[-1]['sentiment'])})")
    for kind in ("emerging", "fading"):
        for t in data[kind][:5]:
            out.print(f"  {kind:<8} {t['label']}: {t['earlier_share']:.1%} → "
                      f"{t['recent_share']:.1%} of statements")
    if "flows" in data:
        out.print(_table([{"move": k, "customers": v} for k, v in data["flows"]["moves"].items()],
                         f"ladder flows {data['flows']['from']} → {data['flows']['to']}"))


@app.command()
def plan(
    for_: Annotated[str, typer.Option("--for", help="segment, account or customer")],
    target: Annotated[str, typer.Argument(help="the segment's name (e.g. high-value, loyal, a "
                                               "persona), the account or the customer")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the plan "
                                                "(Markdown) here")] = None,
    survey: Annotated[Path | None, typer.Option(help="write the survey (SurveyJS JSON) here")]
    = None,
    sample: Annotated[int, typer.Option(help="people to ask")] = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A research plan: what to ask next, of whom, and why."""
    data = _query(store, lambda ws: ws.plan(for_, target, sample_size=sample))
    if output is not None:
        output.write_text(data["markdown"], encoding="utf-8")
    if survey is not None:
        survey.write_text(json.dumps(data["survey"], indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    if as_json:
        _print_json(data)
        return
    out.print(data["markdown"], markup=False, highlight=False)
    for path in (output, survey):
        if path is not None:
            out.print(f"wrote {path}")
