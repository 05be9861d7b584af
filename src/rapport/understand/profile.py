"""The customer profile: one person, outer and inner life, with their own words as evidence.

Reads the derived tables (behaviour, voice, say-vs-do, personas, coverage) and returns one
nested dict; the CLI, the web page and the report render it. Quotes come from `statements`
(redacted), never from the raw feedback text. The path on the ladder is rebuilt from purchase
dates with the ladder's count and tenure rules (first purchase, second purchase period,
reaching the loyal order count and tenure), so it is approximate where P(alive) decided.
"""

from __future__ import annotations

__all__ = ["customer_profile"]

import json
from typing import Any

import duckdb
import pandas as pd

from rapport import settings
from rapport.errors import ConfigError
from rapport.schema import table_exists

from .knowledge import Framework, load_framework

_FACET_ORDER = ("job", "value", "pain", "hope", "fear", "perception", "competitor",
                "suggestion", "praise", "intent")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    frame = con.execute(sql, params).fetch_df()
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    return [{k: (None if _is_na(v) else v) for k, v in r.items()} for r in records]


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _day(value: Any) -> str | None:
    return None if value is None or _is_na(value) else str(value)[:10]


def _identity(con: duckdb.DuckDBPyConnection, cid: str) -> dict[str, Any]:
    rows = _rows(con, "SELECT c.customer_id, c.name, c.email, c.phone, c.account_id, "
                      "a.name AS account, c.created_at, c.attributes, c.source FROM customers c "
                      "LEFT JOIN accounts a USING (account_id) WHERE c.customer_id = ?", [cid])
    if not rows:
        raise ConfigError(f"no customer {cid!r}; find one with `rapport customers --search`.")
    row = rows[0]
    attributes = json.loads(row.pop("attributes") or "{}")
    row["created_at"] = _day(row["created_at"])
    row["keys"] = [f"{k}:{v}" for k, v in con.execute(
        "SELECT kind, value FROM identities WHERE customer_id = ? ORDER BY 1, 2",
        [cid]).fetchall()]
    row["demographics"] = attributes
    if table_exists(con, "contacts"):
        roles = con.execute("SELECT title, role FROM contacts WHERE customer_id = ?",
                            [cid]).fetchall()
        row["roles"] = [{"title": t, "role": r} for t, r in roles]
    return row


def _path(con: duckdb.DuckDBPyConnection, cid: str, b: dict[str, Any]) -> list[dict[str, Any]]:
    """Where they stood on the ladder and since when."""
    created = con.execute("SELECT created_at FROM customers WHERE customer_id = ?",
                          [cid]).fetchall()
    days = [r[0] for r in con.execute(
        "SELECT DISTINCT CAST(ts AS DATE) FROM transactions WHERE customer_id = ? AND amount "
        "> 0 ORDER BY 1", [cid]).fetchall()]
    path: list[dict[str, Any]] = []
    if created and created[0][0] is not None:
        path.append({"stage": "prospect", "since": _day(created[0][0])})
    if days:
        path.append({"stage": "first-time buyer", "since": str(days[0])})
    if len(days) > 1:
        path.append({"stage": "repeat customer", "since": str(days[1])})
    n_min = int(settings.get("ladder.loyal_min_orders"))
    tenure = float(settings.get("ladder.loyal_min_tenure_days"))
    if b.get("stage") in ("loyal", "customer for life"):
        since = next((d for i, d in enumerate(days)
                      if i + 1 >= n_min and (d - days[0]).days >= tenure), None)
        path.append({"stage": "loyal", "since": None if since is None else str(since)})
    if b.get("stage") == "customer for life":
        path.append({"stage": "customer for life", "since": None,
                     "because": b.get("engagement")})
    if b.get("status") and b.get("status") not in ("active", "never bought"):
        path.append({"status": b["status"], "since": _day(b.get("last_purchase"))})
    return path


