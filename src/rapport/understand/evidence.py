"""Evidence for the knowledge framework: each rule of `knowledge.toml` as one query over the
store, returning one row per (entity, source, method) with the number of items and the date of
the newest one. Entities are customers or accounts; an account's evidence is its own (notes,
contacts, fields) plus that of the customers who belong to it."""

from __future__ import annotations

__all__ = ["EVIDENCE_FRAME", "evidence_query", "statements_of"]

import duckdb

from rapport.ingest.sqltools import ident, lit
from rapport.schema import table_exists

from .knowledge import Dimension, Evidence

EVIDENCE_FRAME = ("entity_id", "dimension", "source", "method", "ts", "n")

_CUSTOMER_FIELDS = ("name", "email", "phone", "account_id", "created_at")
_ACCOUNT_FIELDS = ("name", "industry", "size")

# Members of an account: customers who name it, and contacts who are customers.
_MEMBERS = (
    "SELECT account_id, customer_id FROM customers WHERE account_id IS NOT NULL UNION "
    "SELECT account_id, customer_id FROM contacts WHERE customer_id IS NOT NULL "
    "AND account_id IS NOT NULL"
)


def statements_of(level: str) -> str:
    """Statements with the entity they tell us about and the kind of feedback they came from."""
    if level == "customer":
        return ("SELECT s.customer_id AS entity_id, s.statement_id, s.text, s.ts, fb.kind "
                "FROM statements s JOIN feedback fb USING (feedback_id) "
                "WHERE s.customer_id IS NOT NULL")
    # An account hears through statements filed under it and through its members' own: two
    # equi-joins, united (one join on "account matches OR customer matches" is a nested loop,
    # statements × accounts and members: hours at a million customers).
    return ("SELECT DISTINCT entity_id, statement_id, text, ts, kind FROM ("
            "SELECT a.account_id AS entity_id, s.statement_id, s.text, s.ts, fb.kind "
            "FROM statements s JOIN feedback fb USING (feedback_id) "
            "JOIN accounts a ON a.account_id = s.account_id "
            "UNION ALL SELECT m.account_id, s.statement_id, s.text, s.ts, fb.kind "
            "FROM statements s JOIN feedback fb USING (feedback_id) "
            f"JOIN ({_MEMBERS}) m ON m.customer_id = s.customer_id)")


def _entity_of(level: str, column: str = "customer_id") -> tuple[str, str]:
    """(join clause, entity expression) mapping rows keyed by customer_id to the entity."""
    if level == "customer":
        return "", column
    return f"JOIN ({_MEMBERS}) m ON m.customer_id = {column}", "m.account_id"


def _record(con: duckdb.DuckDBPyConnection, rule: Evidence, level: str) -> str | None:
    if level == "customer":
        fields = [f for f in rule.fields if f in _CUSTOMER_FIELDS]
        terms = [f"CAST({ident(f)} IS NOT NULL AS INT)" for f in fields]
        if rule.attributes == ("*",):
            terms.append("coalesce(CAST(json_array_length(json_keys(attributes)) AS INT), 0)")
        elif rule.attributes:
            terms += [f"CAST(json_extract(attributes, {lit('$.' + a)}) IS NOT NULL AS INT)"
                      for a in rule.attributes]
        if not terms:
            return None
        return (f"SELECT customer_id AS entity_id, 'customer record' AS source, 'record' AS "
                f"method, NULL::TIMESTAMP AS ts, {' + '.join(terms)} AS n FROM customers")
    return None


def _account(rule: Evidence) -> str | None:
    fields = [f for f in rule.fields if f in _ACCOUNT_FIELDS] or ["industry"]
    terms = " + ".join(f"CAST(nullif(trim(CAST({ident(f)} AS VARCHAR)), '') IS NOT NULL AS INT)"
                       for f in fields)
    return (f"SELECT account_id AS entity_id, 'account record' AS source, 'record' AS method, "
            f"NULL::TIMESTAMP AS ts, {terms} AS n FROM accounts")


def _purchases(rule: Evidence, level: str) -> str:
    join, entity = _entity_of(level, "t.customer_id")
    return (f"SELECT {entity} AS entity_id, 'purchase records' AS source, 'transactions' AS "
            f"method, max(t.ts) AS ts, count(DISTINCT coalesce(t.order_id, t.transaction_id)) "
            f"AS n FROM transactions t {join} WHERE t.customer_id IS NOT NULL GROUP BY 1 "
            f"HAVING count(DISTINCT coalesce(t.order_id, t.transaction_id)) >= {rule.min_orders}")


def _behavior(con: duckdb.DuckDBPyConnection, rule: Evidence, level: str) -> str | None:
    if not table_exists(con, "customer_behavior"):
        return None
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'customer_behavior'").fetchall()}
    columns = [c for c in rule.columns if c in present]
    if not columns:
        return None
    join, entity = _entity_of(level, "b.customer_id")
    terms = " + ".join(f"CAST(b.{ident(c)} IS NOT NULL AS INT)" for c in columns)
    return (f"SELECT {entity} AS entity_id, 'purchase records' AS source, 'model' AS method, "
            f"max(b.last_purchase) AS ts, sum({terms}) AS n FROM customer_behavior b {join} "
            f"WHERE coalesce(b.n_orders, 0) >= {rule.min_orders} GROUP BY 1")


