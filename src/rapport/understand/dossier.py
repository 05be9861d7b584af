"""The B2B account dossier: one business customer as a whole.

Its record; its people (contacts and their roles in buying, the customers who belong to it);
what its members buy; and, for each account dimension of the knowledge framework (their
business, customers, trends, allies, history, plans, technology, competitors, decision
makers, politics, procedures, needs, opinion of us), what we know in the words of the notes
and feedback that say it, with how well it is known (the `coverage` table), or the question to
ask when we do not know. Evidence comes from the same rules as coverage (`knowledge.toml`):
account fields, contacts by role, cue patterns and facets of the account's statements (those
filed under it and those of its members), purchases and ratings.
"""

from __future__ import annotations

__all__ = ["UnknownAccount", "account_dossier", "account_list"]

import json
from typing import Any

import duckdb

from rapport.errors import ConfigError
from rapport.schema import table_exists

from .knowledge import Dimension, Evidence, Framework, load_framework
from .rows import day as _day
from .rows import rows as _rows
from .rows import rows_if_built as _rows_if_built


class UnknownAccount(ConfigError):
    """No account has this id or name."""


# The account's members: customers who name it, and contacts who are customers.
_MEMBERS = ("SELECT customer_id FROM customers WHERE account_id = $account UNION "
            "SELECT customer_id FROM contacts WHERE account_id = $account "
            "AND customer_id IS NOT NULL")