def _behaviour(con: duckdb.DuckDBPyConnection, cid: str) -> dict[str, Any] | None:
    if not table_exists(con, "customer_behavior"):
        return None
    rows = _rows(con, "SELECT * FROM customer_behavior WHERE customer_id = ?", [cid])
    if not rows:
        return None
    b = rows[0]
    for key in ("first_purchase", "last_purchase", "observation_end"):
        b[key] = _day(b.get(key))
    b["top_products"] = _rows(
        con, "SELECT product, category, count(*) AS times, round(sum(amount), 2) AS spend "
             "FROM transactions WHERE customer_id = ? AND amount > 0 GROUP BY 1, 2 "
             "ORDER BY times DESC, spend DESC LIMIT 5", [cid])
    b["channels"] = _rows(
        con, "SELECT channel, count(DISTINCT coalesce(order_id, transaction_id)) AS orders "
             "FROM transactions WHERE customer_id = ? AND channel IS NOT NULL GROUP BY 1 "
             "ORDER BY 2 DESC", [cid])
    b["path"] = _path(con, cid, b)
    return b


def _voice(con: duckdb.DuckDBPyConnection, cid: str) -> dict[str, Any] | None:
    if not table_exists(con, "statements"):
        return None
    statements = _rows(
        con, "SELECT s.statement_id, s.feedback_id, CAST(s.ts AS DATE) AS day, s.text, "
             "round(s.sentiment, 2) AS sentiment, s.sentiment_label, fb.kind, fb.channel, "
             "list(f.facet ORDER BY f.facet) FILTER (WHERE f.facet IS NOT NULL) AS facets "
             "FROM statements s JOIN feedback fb USING (feedback_id) "
             "LEFT JOIN statement_facets f USING (statement_id) WHERE s.customer_id = ? "
             "GROUP BY ALL ORDER BY day, s.statement_id", [cid])
    for s in statements:
        s["day"] = _day(s["day"])
        s["facets"] = list(s["facets"]) if s["facets"] is not None else []
    by_facet = {f: [s for s in statements if f in s["facets"]] for f in _FACET_ORDER}
    feedback = _rows(
        con, "SELECT v.feedback_id, CAST(v.ts AS DATE) AS day, v.kind, v.rating, "
             "v.rating_scale, round(v.sentiment, 2) AS sentiment, v.sentiment_label, "
             "v.status FROM feedback_voice v WHERE v.customer_id = ? ORDER BY v.ts", [cid]) \
        if table_exists(con, "feedback_voice") else []
    for f in feedback:
        f["day"] = _day(f["day"])
    themes = _rows(
        con, "SELECT t.theme_id, t.label, count(*) AS statements FROM statements s "
             "JOIN statement_themes st USING (statement_id) JOIN themes t ON t.theme_id = "
             "st.theme_id AND t.level = 1 WHERE s.customer_id = ? GROUP BY 1, 2 "
             "ORDER BY 3 DESC, 2", [cid]) if table_exists(con, "statement_themes") else []
    intents = []
    for s in by_facet["intent"]:
        after = con.execute(
            "SELECT count(DISTINCT coalesce(order_id, transaction_id)), max(ts) FROM "
            "transactions WHERE customer_id = ? AND amount > 0 AND CAST(ts AS DATE) > ?",
            [cid, s["day"]]).fetchall()
        n = int(after[0][0]) if after else 0
        intents.append({**s, "orders_after": n,
                        "did": f"ordered {n} time{'s' if n != 1 else ''} since" if n
                        else "has not ordered since"})
    return {"statements": len(statements), "by_facet": by_facet, "feedback": feedback,
            "themes": themes, "intents": intents}


def _coverage(con: duckdb.DuckDBPyConnection, cid: str,
              fw: Framework) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    if not table_exists(con, "coverage"):
        return None, []
    rows = _rows(con, "SELECT dimension, dimension_group, round(score, 3) AS score, evidence, "
                      "sources, source_list, last_evidence, round(freshness, 3) AS freshness "
                      "FROM coverage WHERE level = 'customer' AND entity_id = ?", [cid])
    total = next((r for r in rows if r["dimension"] == "all"), None)
    dims = [r for r in rows if r["dimension"] != "all"]
    for r in dims:
        r["label"] = fw.get(r["dimension"]).label
        r["sources"] = json.loads(r.pop("source_list") or "[]")
        r["last_evidence"] = _day(r["last_evidence"])
    dims.sort(key=lambda r: -fw.get(r["dimension"]).weight * (1 - r["score"]))
    questions = [{"dimension": r["dimension"], "label": r["label"],
                  "question": fw.get(r["dimension"]).interview[0]}
                 for r in dims if r["score"] < 0.5 and fw.get(r["dimension"]).interview][:4]
    return {"score": None if total is None else total["score"],
            "dimensions": sorted(dims, key=lambda r: [d.name for d in fw.dimensions].index(
                r["dimension"]))}, questions


