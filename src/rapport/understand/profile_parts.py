"""Every customer's profile, gathered into one row per customer.

A profile reads the customer's rows from the raw tables (the customer, their account, keys,
contacts and purchases) and from nine derived tables. Each read is an index lookup, but
DuckDB plans and runs each query in about 0.3 ms however few rows it finds, so those reads
were most of a profile page. `build_profile_parts` (run at the end of `analyze`) gathers
those rows, already in the order the profile shows them, into `profile_parts`: one row per
customer, one JSON text per part. One row of a few text columns is quick to fetch, and
Python parses the JSON faster than DuckDB converts nested values.

A part's column exists only when the tables it comes from were built (no `statements`
column before the voice stage has run). `analyze` drops the table before it rewrites the
derived tables, so that an analysis that fails half way never leaves stale parts behind:
until the next one succeeds, profiles read the tables themselves (`table_parts`), which give
the same rows. The raw parts (`identity`, `purchases`) are only good until the next
load: the build writes a stamp into `rapport_meta`, every load deletes it in its own
transaction (`rapport.lookups.forget_raw_parts`), and without it a profile reads those parts
from the raw tables.
"""

from __future__ import annotations

__all__ = ["PARTS", "PROFILE_PARTS_COLUMNS", "PURCHASE_COLUMNS", "Parts", "build_profile_parts",
           "drop_profile_parts", "stored_parts", "table_parts"]

import json
from typing import Any

import duckdb

from rapport.lookups import RAW_PARTS_STAMP, forget_raw_parts
from rapport.schema import table_exists

from .result import Columns
from .rows import ordered as _ordered
from .rows import rows_if_built as _rows

Parts = dict[str, Any]

PARTS = ("identity", "purchases", "behaviour", "statements", "feedback", "coverage", "persona",
         "say_do", "themes")
RAW_PARTS = ("identity", "purchases")

PROFILE_PARTS_COLUMNS: Columns = (
    ("customer_id", "string", "the customer"),
    ("identity", "string", "their `customers` row with their account's name, their keys "
     "(`identities`) and their roles (`contacts`) (JSON; good until the next load)"),
    ("purchases", "string", "their transactions: day, amount, product, category, channel and "
     "order (JSON; good until the next load)"),
    ("behaviour", "string", "their `customer_behavior` row (JSON)"),
    ("statements", "string", "their statements by day, each with its feedback's kind and "
     "channel, its facets and its theme ids (JSON; only once the voice stage has run)"),
    ("feedback", "string", "their analysed feedback by time (`feedback_voice`, JSON)"),
    ("coverage", "string", "their `coverage` rows per dimension (JSON; once coverage is built)"),
    ("persona", "string", "their persona and its confidence (JSON)"),
    ("say_do", "string", "their say-vs-do insights by the day they said it (JSON)"),
    ("themes", "string", "the top-level themes of their statements with their labels, most "
     "statements first (JSON; once themes are built)"),
)

# Each part's columns and order, shared by the stored table and the reads of the tables, so
# that the two give the same rows.
_STATEMENT = ("s.statement_id, s.feedback_id, CAST(s.ts AS DATE) AS day, s.text, "
              "round(s.sentiment, 2) AS sentiment, s.sentiment_label")
_FEEDBACK = ("feedback_id, ts AS day, kind, rating, rating_scale, round(sentiment, 2) AS "
             "sentiment, sentiment_label, status")
_COVERAGE = ("dimension, dimension_group, round(score, 3) AS score, evidence, sources, "
             "source_list, last_evidence, round(freshness, 3) AS freshness")
_PERSONA = "persona_id, persona, round(confidence, 3) AS confidence"
PURCHASE_COLUMNS = ("CAST(ts AS DATE) AS day, amount, product, category, channel, "
                    "coalesce(order_id, transaction_id) AS order_key")
"""A purchase as the profile reads it (stored or from `transactions`)."""


