"""The parts of the static report, each read from the `Workspace` as plain values.

Every builder returns a dict with a `missing` key: None when the part has something to show,
else a sentence saying why not (a table not built yet, no feedback). Charts are inline SVG from
`rapport.charts`, marked safe here and nowhere else: they escape their own labels. Only
pseudonymous customer ids and redacted statement text leave this module: no names, e-mails or
phones, because the report's readers are viewers.
"""

from __future__ import annotations

__all__ = [
    "NO_BEHAVIOUR",
    "NO_FEEDBACK",
    "NO_UNDERSTANDING",
    "Builder",
    "Section",
    "at_risk",
    "drivers",
    "guarded",
    "header",
    "knowledge",
    "ladder",
    "personas",
    "say_do",
    "voice",
]

import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from markupsafe import Markup

from rapport import charts, formats
from rapport.behavior.ladder import LADDER, STATUSES
from rapport.errors import NotAnalyzedError
from rapport.report.privacy import NameMask
from rapport.understand.say_do_rows import type_words
from rapport.workspace import Workspace

Section = dict[str, Any]
Builder = Callable[[Workspace, NameMask], Section]

NO_BEHAVIOUR = "No purchases analysed yet: load transactions and run `rapport analyze`."
NO_FEEDBACK = "No feedback analysed yet: load feedback and run `rapport analyze`."
NO_UNDERSTANDING = "Not built yet: run `rapport analyze` (with the understanding stage)."
DRIVER_OUTCOMES = ("nps", "rating", "lapse", "clv")
_SENTIMENT_BAND = 0.05
# chart sizes (SVG units): narrow enough that a phone shows their text at a readable size
_WIDE = 520
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


def _ok(**parts: Any) -> Section:
    return {"missing": None, **parts}


def _missing(reason: str) -> Section:
    return {"missing": reason}


def guarded(build: Builder, ws: Workspace, mask: NameMask, reason: str) -> Section:
    """`build(ws, mask)`, or the `reason` it cannot be shown when a table is not built yet."""
    try:
        return build(ws, mask)
    except NotAnalyzedError:
        return _missing(reason)


def _svg(svg: str) -> Markup:
    """A chart from `rapport.charts` (its labels already escaped) for the page: drawn at its
    own size (CSS shrinks it to fit a phone), without the namespace URL, which inline SVG in
    HTML does not need: the report names no URL at all."""
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "")
    size = _VIEWBOX.search(svg)
    if size:
        svg = svg.replace("<svg ", f'<svg width="{size[1]}" height="{size[2]}" ', 1)
    return Markup(svg)


def _bars(items: Sequence[tuple[str, float]], *, title: str, fmt: str = "{:,.0f}",
          colours: list[str] | None = None, long_labels: bool = False) -> str:
    """A bar chart sized so that a phone still shows its text at a readable size."""
    width, label_width = (560, 220) if long_labels else (420, 160)
    return charts.bar_chart(items, title=title, fmt=fmt, colours=colours, width=width,
                            label_width=label_width)


