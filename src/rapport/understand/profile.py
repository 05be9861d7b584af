"""The customer profile: one person, outer and inner life, with their own words as evidence.

Reads the derived tables (behaviour, voice, say-vs-do, personas, coverage) and returns one
nested dict; the CLI, the web page and the report render it. Quotes come from `statements`
(redacted), never from the raw feedback text. The path on the ladder is rebuilt from purchase
dates with the ladder's count and tenure rules (first purchase, second purchase period,
reaching the loyal order count and tenure), so it is approximate where P(alive) decided.
"""

from __future__ import annotations

__all__ = ["UnknownCustomer", "customer_profile"]

import json
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from typing import Any

import duckdb

from rapport import settings
from rapport.errors import ConfigError
from rapport.formats import horizon, money

from .knowledge import Framework, load_framework
from .profile_parts import PURCHASE_COLUMNS, Parts, stored_parts, table_parts
from .rows import day as _day
from .rows import ordered as _ordered
from .rows import rows as _rows
from .rows import rows_if_built as _rows_if_built


class UnknownCustomer(ConfigError):
    """No customer has this id (it may still be an e-mail, phone or external id)."""


_FACET_ORDER = ("job", "value", "pain", "hope", "fear", "perception", "competitor",
                "suggestion", "praise", "intent")


def _identity(con: duckdb.DuckDBPyConnection, cid: str) -> dict[str, Any]:
    rows = _rows(con, "SELECT customer_id, name, email, phone, account_id, created_at, "
                      "attributes, source FROM customers WHERE customer_id = ?", [cid])
    if not rows:
        raise UnknownCustomer(f"no customer {cid!r}; find one with `rapport customers --search`.")
    row = rows[0]
    names = [r[0] for r in con.execute("SELECT name FROM accounts WHERE account_id = ?",
                                       [row["account_id"]]).fetchall()
             if r[0] is not None] if row["account_id"] else []
    row["account"] = min(names) if names else None  # (no join: it would scan accounts)
    row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else None
    row["keys"] = con.execute("SELECT kind, value FROM identities WHERE customer_id = ?",
                              [cid]).fetchall()
    roles = _rows_if_built(con, "SELECT title, role FROM contacts WHERE customer_id = ?",
                           [cid])
    if roles is not None:
        row["roles"] = roles
    return _as_identity(row)


def _as_identity(row: dict[str, Any]) -> dict[str, Any]:
    """The identity part as the profile shows it (read from the tables or stored)."""
    out = {k: row.get(k) for k in ("customer_id", "name", "email", "phone", "account_id")}
    out["created_at"] = _day(row.get("created_at"))
    out["source"], out["account"] = row.get("source"), row.get("account")
    out["keys"] = [f"{k}:{v}" for k, v in sorted(
        row.get("keys") or [], key=lambda kv: [(x is None, x) for x in kv])]
    out["demographics"] = row.get("attributes") or {}
    if "roles" in row:
        out["roles"] = _ordered(row["roles"], "title", "role")
    return out


def _purchases(con: duckdb.DuckDBPyConnection, cid: str) -> list[dict[str, Any]]:
    """The customer's transactions, read once (by the lookup index) for the whole profile."""
    return _ordered(_rows(con, f"SELECT {PURCHASE_COLUMNS} FROM transactions "
                               f"WHERE customer_id = ?", [cid]),
                    "day", "order_key", "product", "amount")


