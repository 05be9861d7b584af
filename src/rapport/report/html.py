"""`render_report`: the store's overview, loyalty ladder, voice, say-vs-do, drivers and personas
as one self-contained HTML page to send by e-mail.

The page needs nothing but itself: inline CSS and inline SVG charts, no script, no fonts,
images or style sheets from anywhere. Every value from the store is escaped by Jinja (autoescape
on); only the charts, which escape their own labels, are inserted as they are. Its readers are
treated as viewers: customers appear by id, quotes are redacted statement text.
"""

from __future__ import annotations

__all__ = ["render_report"]

from datetime import date
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined

from rapport.formats import money, number, percent, signed
from rapport.report import sections
from rapport.report.privacy import NameMask
from rapport.report.templates import TEMPLATES
from rapport.workspace import Workspace


def _environment() -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=number, money=money, pct=percent, signed=signed)
    return env


def _context(ws: Workspace, title: str, today: date) -> dict[str, Any]:
    """Each part of the page, read from the store; a part that cannot be shown says why."""
    mask = NameMask(ws)

    def part(build: sections.Builder, reason: str) -> sections.Section:
        return sections.guarded(build, ws, mask, reason)

    return {
        "head": sections.header(ws, title, today),
        "store": ws.path.name,
        "knowledge": part(sections.knowledge, sections.NO_UNDERSTANDING),
        "ladder": part(sections.ladder, sections.NO_BEHAVIOUR),
        "at_risk": part(sections.at_risk, sections.NO_BEHAVIOUR),
        "voice": part(sections.voice, sections.NO_FEEDBACK),
        "say_do": part(sections.say_do, sections.NO_UNDERSTANDING),
        "drivers": part(sections.drivers, sections.NO_UNDERSTANDING),
        "personas": part(sections.personas, sections.NO_UNDERSTANDING),
    }


def render_report(ws: Workspace, *, title: str | None = None,
                  today: date | None = None) -> str:
    """The report of `ws` as one HTML document (a string; write it as UTF-8). `title` names
    the business (default: the store's file name); `today` is the date it shows."""
    name = title or ws.path.stem
    page = _environment().get_template("page.html")
    return page.render(**_context(ws, name, today or date.today()))
