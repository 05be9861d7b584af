"""What each part of the understanding stage returns: its tables, a summary and notes."""

from __future__ import annotations

__all__ = ["Built", "Columns", "empty_frame"]

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Columns = tuple[tuple[str, str, str], ...]
"""A derived table's columns, in order: (name, pandas dtype, meaning)."""


@dataclass
class Built:
    """The tables one part computed (name -> frame, written by the stage runner), a small
    JSON-able summary for the CLI and the run record, and notes in plain words (what could
    not be done and why)."""

    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    queries: dict[str, str] = field(default_factory=dict)
    """Tables too large to bring into Python (a row per customer and dimension at a million
    customers): name -> a SELECT on the part's connection, written by the runner like
    `tables`. The SELECT may read the scratch tables below."""
    scratch: list[str] = field(default_factory=list)
    """Temporary tables the part made for its queries: dropped once they are written."""


def empty_frame(columns: Columns) -> pd.DataFrame:
    """A frame with no rows and the table's columns and types."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype, _ in columns})