def _facets(rule: Evidence, level: str) -> str:
    facets = ", ".join(lit(f) for f in rule.facets)
    return (f"SELECT s.entity_id, s.kind AS source, 'text analysis' AS method, max(s.ts) AS ts, "
            f"count(DISTINCT s.statement_id) AS n FROM ({statements_of(level)}) s "
            f"JOIN statement_facets f USING (statement_id) WHERE f.facet IN ({facets}) "
            f"GROUP BY 1, 2")


def _cues(rule: Evidence, level: str) -> str:
    pattern = lit("|".join(f"(?:{p})" for p in rule.patterns))
    return (f"SELECT s.entity_id, s.kind AS source, 'text cues' AS method, max(s.ts) AS ts, "
            f"count(*) AS n FROM ({statements_of(level)}) s "
            f"WHERE regexp_matches(s.text, {pattern}, 'i') GROUP BY 1, 2")


def _ratings(level: str) -> str:
    if level == "customer":
        return ("SELECT customer_id AS entity_id, kind AS source, 'rating' AS method, max(ts) "
                "AS ts, count(*) AS n FROM feedback WHERE customer_id IS NOT NULL AND rating "
                "IS NOT NULL AND coalesce(rating_scale, 'none') <> 'none' GROUP BY 1, 2")
    return ("SELECT coalesce(f.account_id, m.account_id) AS entity_id, f.kind AS source, "
            "'rating' AS method, max(f.ts) AS ts, count(*) AS n FROM feedback f "
            f"LEFT JOIN ({_MEMBERS}) m ON m.customer_id = f.customer_id "
            "WHERE coalesce(f.account_id, m.account_id) IS NOT NULL AND f.rating IS NOT NULL "
            "AND coalesce(f.rating_scale, 'none') <> 'none' GROUP BY 1, 2")


def _opinion(con: duckdb.DuckDBPyConnection, level: str) -> str:
    scored = ("v.sentiment IS NOT NULL" if table_exists(con, "feedback_voice") else "false")
    voice = ("LEFT JOIN feedback_voice v USING (feedback_id)"
             if table_exists(con, "feedback_voice") else "")
    join, entity = _entity_of(level, "f.customer_id")
    return (f"SELECT {entity} AS entity_id, f.kind AS source, 'rating or text sentiment' AS "
            f"method, max(f.ts) AS ts, count(DISTINCT date_trunc('month', f.ts)) AS n "
            f"FROM feedback f {voice} {join} WHERE f.customer_id IS NOT NULL AND "
            f"((f.rating IS NOT NULL AND coalesce(f.rating_scale, 'none') <> 'none') OR {scored})"
            f" GROUP BY 1, 2")


def _contacts(rule: Evidence) -> str:
    roles = ", ".join(lit(r) for r in rule.roles) or "''"
    return ("SELECT account_id AS entity_id, 'contact records' AS source, 'record' AS method, "
            f"NULL::TIMESTAMP AS ts, count(*) AS n FROM contacts WHERE lower(role) IN ({roles}) "
            "AND account_id IS NOT NULL GROUP BY 1")


def _rule_sql(con: duckdb.DuckDBPyConnection, rule: Evidence, level: str) -> str | None:
    voice = table_exists(con, "statements") and table_exists(con, "statement_facets")
    if rule.kind == "record":
        return _record(con, rule, level)
    if rule.kind == "account":
        return _account(rule) if level == "account" else None
    if rule.kind == "contacts":
        return _contacts(rule) if level == "account" else None
    if rule.kind == "purchases":
        return _purchases(rule, level)
    if rule.kind == "behavior":
        return _behavior(con, rule, level)
    if rule.kind == "facets":
        return _facets(rule, level) if voice else None
    if rule.kind == "cues":
        return _cues(rule, level) if table_exists(con, "statements") else None
    if rule.kind == "ratings":
        return _ratings(level)
    if rule.kind == "opinion":
        return _opinion(con, level)
    return None


def evidence_query(con: duckdb.DuckDBPyConnection, dimensions: tuple[Dimension, ...],
                   level: str) -> tuple[str | None, list[str]]:
    """A SELECT of all evidence for `dimensions` at `level` (columns EVIDENCE_FRAME, rows
    with n > 0; None when no rule can run yet), and the rules that could not run yet (their
    inputs are missing), in words. A query, not a frame: at a million customers the evidence
    runs to tens of millions of rows, which stay in the store."""
    parts: list[str] = []
    skipped: list[str] = []
    for dim in dimensions:
        for rule in dim.evidence:
            sql = _rule_sql(con, rule, level)
            if sql is None:
                skipped.append(f"{dim.name}: {rule.kind}")
                continue
            parts.append(f"SELECT entity_id, {lit(dim.name)} AS dimension, "
                         f"coalesce(source, 'other') AS source, method, CAST(ts AS TIMESTAMP) "
                         f"AS ts, CAST(n AS DOUBLE) AS n FROM ({sql}) WHERE n > 0")
    return (" UNION ALL ".join(parts) if parts else None), skipped
