"""The understanding part of the `Workspace` façade: profiles, coverage, say-vs-do, drivers,
personas, trends and research plans. `Workspace` inherits these methods; they read the tables
that `analyze` wrote and contain no analysis of their own."""

from __future__ import annotations

__all__ = ["UnderstandingMethods"]

import contextlib
import json
from typing import Any

from rapport.errors import ConfigError
from rapport.schema import table_exists
from rapport.store import StoreQueries

_JSON_COLUMNS = {"sources", "methods", "source_list", "method_list", "quotes", "jobs", "values",
                 "pains", "hopes", "fears", "own_words", "behaviour", "demographics",
                 "representatives", "dimensions", "decisions", "plan", "survey"}


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """JSON text columns as Python values."""
    out = {}
    for key, value in row.items():
        if key in _JSON_COLUMNS and isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        out[key] = value
    return out


class UnderstandingMethods(StoreQueries):
    """Part of `Workspace`: the understanding stage's tables, read."""

    def profile(self, customer: str) -> dict[str, Any]:
        """One customer as a person: identity, behaviour, ladder path, their words by facet,
        sentiment over time, themes, what they said they would do and whether they did,
        their persona, how well we know them and what to ask them next. `customer` is a
        customer id, e-mail, phone or external id."""
        from rapport.understand.profile import UnknownCustomer, customer_profile

        key = customer.strip()
        beside = self.beside if self.side_reads else None
        try:  # mostly an id (the pages link by id): its identity read doubles as the lookup
            return customer_profile(self._con, key, beside=beside)
        except UnknownCustomer:
            cid = self.resolve(key)
        if cid is None or cid == key:
            raise ConfigError(f"no customer {customer!r}; find one with "
                              f"`rapport customers --search`.")
        return customer_profile(self._con, cid, beside=beside)

    def account(self, account: str, limit: int = 5) -> dict[str, Any]:
        """One B2B account as a whole: its record, its people and their roles, what its
        members buy, and for each account dimension what we know (at most `limit` pieces of
        evidence, in the words of the notes and feedback that say it) or what to ask.
        `account` is an account id or name."""
        from rapport.understand.dossier import account_dossier

        return account_dossier(self._con, account, limit=limit)

    def accounts(self, search: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The B2B accounts (matching `search` in id or name), best known first: their
        people, customers and coverage score."""
        from rapport.understand.dossier import account_list

        return account_list(self._con, limit=limit, search=search)

    def coverage(self, level: str = "overall", entity: str | None = None,
                 limit: int = 100) -> dict[str, Any]:
        """How well we know our customers: the overall score, each dimension's share answered
        and the blind spots in words (level "overall"); per segment ("segment"), per account
        ("account") or per customer ("customer"; `entity` one customer)."""
        self._require("coverage")
        levels = ("overall", "segment", "account", "customer")
        if level not in levels:
            raise ConfigError(f"coverage level {level!r}: use one of {', '.join(levels)}.")
        params: list[Any] = [level]
        where = "level = ?"
        if entity is not None:
            key = self.resolve(entity) if level == "customer" else entity
            where += " AND (entity_id = ? OR lower(entity_label) = lower(?))"
            params += [key or entity, entity]
        rows = [_decode(r) for r in self._rows(
            f"SELECT * EXCLUDE (level) FROM coverage WHERE {where} ORDER BY segment_kind, "
            f"entity_id, dimension = 'all' DESC, score DESC LIMIT ?", [*params, limit * 20])]
        if entity is not None and not rows:
            raise ConfigError(f"no {level} {entity!r} in the coverage table.")
        result: dict[str, Any] = {"level": level, "rows": rows}
        if level == "overall":
            total = next((r for r in rows if r["dimension"] == "all"), None)
            result["score"] = None if total is None else round(100 * total["score"], 1)
            result["dimensions"] = [
                {"dimension": r["dimension"], "group": r["dimension_group"],
                 "known_share": round(r["answered"], 3), "score": round(r["score"], 3),
                 "sources": round(r["sources"], 2)} for r in rows if r["dimension"] != "all"]
            result["blind_spots"] = self._rows("SELECT * FROM blind_spots ORDER BY rank") \
                if table_exists(self._con, "blind_spots") else []
            result.pop("rows")
        return result

    def say_do(self, kind: str | None = None, limit: int = 50,
               customer: str | None = None) -> dict[str, Any]:
        """Where what customers said and what they did disagree: promoters who lapsed,
        detractors who stay, promises not kept, ratings that contradict the text; each with
        its sources and methods. `kind` filters by type."""
        self._require("say_do")
        where, params = [], []
        if kind:
            where.append("type = ?")
            params.append(kind.strip().lower().replace("-", "_").replace(" ", "_"))
        if customer:
            where.append("customer_id = ?")
            params.append(self.resolve(customer) or customer)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        counts = {r["type"]: r["n"] for r in self._rows(
            "SELECT type, count(*) AS n FROM say_do GROUP BY 1 ORDER BY 2 DESC")}
        if kind and params[0] not in counts:
            raise ConfigError(f"say-vs-do type {kind!r}: use one of "
                              f"{', '.join(sorted(counts)) or '(none found)'}.")
        rows = [_decode(r) for r in self._rows(
            f"SELECT * FROM say_do {clause} ORDER BY strength DESC NULLS LAST, insight_id "
            f"LIMIT ?", [*params, limit])]
        extra = {}
        if table_exists(self._con, "order_outcomes"):
            extra["order_outcomes"] = self._rows(
                "SELECT outcome, count(*) AS reviews, round(avg(rating), 2) AS mean_rating "
                "FROM order_outcomes GROUP BY 1 ORDER BY 1")
        return {"counts": counts, "insights": rows, **extra}

    def drivers(self, outcome: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """What moves ratings, NPS, lapsing and CLV: themes and facets ranked by their share
        of the explained variance, with intervals, "fixing X would move …" and quotes."""
        self._require("drivers")
        outcomes = [r["outcome"] for r in self._rows(
            "SELECT DISTINCT outcome FROM drivers ORDER BY 1")]
        if outcome and outcome not in outcomes:
            raise ConfigError(f"outcome {outcome!r}: use one of "
                              f"{', '.join(outcomes) or '(none: no drivers found)'}.")
        where = "WHERE outcome = ?" if outcome else ""
        return [_decode(r) for r in self._rows(
            f"SELECT * FROM drivers {where} ORDER BY outcome, rank LIMIT ?",
            [*([outcome] if outcome else []), limit if outcome else limit * 4])]

    def personas(self) -> list[dict[str, Any]]:
        """Needs-based personas: name, size, share of value, jobs, values, pains, hopes,
        fears, their own words, behaviour, demographic spread and quotes."""
        self._require("personas")
        return [_decode(r) for r in self._rows("SELECT * FROM personas ORDER BY size DESC")]

    def persona(self, key: str) -> dict[str, Any]:
        """One persona (by id or name) and some of its customers."""
        self._require("personas")
        rows = [_decode(r) for r in self._rows(
            "SELECT * FROM personas WHERE persona_id = ? OR lower(name) = lower(?)", [key, key])]
        if not rows:
            names = [r["name"] for r in self._rows("SELECT name FROM personas ORDER BY 1")]
            raise ConfigError(f"no persona {key!r}; use one of: {', '.join(names)}.")
        persona = rows[0]
        persona["customers"] = self._rows(
            "SELECT c.customer_id, c.name, round(p.confidence, 3) AS confidence FROM "
            "customer_personas p JOIN customers c USING (customer_id) WHERE p.persona_id = ? "
            "ORDER BY p.confidence DESC, c.customer_id LIMIT 20", [persona["persona_id"]])
        return persona

    def trends(self, period: str = "month", start: Any = None,
               end: Any = None) -> dict[str, Any]:
        """What customers say over time (sentiment, facets, themes per period), emerging and
        fading themes, and, with `start` and `end`, ladder flows between the two dates."""
        from rapport.understand.trends import STORED_PERIOD, build_trends, theme_changes

        self._require("statements")
        if (start is None) != (end is None):
            raise ConfigError("ladder flows need both dates: give --from and --to (or neither).")
        if period == STORED_PERIOD and table_exists(self._con, "trends"):  # made by analyze
            frame = self._con.execute("SELECT * FROM trends").fetch_df()
        else:
            frame = build_trends(self._con, period=period).tables["trends"]
        frame["period"] = frame["period"].astype(str).str[:10]
        series = {kind: part.drop(columns=["kind"]).to_dict("records")
                  for kind, part in frame.groupby("kind")}
        result: dict[str, Any] = {"period": period, "series": series,
                                  **theme_changes(self._con)}
        if start is not None and end is not None:
            result["flows"] = self.flows(start, end)  # type: ignore[attr-defined]
        return result

    def recent_flows(self) -> dict[str, Any]:
        """How customers moved on the loyalty ladder over the last `understand.flow_days`
        days, as `analyze` stored it: the period, the count per move and the stage-to-stage
        counts, largest first."""
        self._require("ladder_flows")
        rows = self._rows("SELECT * FROM ladder_flows ORDER BY customers DESC")
        moves: dict[str, int] = {}
        for r in rows:
            moves[r["move"]] = moves.get(r["move"], 0) + int(r["customers"])
        first = rows[0] if rows else {}
        return {"from": str(first.get("period_start", ""))[:10] or None,
                "to": str(first.get("period_end", ""))[:10] or None,
                "moves": moves, "flows": rows}

    def plan(self, target_kind: str, target: str, *, dimensions: int = 3,
             sample_size: int = 20) -> dict[str, Any]:
        """A research plan for a segment, an account or a customer: objective, decisions,
        hypotheses, method, sample, interview guide, survey (SurveyJS JSON), fallback and the
        whole plan as Markdown (key "markdown")."""
        from rapport.understand.plans import research_plan

        if target_kind == "customer":
            target = self.resolve(target) or target
        return research_plan(self._con, target_kind, target, dimensions=dimensions,
                             sample_size=sample_size)
