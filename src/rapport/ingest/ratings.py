"""Rating scales and feedback kinds: inferring them and checking values against them."""

from __future__ import annotations

__all__ = ["FEEDBACK_KINDS", "RATING_SCALES", "infer_rating_scale", "kind_sql", "scale_sql"]

import duckdb

from rapport.errors import MappingError

# scale → (lowest, highest) allowed value
RATING_SCALES: dict[str, tuple[float, float]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "stars5": (1, 5),
    "stars10": (1, 10),
    "binary": (0, 1),
    "none": (float("-inf"), float("inf")),
}

FEEDBACK_KINDS = ("survey", "review", "ticket", "interview", "call", "social", "note", "other")


def infer_rating_scale(con: duckdb.DuckDBPyConnection, rating_sql: str, column: str) -> str:
    """Guess the scale from the column's name and the range of its values."""
    row = con.execute(
        f"SELECT min(v), max(v), bool_and(v = round(v)) FROM (SELECT {rating_sql} AS v FROM _src) "
        f"WHERE v IS NOT NULL"
    ).fetchone()
    lo, hi, whole = row if row else (None, None, None)
    name = column.lower()
    if lo is None:
        return "none"
    if "nps" in name or "recommend" in name:
        return "nps"
    if lo >= 0 and hi <= 1 and whole:
        return "binary"
    if lo >= 1 and hi <= 5:
        return "csat" if ("csat" in name or "satisf" in name) else "stars5"
    if lo >= 0 and hi <= 10:
        # scores past 5 out of 10 are far more often NPS answers than ten-star ratings
        return "stars10" if "star" in name and lo >= 1 else "nps"
    raise MappingError(
        f"ratings in {column!r} run from {lo:g} to {hi:g}, which fits no scale Rapport knows "
        f"(nps 0-10, csat 1-5, stars5, stars10, binary 0/1). Pass --rating-scale none to keep "
        f"them as they are, or rescale them first."
    )


def scale_sql(rating: str, scale: str) -> str:
    """SQL giving a reason when `rating` lies outside its `scale` (a SQL expression)."""
    cases = " ".join(
        f"WHEN {scale} = '{name}' AND NOT ({rating} BETWEEN {lo} AND {hi}) THEN "
        f"'is outside the {name} scale ({lo:g} to {hi:g}); fix it or pass --rating-scale'"
        for name, (lo, hi) in RATING_SCALES.items()
        if name != "none"
    )
    return f"CASE {cases} END"


def kind_sql(raw: str) -> str:
    """Map a source's own words for a kind of feedback onto FEEDBACK_KINDS ('other' if none)."""
    k = f"lower(coalesce({raw}, ''))"
    return (
        f"CASE WHEN {k} IN ('survey', 'nps', 'csat', 'poll', 'questionnaire') "
        f"OR {k} LIKE '%survey%' THEN 'survey' "
        f"WHEN {k} LIKE '%review%' OR {k} = 'rating' THEN 'review' "
        f"WHEN {k} LIKE '%ticket%' OR {k} LIKE '%support%' OR {k} LIKE '%complaint%' "
        f"OR {k} IN ('case', 'email', 'chat') THEN 'ticket' "
        f"WHEN {k} LIKE '%interview%' THEN 'interview' "
        f"WHEN {k} LIKE '%call%' OR {k} = 'phone' THEN 'call' "
        f"WHEN {k} IN ('social', 'tweet', 'twitter', 'facebook', 'instagram', 'post', 'reddit') "
        f"THEN 'social' "
        f"WHEN {k} LIKE '%note%' OR {k} LIKE '%meeting%' OR {k} = 'crm' THEN 'note' "
        f"ELSE 'other' END"
    )