def _stored_purchases(stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for t in stored:
        t["day"] = None if t["day"] is None else date.fromisoformat(t["day"])
    return _ordered(stored, "day", "order_key", "product", "amount")


def _top_products(purchases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tally: dict[tuple[Any, Any], list[float]] = {}
    for t in purchases:
        if (t["amount"] or 0) > 0:
            entry = tally.setdefault((t["product"], t["category"]), [0, 0.0])
            entry[0] += 1
            entry[1] += float(t["amount"])
    ranked = sorted(tally.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))[:5]
    return [{"product": p, "category": c, "times": int(n), "spend": round(spend, 2)}
            for (p, c), (n, spend) in ranked]


def _channels(purchases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    orders: dict[str, set[Any]] = {}
    for t in purchases:
        if t["channel"] is not None:
            orders.setdefault(t["channel"], set()).add(t["order_key"])
    ranked = sorted(orders.items(), key=lambda kv: -len(kv[1]))
    return [{"channel": ch, "orders": len(keys)} for ch, keys in ranked]


def _path(purchases: list[dict[str, Any]], created: Any,
          b: dict[str, Any]) -> list[dict[str, Any]]:
    """Where they stood on the ladder and since when."""
    days = sorted({t["day"] for t in purchases if (t["amount"] or 0) > 0})
    path: list[dict[str, Any]] = []
    if created is not None:
        path.append({"stage": "prospect", "since": _day(created)})
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
        # when exactly they slipped is unknown: after their last purchase
        path.append({"status": b["status"], "after": _day(b.get("last_purchase"))})
    return path


def _behaviour(b: dict[str, Any] | None, purchases: list[dict[str, Any]],
               created: Any) -> dict[str, Any] | None:
    if b is None:
        return None
    for key in ("first_purchase", "last_purchase", "observation_end"):
        b[key] = _day(b.get(key))
    b["top_products"] = _top_products(purchases)
    b["channels"] = _channels(purchases)
    b["path"] = _path(purchases, created, b)
    return b


def _theme_labels(con: duckdb.DuckDBPyConnection,
                  statements: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The top-level themes of their statements, most statements first."""
    counts: dict[Any, int] = {}
    for s in statements or ():
        for theme in s["themes"]:
            counts[theme] = counts.get(theme, 0) + 1
    if not counts:
        return []
    keys = list(counts)
    labels = con.execute(f"SELECT theme_id, label FROM themes WHERE level = 1 AND "
                         f"theme_id IN ({', '.join('?' * len(keys))})", keys).fetchall()
    return sorted(({"theme_id": t, "label": label, "statements": counts[t]}
                   for t, label in labels), key=lambda r: (-r["statements"], r["label"]))


def _voice(parts: Parts) -> dict[str, Any] | None:
    """Their words by facet, their feedback over time and their themes."""
    statements = parts["statements"]
    if statements is None:
        return None
    for s in statements:
        s["day"] = _day(s["day"])
        del s["themes"]
    by_facet = {f: [s for s in statements if f in s["facets"]] for f in _FACET_ORDER}
    feedback = parts["feedback"]
    for f in feedback:
        f["day"] = _day(f["day"])
    return {"statements": len(statements), "by_facet": by_facet, "feedback": feedback,
            "themes": parts["themes"]}


def _intents(voice: dict[str, Any], purchases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What they said they would do, and the orders they placed after saying it."""
    intents = []
    for s in voice["by_facet"]["intent"]:
        n = len({t["order_key"] for t in purchases
                 if (t["amount"] or 0) > 0 and s["day"] is not None
                 and str(t["day"]) > s["day"]})
        intents.append({**s, "orders_after": n,
                        "did": f"ordered {n} time{'s' if n != 1 else ''} since" if n
                        else "has not ordered since"})
    return intents


def _coverage(rows: list[dict[str, Any]] | None,
              fw: Framework) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    if rows is None:
        return None, []
    total = next((r for r in rows if r["dimension"] == "all"), None)
    dims = [r for r in rows if r["dimension"] != "all"]
    for r in dims:
        r["label"] = fw.get(r["dimension"]).label
        r["sources"] = json.loads(r.pop("source_list") or "[]")
        r["last_evidence"] = _day(r["last_evidence"])
    place = {d.name: i for i, d in enumerate(fw.dimensions)}
    dims.sort(key=lambda r: place[r["dimension"]])  # the framework's order
    questions = [{"dimension": r["dimension"], "label": r["label"],
                  "question": fw.get(r["dimension"]).interview[0]}
                 for r in sorted(dims, key=lambda r: -fw.get(r["dimension"]).weight *
                                 (1 - r["score"]))  # the biggest gaps; ties in that order
                 if r["score"] < 0.5 and fw.get(r["dimension"]).interview][:4]
    return {"score": None if total is None else total["score"], "dimensions": dims}, questions


def _say_do(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
        worth = f", worth about {money(clv)} over {horizon(b.get('horizon_months'))}" \
            if clv is not None else ""
        stage = _STAGE_WORDS.get(str(b.get("stage")), str(b.get("stage")))
        alive = f", P(alive) {b['p_alive']:.0%}" if b.get("p_alive") is not None else ""
        if not alive and b.get("frequency") == 0 and b.get("days_since_last_purchase") is not None:
            alive = f": their only purchase was {b['days_since_last_purchase']:,.0f} days ago"
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


Beside = Callable[[Callable[[duckdb.DuckDBPyConnection], Any]], "Future[Any]"]


def customer_profile(con: duckdb.DuckDBPyConnection, customer_id: str, *,
                     framework: Framework | None = None,
                     beside: Beside | None = None) -> dict[str, Any]:
    """Everything Rapport knows about one customer (see the module). Mostly one read of the
    customer's row of `profile_parts`; its raw parts are read from the tables after a load,
    and everything is when the parts are not built. Then with `beside` (which runs a
    function on another thread with a connection of its own), the derived tables are read on
    a helper thread while this thread reads identity and purchases. Tables not built yet read
    as nothing (call it outside an explicit transaction: a missing table is found by the
    failed read)."""
    fw = framework or load_framework()
    stored = stored_parts(con, customer_id)
    if stored is not None and stored["identity"] is not None:
        identity = _as_identity(stored["identity"])
        purchases = _stored_purchases(stored["purchases"] or [])
        parts = stored
    else:
        later = beside(lambda c: table_parts(c, customer_id)) \
            if stored is None and beside is not None else None
        identity = _identity(con, customer_id)
        purchases = _purchases(con, customer_id)
        parts = stored if stored is not None else \
            later.result() if later is not None else table_parts(con, customer_id)
    if parts.get("themes") is None:
        parts["themes"] = _theme_labels(con, parts["statements"])
    cov, questions = _coverage(parts["coverage"], fw)
    profile: dict[str, Any] = {
        "customer_id": customer_id, "identity": identity,
        "behaviour": _behaviour(parts["behaviour"], purchases, identity["created_at"]),
        "persona": parts["persona"], "voice": _voice(parts),
        "say_do": _say_do(parts["say_do"]), "coverage": cov, "next_questions": questions}
    if profile["voice"] is not None:
        profile["voice"]["intents"] = _intents(profile["voice"], purchases)
    profile["story"] = _story(profile)
    return profile
