"""Read the voice tables: themes, quotes, facets, vocabulary and codebook export, as plain
records for the Workspace façade (and through it the CLI, web app and report)."""

from __future__ import annotations

__all__ = ["export_codebook", "facets", "find_theme", "quotes", "themes", "vocabulary"]

import json
from pathlib import Path
from typing import Any

import duckdb

from rapport.errors import ConfigError, NotAnalyzedError
from rapport.schema import table_exists
from rapport.voice.codebook import write_codebook
from rapport.voice.facets import FACETS
from rapport.voice.theming import codebook_from_themes


def _require(con: duckdb.DuckDBPyConnection, table: str) -> None:
    if not table_exists(con, table):
        raise NotAnalyzedError(
            f"{table} has not been built yet: load feedback, then run `rapport analyze`."
        )


def _records(con: duckdb.DuckDBPyConnection, query: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(query, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _theme_record(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("key_phrases", "quotes"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


def themes(
    con: duckdb.DuckDBPyConnection,
    *,
    level: int | None = None,
    status: str | None = None,
    parent: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Themes, largest first (top-level before sub-themes)."""
    _require(con, "themes")
    where: list[str] = []
    params: list[Any] = []
    if level is not None:
        where.append("level = ?")
        params.append(level)
    if status:
        where.append("status = ?")
        params.append(status)
    if parent:
        where.append("parent_id = ?")
        params.append(parent)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    tail = f"LIMIT {int(limit)}" if limit else ""
    rows = _records(
        con, f"SELECT * FROM themes {clause} ORDER BY level, size DESC, theme_id {tail}", params
    )
    return [_theme_record(r) for r in rows]


def find_theme(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    """A theme by id (T03, T03.1, E02, a codebook id) or by words of its label."""
    _require(con, "themes")
    rows = _records(con, "SELECT * FROM themes WHERE lower(theme_id) = lower(?)", [key])
    if not rows:
        rows = _records(
            con,
            "SELECT * FROM themes WHERE label ILIKE ? ORDER BY level, size DESC",
            [f"%{key.strip()}%"],
        )
    if not rows:
        known = _records(
            con, "SELECT theme_id, label FROM themes WHERE level = 1 ORDER BY size DESC LIMIT 8", []
        )
        hint = "; ".join(f"{r['theme_id']} {r['label']}" for r in known)
        raise ConfigError(
            f"no theme matches {key!r}; list them with `rapport themes` (largest: {hint})."
        )
    return _theme_record(rows[0])


def quotes(
    con: duckdb.DuckDBPyConnection,
    theme: str,
    *,
    limit: int = 20,
    sentiment: str | None = None,
) -> dict[str, Any]:
    """A theme and its statements in the customers' words, most typical first. The same words
    said again (case, spacing and punctuation aside) are shown once, with `times`: how many of
    the theme's statements say them."""
    found = find_theme(con, theme)
    params: list[Any] = [found["theme_id"]]
    extra = ""
    if sentiment:
        if sentiment not in ("negative", "neutral", "positive"):
            raise ConfigError("--sentiment must be negative, neutral or positive.")
        extra = "AND s.sentiment_label = ?"
        params.append(sentiment)
    rows = _records(
        con,
        "SELECT statement_id, feedback_id, customer_id, ts, text, sentiment, sentiment_label, "
        "similarity, times FROM (SELECT s.statement_id, s.feedback_id, s.customer_id, s.ts, "
        "s.text, round(s.sentiment, 3) AS sentiment, s.sentiment_label, round(st.similarity, "
        "3) AS similarity, st.similarity AS exact, count(*) OVER same AS times, row_number() "
        "OVER (same ORDER BY st.similarity DESC, s.statement_id) AS nth "
        "FROM statement_themes st JOIN statements s USING (statement_id) "
        f"WHERE st.theme_id = ? {extra} WINDOW same AS (PARTITION BY trim(regexp_replace("
        "lower(s.text), '[^\\pL\\pN]+', ' ', 'g')))) WHERE nth = 1 "
        "ORDER BY exact DESC, statement_id LIMIT ?",
        [*params, limit],
    )
    return {"theme": found, "quotes": rows}


def facets(
    con: duckdb.DuckDBPyConnection,
    facet: str | None = None,
    *,
    limit: int = 20,
    customer_id: str | None = None,
) -> dict[str, Any]:
    """Without `facet`: how many statements carry each facet. With it: those statements,
    with the words that show it (evidence), most confident first."""
    _require(con, "statement_facets")
    if facet is None:
        counts = {
            r["facet"]: r
            for r in _records(
                con,
                "SELECT facet, count(*) AS statements, count(DISTINCT s.customer_id) AS "
                "customers, round(avg(s.sentiment), 3) AS sentiment FROM statement_facets f "
                "JOIN statements s USING (statement_id) GROUP BY facet",
                [],
            )
        }
        return {
            "facets": [
                counts.get(f, {"facet": f, "statements": 0, "customers": 0, "sentiment": None})
                for f in FACETS
            ]
        }
    if facet not in FACETS:
        raise ConfigError(f"unknown facet {facet!r}; facets are: {', '.join(FACETS)}.")
    params: list[Any] = [facet]
    extra = ""
    if customer_id:
        extra = "AND s.customer_id = ?"
        params.append(customer_id)
    rows = _records(
        con,
        "SELECT s.statement_id, s.customer_id, s.ts, s.text, f.evidence, "
        "round(f.confidence, 3) AS confidence, round(s.sentiment, 3) AS sentiment "
        "FROM statement_facets f JOIN statements s USING (statement_id) "
        f"WHERE f.facet = ? {extra} ORDER BY f.confidence DESC, s.ts DESC NULLS LAST, "
        "s.statement_id LIMIT ?",
        [*params, limit],
    )
    return {"facet": facet, "statements": rows}


def vocabulary(
    con: duckdb.DuckDBPyConnection,
    kind: str | None = None,
    group: str | None = None,
    top: int = 12,
) -> list[dict[str, Any]]:
    """The customers' phrases per theme, ladder stage or RFM segment."""
    _require(con, "voice_vocabulary")
    where: list[str] = ["rank <= ?"]
    params: list[Any] = [top]
    if kind:
        where.append("group_kind = ?")
        params.append(kind)
    if group:
        where.append("group_name ILIKE ?")
        params.append(f"%{group}%")
    return _records(
        con,
        f"SELECT * FROM voice_vocabulary WHERE {' AND '.join(where)} "
        "ORDER BY group_kind, group_name, rank",
        params,
    )


def export_codebook(con: duckdb.DuckDBPyConnection, path: str | Path) -> dict[str, Any]:
    """Write the current themes as an editable codebook (TOML)."""
    _require(con, "themes")
    frame = con.execute("SELECT * FROM themes WHERE size > 0 ORDER BY level, size DESC").df()
    book = codebook_from_themes(frame)
    target = write_codebook(book, path)
    return {"path": str(target), "themes": len(book.themes)}