def _raw_queries(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The raw parts' queries, for a store (with `rapport_meta` for their stamp)."""
    if not (table_exists(con, "customers") and table_exists(con, "rapport_meta")):
        return {}
    joins, fields = [], ["customer_id := c.customer_id", "name := c.name", "email := c.email",
                         "phone := c.phone", "account_id := c.account_id",
                         "created_at := c.created_at", "attributes := c.attributes",
                         "source := c.source"]
    if table_exists(con, "accounts"):  # one name per account id, as the live read takes
        joins.append("LEFT JOIN (SELECT account_id, min(name) AS name FROM accounts GROUP BY 1) "
                     "a ON a.account_id = c.account_id")
        fields.append("account := a.name")
    if table_exists(con, "identities"):
        joins.append("LEFT JOIN (SELECT customer_id, list([kind, value]) AS keys FROM "
                     "identities GROUP BY 1) k ON k.customer_id = c.customer_id")
        fields.append("keys := coalesce(k.keys, [])")
    if table_exists(con, "contacts"):
        joins.append("LEFT JOIN (SELECT customer_id, list(struct_pack(title, role)) AS roles "
                     "FROM contacts WHERE customer_id IS NOT NULL GROUP BY 1) r "
                     "ON r.customer_id = c.customer_id")
        fields.append("roles := coalesce(r.roles, [])")
    queries = {"identity": f"SELECT c.customer_id, to_json(struct_pack({', '.join(fields)}))"
                           f"::VARCHAR AS part FROM customers c {' '.join(joins)}"}
    if table_exists(con, "transactions"):
        queries["purchases"] = (
            f"SELECT customer_id, to_json(list(struct_pack({_as_fields(PURCHASE_COLUMNS)})))"
            f"::VARCHAR AS part FROM transactions WHERE customer_id IS NOT NULL GROUP BY 1")
    return queries


def _part_queries(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """For each part whose tables exist, a query of (customer_id, part as JSON text)."""
    have = {t for t in ("customer_behavior", "statements", "statement_facets",
                        "statement_themes", "feedback_voice", "coverage", "customer_personas",
                        "say_do") if table_exists(con, t)}
    queries: dict[str, str] = {}
    if "customer_behavior" in have:
        queries["behaviour"] = ("SELECT customer_id, to_json(b)::VARCHAR AS part "
                                "FROM customer_behavior b")
    if "statements" in have:
        facets = ("(SELECT statement_id, list(facet ORDER BY facet) AS facets FROM "
                  "statement_facets GROUP BY 1)" if "statement_facets" in have else
                  "(SELECT NULL::VARCHAR AS statement_id, []::VARCHAR[] AS facets LIMIT 0)")
        themes = ("(SELECT statement_id, list(theme_id ORDER BY theme_id) AS themes FROM "
                  "statement_themes GROUP BY 1)" if "statement_themes" in have else
                  "(SELECT NULL::VARCHAR AS statement_id, []::BIGINT[] AS themes LIMIT 0)")
        queries["statements"] = (
            f"SELECT s.customer_id, to_json(list(struct_pack({_as_fields(_STATEMENT)}, "
            f"kind := fb.kind, "
            f"channel := fb.channel, facets := coalesce(f.facets, []), "
            f"themes := coalesce(t.themes, [])) ORDER BY CAST(s.ts AS DATE), s.statement_id)"
            f")::VARCHAR AS part FROM statements s LEFT JOIN {facets} f USING (statement_id) "
            f"LEFT JOIN {themes} t USING (statement_id) LEFT JOIN feedback fb "
            f"ON fb.feedback_id = s.feedback_id WHERE s.customer_id IS NOT NULL GROUP BY 1")
    if "feedback_voice" in have:
        queries["feedback"] = (
            f"SELECT customer_id, to_json(list(r ORDER BY r.day, r.feedback_id))::VARCHAR "
            f"AS part FROM (SELECT customer_id, struct_pack({_as_fields(_FEEDBACK)}) AS r "
            f"FROM feedback_voice WHERE customer_id IS NOT NULL) GROUP BY 1")
    if "coverage" in have:
        # dimension is the struct's first field and unique per customer, so sorting the
        # list sorts by it: 16.7 s at a million customers against 21.0 for an ordered list()
        queries["coverage"] = (
            f"SELECT entity_id AS customer_id, to_json(list_sort(list(r)))::VARCHAR "
            f"AS part FROM (SELECT entity_id, struct_pack({_as_fields(_COVERAGE)}) AS r "
            f"FROM coverage WHERE level = 'customer') GROUP BY 1")
    if "customer_personas" in have:
        queries["persona"] = (f"SELECT customer_id, to_json(arbitrary(struct_pack("
                              f"{_as_fields(_PERSONA)})))::VARCHAR AS part "
                              f"FROM customer_personas GROUP BY 1")
    if "say_do" in have:
        queries["say_do"] = ("SELECT customer_id, to_json(list(sd ORDER BY sd.said_at, "
                             "sd.insight_id))::VARCHAR AS part FROM say_do sd "
                             "WHERE customer_id IS NOT NULL GROUP BY 1")
    if {"statements", "statement_themes"} <= have and table_exists(con, "themes"):
        queries["themes"] = (
            "SELECT customer_id, to_json(list(struct_pack(theme_id := t.theme_id, label := "
            "t.label, statements := n) ORDER BY n DESC, t.label))::VARCHAR AS part FROM "
            "(SELECT s.customer_id, st.theme_id, count(*) AS n FROM statements s JOIN "
            "statement_themes st USING (statement_id) WHERE s.customer_id IS NOT NULL "
            "GROUP BY 1, 2) x JOIN themes t ON t.theme_id = x.theme_id AND t.level = 1 "
            "GROUP BY 1")
    return queries


def _as_fields(columns: str) -> str:
    """'t.a, round(b, 2) AS b' as struct_pack's 'a := t.a, b := round(b, 2)'."""
    out = []
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(columns):  # split on the commas outside parentheses
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(columns[start:i].strip())
            start = i + 1
    parts.append(columns[start:].strip())
    for part in parts:
        expr, _, name = part.rpartition(" AS ") if " AS " in part else (part, "", part)
        out.append(f"{name.strip().split('.')[-1]} := {expr.strip()}")
    return ", ".join(out)


def build_profile_parts(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite `profile_parts` from the derived tables there are now, with the raw parts of
    every customer and their stamp (in a store); returns its rows (0, and no table, when no
    derived table exists yet)."""
    derived = _part_queries(con)
    drop_profile_parts(con)
    if not derived:
        return 0
    raw = _raw_queries(con)
    queries = {name: q for name in PARTS for q in ((raw | derived).get(name),) if q}
    ids = " UNION ".join(f"SELECT customer_id FROM _{name}" for name in queries)
    ctes = ", ".join(f"_{name} AS ({query})" for name, query in queries.items())
    columns = ", ".join(f"_{name}.part AS {name}" for name in queries)
    joins = " ".join(f"LEFT JOIN _{name} USING (customer_id)" for name in queries)
    con.execute(f"CREATE TABLE profile_parts AS WITH {ctes}, _ids AS ({ids}) "
                f"SELECT customer_id, {columns} FROM _ids {joins}")
    if raw:
        con.execute("INSERT OR REPLACE INTO rapport_meta VALUES (?, 'built')",
                    [RAW_PARTS_STAMP])
    return int(con.execute("SELECT count(*) FROM profile_parts").fetchall()[0][0])


def drop_profile_parts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS profile_parts")
    forget_raw_parts(con)




def _constant(name: str) -> float | None:
    return None if name == "NaN" else float(name)  # NaN reads as missing, as in `_rows`


def _load(text: Any) -> Any:
    return None if text is None else json.loads(text, parse_constant=_constant)


_STORED = ("SELECT p.*, EXISTS (SELECT 1 FROM rapport_meta WHERE key = ?) AS raw_stamp "
           "FROM profile_parts p WHERE customer_id = ?")


def stored_parts(con: duckdb.DuckDBPyConnection, cid: str) -> Parts | None:
    """The customer's parts from `profile_parts`, or None when the table does not exist. The
    raw parts are None when a load came after the build (see the module)."""
    try:
        result = con.execute(_STORED, [RAW_PARTS_STAMP, cid])
    except duckdb.CatalogException as exc:
        if "does not exist" not in str(exc):
            raise
        if "rapport_meta" not in str(exc):
            return None
        try:  # not a store (no rapport_meta): no raw parts either
            result = con.execute("SELECT *, false AS raw_stamp FROM profile_parts WHERE "
                                 "customer_id = ?", [cid])
        except duckdb.CatalogException:
            return None
    names = [d[0] for d in result.description or ()]
    found = result.fetchall()
    row = dict(zip(names, found[0], strict=True)) if found else {}
    fresh = bool(row.get("raw_stamp"))
    parts = {name: _load(row.get(name)) if fresh or name not in RAW_PARTS else None
             for name in PARTS}
    for name in ("statements", "coverage", "themes"):  # a table built: no rows, empty list
        if name in names and parts[name] is None:
            parts[name] = []
    parts["feedback"] = parts["feedback"] or []
    parts["say_do"] = parts["say_do"] or []
    return parts


def _in(ids: list[Any]) -> str:
    return ", ".join("?" * len(ids))


def _statements(con: duckdb.DuckDBPyConnection, cid: str) -> list[dict[str, Any]] | None:
    """Their statements, each read by an index (a join would scan the big side)."""
    rows = _rows(con, f"SELECT {_STATEMENT} FROM statements s WHERE customer_id = ?", [cid])
    if rows is None:
        return None
    rows = _ordered(rows, "day", "statement_id")
    ids = [s["statement_id"] for s in rows]
    written = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT feedback_id, kind, channel FROM feedback WHERE customer_id = ?",
        [cid]).fetchall()}
    facets: dict[Any, list[str]] = {}
    themes: dict[Any, list[Any]] = {}
    if ids:
        for sid, facet in con.execute(f"SELECT statement_id, facet FROM statement_facets "
                                      f"WHERE statement_id IN ({_in(ids)})", ids).fetchall():
            facets.setdefault(sid, []).append(facet)
        for r in _rows(con, f"SELECT statement_id, theme_id FROM statement_themes WHERE "
                            f"statement_id IN ({_in(ids)})", ids) or []:
            themes.setdefault(r["statement_id"], []).append(r["theme_id"])
    for s in rows:
        s["kind"], s["channel"] = written.get(s["feedback_id"], (None, None))
        s["facets"] = sorted(facets.get(s["statement_id"], []))
        s["themes"] = sorted(themes.get(s["statement_id"], []))
    return rows


def table_parts(con: duckdb.DuckDBPyConnection, cid: str) -> Parts:
    """The customer's parts read from the derived tables themselves (the same rows as
    `stored_parts`, when `profile_parts` is missing)."""
    behaviour = _rows(con, "SELECT * FROM customer_behavior WHERE customer_id = ?", [cid])
    coverage = _rows(con, f"SELECT {_COVERAGE}, level FROM coverage WHERE entity_id = ?",
                     [cid])  # the id alone, so that the index serves it
    persona = _rows(con, f"SELECT {_PERSONA} FROM customer_personas WHERE customer_id = ?",
                    [cid])
    return {
        "behaviour": behaviour[0] if behaviour else None,
        "statements": _statements(con, cid),
        "feedback": _ordered(_rows(con, f"SELECT {_FEEDBACK} FROM feedback_voice WHERE "
                                        f"customer_id = ?", [cid]) or [], "day", "feedback_id"),
        "coverage": None if coverage is None else _ordered(
            [r for r in coverage if r.pop("level") == "customer"], "dimension"),
        "persona": persona[0] if persona else None,
        "say_do": _ordered(_rows(con, "SELECT * FROM say_do WHERE customer_id = ?", [cid])
                           or [], "said_at", "insight_id"),
    }