def _has_table(ws: Workspace, name: str) -> bool:
    found = ws.sql("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                   [name])
    return bool(found.column(0)[0].as_py())


def _tone(sentiment: float | None) -> str:
    """negative, positive or neutral: the CSS class and chart colour of a sentiment."""
    if sentiment is None:
        return "neutral"
    if sentiment <= -_SENTIMENT_BAND:
        return "negative"
    return "positive" if sentiment >= _SENTIMENT_BAND else "neutral"


# --- the header ---------------------------------------------------------------------------
def header(ws: Workspace, title: str, today: date) -> Section:
    """The business's name, the date, what the store holds and the period it covers."""
    status = ws.status()
    dated = [s for s in status["sources"] if s.get("first") and s.get("last")]
    return _ok(
        title=title,
        today=today.isoformat(),
        tables=status["tables"],
        first=min((str(s["first"])[:10] for s in dated), default=None),
        last=max((str(s["last"])[:10] for s in dated), default=None),
    )


# --- how well do you know your customers ------------------------------------------------
def knowledge(ws: Workspace, mask: NameMask) -> Section:
    """The coverage score, each dimension's share of customers answered, the blind spots."""
    cov = mask(ws.coverage())
    if cov.get("score") is None:
        return _missing(NO_UNDERSTANDING)
    dims = cov["dimensions"]
    chart = _bars(
        [(f"{d['dimension']} ({d['group']})", float(d["known_share"])) for d in dims],
        title="share of customers we can answer this for", fmt="{:.0%}")
    return _ok(score=cov["score"], chart=_svg(chart),
               blind_spots=[b["text"] for b in cov["blind_spots"][:5]])


# --- the loyalty ladder and value --------------------------------------------------------
def _counts(ws: Workspace, column: str) -> dict[str, int]:
    rows = ws.sql(f"SELECT {column} AS k, count(*) AS n FROM customer_behavior GROUP BY 1")
    return {str(r["k"]): int(r["n"]) for r in rows.to_pylist()}


def ladder(ws: Workspace, mask: NameMask) -> Section:
    """Customers per ladder stage and status (bar charts) and the CLV distribution."""
    if not _has_table(ws, "customer_behavior"):
        return _missing(NO_BEHAVIOUR)
    stages, statuses = _counts(ws, "stage"), _counts(ws, "status")
    ladder_items = [(s, stages.get(s, 0)) for s in LADDER]
    total = sum(stages.values()) or 1
    clv = [float(v) for v in ws.sql(
        "SELECT clv FROM customer_behavior WHERE clv IS NOT NULL").column(0).to_pylist()]
    flows = ws.recent_flows() if _has_table(ws, "ladder_flows") else {"moves": {}, "from": None}
    moves = [(m, n) for m in ("new", "moved up", "won back", "slipped")
             if (n := flows["moves"].get(m))]
    return _ok(
        flows_from=flows["from"], flows_to=flows.get("to"),
        flows_chart=_svg(_bars(moves, title=f"moves on the ladder since {flows['from']}"))
        if moves else None,
        stages=[(s, n, n / total) for s, n in ladder_items],
        ladder_chart=_svg(_bars(ladder_items, title="customers on each rung of the ladder")),
        status_chart=_svg(_bars([(s, statuses.get(s, 0)) for s in STATUSES],
                                title="customers by status")),
        clv_chart=_svg(charts.histogram(clv, title="customers by CLV (log scale)", log=True,
                                        width=_WIDE)),
        clv_total=sum(clv),
        clv_horizon=formats.horizon(ws.clv_horizon()),
        customers=sum(stages.values()),
    )


_AT_RISK_FIELDS = ("customer_id", "stage", "status", "orders", "last_purchase", "p_alive", "clv")


def at_risk(ws: Workspace, mask: NameMask, limit: int = 10) -> Section:
    """The most valuable customers at risk: id, stage, status, orders, P(alive), CLV only."""
    rows = ws.customers(stage="at-risk", sort="clv", limit=limit)
    return _ok(rows=[{k: r.get(k) for k in _AT_RISK_FIELDS} for r in rows])


# --- what customers say ------------------------------------------------------------------
def _sentiment_chart(trends: dict[str, Any]) -> Markup:
    series = trends["series"].get("sentiment", [])
    points = [(str(p["period"])[:7], float(p["sentiment"])) for p in series
              if p.get("key") == "all" and p.get("sentiment") is not None]
    return _svg(charts.line_chart(points, title="mean sentiment by month (-1 to +1)",
                                  width=_WIDE))


def _theme_row(theme: dict[str, Any]) -> dict[str, Any]:
    quotes = theme.get("quotes") or []
    return {"label": theme["label"], "size": theme["size"], "share": theme["share"],
            "sentiment": theme["sentiment"], "tone": _tone(theme["sentiment"]),
            "trend": theme.get("trend") or "", "quote": quotes[0]["text"] if quotes else None}


def voice(ws: Workspace, mask: NameMask, limit: int = 10) -> Section:
    """The top themes with sentiment, trend and a quote; emerging themes; sentiment by month."""
    themes = [_theme_row(t) for t in mask(ws.themes(level=1, limit=limit))]
    if not themes:
        return _missing(NO_FEEDBACK)
    chart = _bars(
        [(t["label"], float(t["size"])) for t in themes],
        title="statements per theme (red: negative, green: positive)",
        colours=[charts.PALETTE[t["tone"]] for t in themes], long_labels=True)
    trends = ws.trends("month")
    trends["emerging"] = mask(trends["emerging"])
    emerging = [{"label": e["label"], "recent_share": e.get("recent_share"),
                 "earlier_share": e.get("earlier_share"),
                 "sentiment": e.get("recent_sentiment"), "tone": _tone(e.get("recent_sentiment"))}
                for e in trends["emerging"][:8]]
    return _ok(themes=themes, chart=_svg(chart), emerging=emerging,
               sentiment_chart=_sentiment_chart(trends))


# --- say vs do, drivers ------------------------------------------------------------------
def _strongest_of_each(ws: Workspace, counts: dict[str, int], limit: int) -> list[Any]:
    """Up to `limit` insights taken in turn from each type, strongest first within a type, so
    that one plentiful type does not hide the others."""
    by_type = [ws.say_do(kind, limit=limit)["insights"] for kind in counts]
    mixed = [row for turn in zip(*[t + [None] * (limit - len(t)) for t in by_type],
                                 strict=True) for row in turn if row is not None]
    return mixed[:limit]


def say_do(ws: Workspace, mask: NameMask, limit: int = 8) -> Section:
    """The strongest contradictions between what customers said and what they did, a few of
    each type, with how many of each type there are."""
    counts = {str(k): int(v) for k, v in ws.say_do(limit=1)["counts"].items()}
    insights = mask(_strongest_of_each(ws, counts, limit))
    if not insights:
        return _missing("No say-vs-do contradictions found.")
    rows = [{"type": type_words(str(r["type"])), "said": r.get("said"),
             "did": r.get("did"), "sources": r.get("n_sources")} for r in insights]
    return _ok(rows=rows, counts=[(type_words(k), n) for k, n in counts.items()])


def drivers(ws: Workspace, mask: NameMask, per_outcome: int = 5) -> Section:
    """What moves NPS, ratings, lapsing and CLV, most important first, per outcome."""
    rows = mask(ws.drivers())
    outcomes = []
    for outcome in DRIVER_OUTCOMES:
        mine = [r for r in rows if r["outcome"] == outcome][:per_outcome]
        if mine:
            outcomes.append({
                "outcome": outcome, "label": mine[0]["outcome_label"], "r2": mine[0]["r2"],
                "drivers": [{"label": r["label"], "polarity": r["polarity"],
                             "direction": r["direction"], "share": r["importance_share"],
                             "statement": r["statement"]} for r in mine]})
    if not outcomes:
        return _missing("No key drivers found: too little feedback tied to ratings or "
                        "purchases.")
    return _ok(outcomes=outcomes)


# --- personas ----------------------------------------------------------------------------
_PERSONA_FACETS = (("jobs", "the job they hire us for"), ("values", "what they value"),
                   ("pains", "pains"), ("hopes", "hopes"), ("fears", "fears"))


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _facet_items(items: Any) -> list[dict[str, Any]]:
    return [{"label": i.get("label"), "quote": (i.get("quote") or {}).get("text")}
            for i in (items or [])[:3] if isinstance(i, dict)]


def _persona(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"], "size": p["size"], "share": p["share"],
        "clv_share": p.get("clv_share"), "description": p.get("description") or "",
        "facets": [(title, _facet_items(p.get(key))) for key, title in _PERSONA_FACETS
                   if p.get(key)],
        "quotes": [q["text"] for q in (p.get("quotes") or [])[:3] if isinstance(q, dict)],
        "demographics_explain": _finite(p.get("demographics_explain")),
    }


def personas(ws: Workspace, mask: NameMask) -> Section:
    """The needs-based personas: size, share of value, jobs, pains, hopes, fears, quotes."""
    found = [_persona(p) for p in mask(ws.personas())]
    if not found:
        return _missing("No personas found: too few customers with purchases or feedback.")
    chart = _bars([(p["name"], float(p["clv_share"] or 0.0)) for p in found],
                  title="share of customer value held by each persona", fmt="{:.0%}",
                  long_labels=True)
    return _ok(personas=found, chart=_svg(chart))