def _resolve(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    """The account row for an account id, else for a name (any case)."""
    cols = "account_id, name, industry, size, attributes, source"
    found = _rows(con, f"SELECT {cols} FROM accounts WHERE account_id = ?", [key])
    if not found:
        found = _rows(con, f"SELECT {cols} FROM accounts WHERE lower(name) = lower(?)", [key])
    ids = sorted({str(r["account_id"]) for r in found})
    if len(ids) > 1:
        raise ConfigError(f"{key!r} names several accounts ({', '.join(ids[:5])}); use the id.")
    if not found:
        raise UnknownAccount(f"no account {key!r}; list them with `rapport accounts`.")
    row = found[0]
    row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else {}
    return row


def _people(con: duckdb.DuckDBPyConnection, aid: str) -> list[dict[str, Any]]:
    """Its contacts, decision makers first, each with their stage and CLV when they are a
    customer we have analysed."""
    behaviour = table_exists(con, "customer_behavior")
    extra = ", b.stage, b.status, b.clv" if behaviour else ""
    join = "LEFT JOIN customer_behavior b USING (customer_id)" if behaviour else ""
    people = _rows(con, f"SELECT c.contact_id, c.name, c.title, c.role, c.customer_id{extra} "
                        f"FROM contacts c {join} WHERE c.account_id = ?", [aid])
    rank = {"decision maker": 0, "champion": 1, "blocker": 2}
    return sorted(people, key=lambda p: (rank.get(str(p["role"]).lower(), 3),
                                         str(p["name"] or "")))


def _buying(con: duckdb.DuckDBPyConnection, aid: str) -> dict[str, Any]:
    """What its members bought: orders, spend, first and last purchase; their CLV and stages
    once analysed."""
    row = _rows(con, f"SELECT count(DISTINCT t.customer_id) AS buyers, count(DISTINCT "
                     f"coalesce(t.order_id, t.transaction_id)) AS orders, sum(t.amount) AS "
                     f"spend, min(t.ts) AS first_purchase, max(t.ts) AS last_purchase FROM "
                     f"transactions t WHERE t.customer_id IN ({_MEMBERS})",
                {"account": aid})[0]
    row["members"] = int(con.execute(f"SELECT count(*) FROM ({_MEMBERS})",
                                     {"account": aid}).fetchall()[0][0])
    for key in ("first_purchase", "last_purchase"):
        row[key] = _day(row[key])
    if table_exists(con, "customer_behavior"):
        stages = con.execute(f"SELECT stage, count(*), sum(clv) FROM customer_behavior WHERE "
                             f"customer_id IN ({_MEMBERS}) GROUP BY 1 ORDER BY 2 DESC",
                             {"account": aid}).fetchall()
        row["stages"] = {str(s): int(n) for s, n, _ in stages}
        row["clv"] = sum(float(v or 0.0) for _, _, v in stages) if stages else None
    return row


def _statements(con: duckdb.DuckDBPyConnection, aid: str) -> list[dict[str, Any]] | None:
    """Its statements, newest first: filed under the account, or said by its members."""
    found = _rows_if_built(
        con, f"SELECT DISTINCT s.statement_id, s.text, s.ts, s.sentiment, s.customer_id, "
             f"fb.kind FROM statements s JOIN feedback fb USING (feedback_id) WHERE "
             f"s.account_id = $account OR s.customer_id IN ({_MEMBERS})", {"account": aid})
    if found is None:
        return None
    return sorted(found, key=lambda s: (str(s["ts"]), str(s["statement_id"])), reverse=True)


def _orders(n: int) -> str:
    return f"{n:,} order{'s' if n != 1 else ''}"


def _said(rows: list[dict[str, Any]], why: str) -> list[dict[str, Any]]:
    return [{"text": s["text"], "day": _day(s["ts"]), "source": s["kind"], "why": why,
             "statement_id": s["statement_id"]} for s in rows]


def _items(con: duckdb.DuckDBPyConnection, rule: Evidence, account: dict[str, Any],
           people: list[dict[str, Any]], buying: dict[str, Any],
           statements: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """What one evidence rule finds for the account, as items with a text."""
    if rule.kind == "account":
        return [{"text": f"{f}: {account[f]}", "source": "account record", "why": "record"}
                for f in (rule.fields or ("industry",)) if account.get(f) not in (None, "")]
    if rule.kind == "contacts":
        roles = {r.lower() for r in rule.roles}
        return [{"text": f"{p['name']}, {p['title'] or 'no title'} ({p['role']})",
                 "source": "contact records", "why": "role", "contact_id": p["contact_id"]}
                for p in people if str(p["role"] or "").lower() in roles]
    if rule.kind == "purchases" and buying["orders"]:
        return [{"text": f"{_orders(buying['orders'])} from {buying['first_purchase']} to "
                         f"{buying['last_purchase']}", "source": "purchase records",
                 "why": "transactions"}]
    if not statements:
        return []
    ids = [s["statement_id"] for s in statements]
    marks = ", ".join("?" * len(ids))
    if rule.kind == "cues" and rule.patterns:
        pattern = "|".join(f"(?:{p})" for p in rule.patterns)
        hits = {r[0] for r in con.execute(
            f"SELECT statement_id FROM statements WHERE statement_id IN ({marks}) AND "
            f"regexp_matches(text, ?, 'i')", [*ids, pattern]).fetchall()}
        return _said([s for s in statements if s["statement_id"] in hits], "text cues")
    if rule.kind == "facets" and table_exists(con, "statement_facets"):
        facets = list(rule.facets)
        hits = {r[0] for r in con.execute(
            f"SELECT statement_id FROM statement_facets WHERE statement_id IN ({marks}) AND "
            f"facet IN ({', '.join('?' * len(facets))})", [*ids, *facets]).fetchall()}
        return _said([s for s in statements if s["statement_id"] in hits],
                     "facets: " + ", ".join(facets))
    return []


def _coverage(con: duckdb.DuckDBPyConnection, aid: str) -> dict[str, dict[str, Any]]:
    rows = _rows_if_built(con, "SELECT dimension, score, answered, source_list, last_evidence "
                               "FROM coverage WHERE level = 'account' AND entity_id = ?", [aid])
    return {str(r["dimension"]): r for r in rows or []}


def _dimension(d: Dimension, items: list[dict[str, Any]], cov: dict[str, Any] | None,
               limit: int) -> dict[str, Any]:
    seen: set[str] = set()
    kept = []
    for item in items:  # the same words found by two rules are shown once
        if item["text"] not in seen:
            seen.add(item["text"])
            kept.append(item)
    score = None if cov is None else float(cov["score"])
    known = bool(kept) if score is None else score >= 0.5
    return {"dimension": d.name, "label": d.label, "known_as": d.known_as, "score": score,
            "sources": json.loads(cov["source_list"] or "[]") if cov else [],
            "last_evidence": _day(cov["last_evidence"]) if cov else None,
            "evidence": kept[:limit], "more": max(len(kept) - limit, 0),
            "question": None if known or not d.interview else d.interview[0]}


def account_dossier(con: duckdb.DuckDBPyConnection, key: str, *,
                    framework: Framework | None = None, limit: int = 5) -> dict[str, Any]:
    """Everything Rapport knows about one account (id or name; see the module): at most
    `limit` pieces of evidence per dimension, newest first."""
    fw = framework or load_framework()
    account = _resolve(con, key.strip())
    aid = str(account["account_id"])
    people = _people(con, aid)
    buying = _buying(con, aid)
    statements = _statements(con, aid)
    coverage = _coverage(con, aid)
    dimensions = []
    for d in fw.at("account"):
        items = [item for rule in d.evidence
                 for item in _items(con, rule, account, people, buying, statements)]
        dimensions.append(_dimension(d, items, coverage.get(d.name), limit))
    total = coverage.get("all")
    said = [float(s["sentiment"]) for s in statements or [] if s["sentiment"] is not None]
    dossier: dict[str, Any] = {
        "account_id": aid, "people": people, "account": account, "buying": buying,
        "statements": None if statements is None else len(statements),
        "sentiment": round(sum(said) / len(said), 3) if said else None,
        "score": None if total is None else float(total["score"]),
        "dimensions": dimensions}
    dossier["story"] = _story(dossier)
    return dossier


def _story(d: dict[str, Any]) -> str:
    a, b = d["account"], d["buying"]
    what = ", ".join(str(x) for x in (a.get("industry"), f"{a['size']} people"
                                      if a.get("size") else None) if x)
    lines = [f"{a['name']}{f' ({what})' if what else ''}: {len(d['people'])} people we know "
             f"there, {b['members']} of them or their colleagues customers of ours."]
    if b["orders"]:
        lines.append(f"They have placed {_orders(b['orders'])} worth {b['spend']:,.2f} since "
                     f"{b['first_purchase']}, the last on {b['last_purchase']}.")
    known = [x["known_as"] for x in d["dimensions"] if x["evidence"]]
    unknown = [x["known_as"] for x in d["dimensions"] if not x["evidence"]]
    if known:
        lines.append(f"We know {', '.join(known[:4])}{' and more' if len(known) > 4 else ''}.")
    if unknown:
        lines.append(f"We do not know {', '.join(unknown[:3])}"
                     f"{' and more' if len(unknown) > 3 else ''}.")
    if d["score"] is not None:
        lines.append(f"We know them {d['score']:.0%} as well as we would like to.")
    return " ".join(lines)


def account_list(con: duckdb.DuckDBPyConnection, limit: int = 100,
                 search: str | None = None) -> list[dict[str, Any]]:
    """Accounts with their people, members and how well we know them, best known first."""
    cover = table_exists(con, "coverage")
    score = ("LEFT JOIN (SELECT entity_id AS account_id, score FROM coverage WHERE level = "
             "'account' AND dimension = 'all') s USING (account_id)") if cover else ""
    where, params = "", []
    if search:
        where = "WHERE a.account_id ILIKE ? OR a.name ILIKE ?"
        params = [f"%{search}%"] * 2
    return _rows(con, f"SELECT a.account_id, a.name, a.industry, a.size, coalesce(p.n, 0) AS "
                      f"people, coalesce(m.n, 0) AS customers, "
                      f"{'s.score' if cover else 'NULL'} AS score FROM accounts a "
                      f"LEFT JOIN (SELECT account_id, count(*) AS n FROM contacts GROUP BY 1) p "
                      f"USING (account_id) LEFT JOIN (SELECT account_id, count(*) AS n FROM "
                      f"customers WHERE account_id IS NOT NULL GROUP BY 1) m USING (account_id) "
                      f"{score} {where} ORDER BY score DESC NULLS LAST, a.name, a.account_id "
                      f"LIMIT ?", [*params, limit])