def _persona(con: duckdb.DuckDBPyConnection, cid: str) -> dict[str, Any] | None:
    if not table_exists(con, "customer_personas"):
        return None
    rows = _rows(con, "SELECT persona_id, persona, round(confidence, 3) AS confidence FROM "
                      "customer_personas WHERE customer_id = ?", [cid])
    return rows[0] if rows else None


def _say_do(con: duckdb.DuckDBPyConnection, cid: str) -> list[dict[str, Any]]:
    if not table_exists(con, "say_do"):
        return []
    rows = _rows(con, "SELECT * FROM say_do WHERE customer_id = ? ORDER BY said_at", [cid])
    for r in rows:
        r["said_at"] = _day(r.get("said_at"))
    return rows


_STAGE_WORDS = {"first-time buyer": "a first-time buyer", "repeat customer": "a repeat customer",
                "loyal": "a loyal customer", "customer for life": "a customer for life",
                "prospect": "a prospect"}


def _story(p: dict[str, Any]) -> str:
    """A few sentences about the person, from the facts below them."""
    who = p["identity"]
    name = who.get("name") or who["customer_id"]
    demo = who.get("demographics") or {}
    bits = [str(demo[k]) for k in ("Age", "age", "Region", "region", "City", "city")
            if demo.get(k) is not None][:2]
    first = f"{name}" + (f" ({', '.join(bits)})" if bits else "")
    b = p.get("behaviour")
    lines = []
    if b and b.get("first_purchase"):
        orders = int(b.get("n_orders") or 0)
        gap = b.get("median_gap_days")
        rhythm = f", about every {gap:.0f} days" if gap else ""
        fav = f", mostly {b['favourite_category']}" if b.get("favourite_category") else ""
        lines.append(f"{first} has ordered {orders} time{'s' if orders != 1 else ''} since "
                     f"{b['first_purchase']}{fav}{rhythm}.")
        clv = b.get("clv")
        worth = f", worth about {clv:,.0f} over the next year" if clv is not None else ""
        stage = _STAGE_WORDS.get(str(b.get("stage")), str(b.get("stage")))
        alive = f", P(alive) {b['p_alive']:.0%}" if b.get("p_alive") is not None else ""
        lines.append(f"They are {stage} ({b['status']}{alive}){worth}.")
    else:
        lines.append(f"{first} has not bought from us yet.")
    persona = p.get("persona")
    if persona:
        lines.append(f"Persona: {persona['persona']}.")
    voice = p.get("voice")
    if voice and voice["statements"]:
        job = voice["by_facet"]["job"] or voice["by_facet"]["value"] or \
            voice["by_facet"]["pain"] or voice["by_facet"]["praise"]
        if job:
            lines.append(f"In their own words: \u201c{job[0]['text']}\u201d ({job[0]['day']}).")
    cov = p.get("coverage")
    if cov and cov.get("score") is not None:
        lines.append(f"We know them {cov['score']:.0%} as well as we would like to.")
    return " ".join(lines)


def customer_profile(con: duckdb.DuckDBPyConnection, customer_id: str, *,
                     framework: Framework | None = None) -> dict[str, Any]:
    """Everything Rapport knows about one customer (see the module)."""
    fw = framework or load_framework()
    profile: dict[str, Any] = {"customer_id": customer_id}
    profile["identity"] = _identity(con, customer_id)
    profile["behaviour"] = _behaviour(con, customer_id)
    profile["persona"] = _persona(con, customer_id)
    profile["voice"] = _voice(con, customer_id)
    profile["say_do"] = _say_do(con, customer_id)
    profile["coverage"], profile["next_questions"] = _coverage(con, customer_id, fw)
    profile["story"] = _story(profile)
    return profile
