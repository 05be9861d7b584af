"""How numbers and dates read on the pages and in the report: counts with thousands
separators, money with two decimals, shares as percentages, days without the time, and a dash
for what is unknown (None, NaN)."""

from __future__ import annotations

__all__ = ["day", "horizon", "is_number", "money", "number", "own_ids", "percent", "signed"]

import math
from typing import Any

UNKNOWN = "–"


def day(value: Any) -> str:
    """A date or timestamp as its day, YYYY-MM-DD; a dash when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN
    return str(value)[:10]


def horizon(months: Any) -> str:
    """A CLV horizon in words: "the next year", "the next 6 months", "the next 2 years"; "its
    horizon" when unknown (a store analysed before the horizon was recorded)."""
    if not is_number(months) or months <= 0:
        return "its horizon"
    if months % 12 == 0:
        years = int(months // 12)
        return "the next year" if years == 1 else f"the next {years} years"
    return "the next month" if months == 1 else f"the next {months:g} months"


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def number(value: Any) -> str:
    """A count with thousands separators; a dash when unknown."""
    return f"{value:,.0f}" if is_number(value) else UNKNOWN


def money(value: Any) -> str:
    """An amount with thousands separators and cents; a dash when unknown."""
    return f"{value:,.2f}" if is_number(value) else UNKNOWN


def percent(value: Any, digits: int = 0) -> str:
    """A share (0..1) as a percentage; a dash when unknown."""
    return f"{100 * value:.{digits}f}%" if is_number(value) else UNKNOWN


def signed(value: Any) -> str:
    """A score with its sign (a true minus sign); a dash when unknown."""
    return f"{value:+.2f}".replace("-", "−") if is_number(value) else UNKNOWN


def own_ids(keys: Any, kinds: bool = True) -> list[str]:
    """A customer's ids in the systems their data came from, from profile keys such as
    "external_id:C10001": "external id C10001", or "C10001" with `kinds=False`; e-mail and
    phone keys are left to their own fields."""
    out = []
    for key in keys or []:
        kind, _, value = str(key).partition(":")
        if kind not in ("email", "phone") and value:
            out.append(f"{kind.replace('_', ' ')} {value}" if kinds else value)
    return out
