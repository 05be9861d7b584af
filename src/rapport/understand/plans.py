"""Research plans: what to ask next, of whom, and why.

A plan starts from the largest gaps in `coverage` for a target (a segment, an account or one
customer): the dimensions least known, weighted by their importance in the knowledge framework.
For each it states the objective, the decisions the answer informs, hypotheses (seeded with what
the data already shows for the customers we do know), the method (the dimension's own; a plan
for more than `interview_max` people surveys and interviews a few), the sample (customers in
the target who are reachable, most valuable and least known first, with the reason for each),
an interview guide and a survey, and a fallback. Plans export as Markdown and as a survey
definition in SurveyJS's JSON format, which survey tools import.
"""

from __future__ import annotations

__all__ = ["PLAN_COLUMNS", "build_plans", "plan_markdown", "research_plan", "survey_json"]

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from rapport.errors import ConfigError, NotAnalyzedError
from rapport.ingest.sqltools import ident, lit
from rapport.schema import table_exists

from .coverage import segment_phrase
from .evidence import statements_of
from .knowledge import Dimension, Framework, load_framework
from .result import Built, Columns

PLAN_COLUMNS: Columns = (
    ("plan_id", "string", "a stable id for the target"),
    ("target_kind", "string", "segment, account or customer"),
    ("target_id", "string", "the segment (kind:name), account_id or customer_id"),
    ("target_label", "string", "the target in words"),
    ("objective", "string", "what the research is for"),
    ("dimensions", "string", "JSON list of the gaps it closes"),
    ("decisions", "string", "JSON list of the decisions it informs"),
    ("method", "string", "interview, survey, observation, or a mix"),
    ("sample_size", "int64", "how many people to ask"),
    ("plan", "string", "the whole plan as JSON"),
    ("markdown", "string", "the plan as Markdown"),
    ("survey", "string", "the survey definition (SurveyJS JSON)"),
    ("created_at", "datetime64[us]", "when it was written"),
)

_FACETS_OF = {"jobs": ("job",), "values": ("value",), "pains": ("pain",),
              "hopes": ("hope", "suggestion"), "fears": ("fear",),
              "perception": ("perception", "praise"), "competitors": ("competitor",),
              "account needs": ("job", "hope", "fear", "pain"),
              "account competitors": ("competitor",)}


def _target(con: duckdb.DuckDBPyConnection, kind: str, key: str) -> tuple[str, str, str]:
    """(entity_id in coverage, label, level) of the target; clear errors when unknown."""
    if kind == "customer":
        rows = con.execute("SELECT customer_id, coalesce(name, customer_id) FROM customers "
                           "WHERE customer_id = ?", [key]).fetchall()
        if not rows:
            raise ConfigError(f"no customer {key!r}; find one with `rapport customers`.")
        return rows[0][0], rows[0][1], "customer"
    if kind == "account":
        rows = con.execute("SELECT account_id, coalesce(name, account_id) FROM accounts WHERE "
                           "account_id = ? OR lower(name) = lower(?)", [key, key]).fetchall()
        if not rows:
            raise ConfigError(f"no account {key!r}; list them with "
                              f"`rapport sql \"SELECT account_id, name FROM accounts\"`.")
        return rows[0][0], rows[0][1], "account"
    if kind != "segment":
        raise ConfigError(f"plans are for a segment, an account or a customer, not {kind!r}.")
    wanted = key.strip().lower().replace("-", " ").replace("_", " ")
    aliases = {"all": "all customers", "everyone": "all customers",
               "high value": "high value customers"}
    wanted = aliases.get(wanted, wanted)
    rows = con.execute(
        "SELECT DISTINCT entity_id, entity_label, segment_kind FROM coverage WHERE level IN "
        "('segment', 'overall')").fetchall()
    for entity_id, label, _ in rows:
        if wanted in (str(label).lower().replace("-", " "), str(entity_id).lower()):
            return entity_id, label, "segment"
    if table_exists(con, "customer_personas"):
        persona = con.execute("SELECT DISTINCT persona FROM customer_personas WHERE "
                              "lower(persona_id) = ?", [wanted]).fetchall()
        if persona:
            return f"persona:{persona[0][0]}", persona[0][0], "segment"
    names = sorted({str(label) for _, label, _ in rows})
    raise ConfigError(f"no segment {key!r}; use one of: {', '.join(names)}.")


def _gaps(con: duckdb.DuckDBPyConnection, entity_id: str, dims: tuple[Dimension, ...],
          count: int, cache: dict[Any, Any]) -> list[dict[str, Any]]:
    if "gaps" not in cache:  # segments and accounts: one read, kept; customers one by one
        cache["gaps"] = dict(tuple(con.execute(
            "SELECT entity_id, dimension, score, answered, evidence FROM coverage WHERE "
            "level <> 'customer' AND dimension <> 'all'").fetch_df().groupby("entity_id")))
    rows = cache["gaps"].get(entity_id)
    if rows is None:
        rows = con.execute("SELECT dimension, score, answered, evidence FROM coverage "
                           "WHERE entity_id = ? AND dimension <> 'all'", [entity_id]).fetch_df()
    by_name = {d.name: d for d in dims}
    rows = rows[rows["dimension"].isin(by_name)].copy()
    if rows.empty:
        return []
    rows["gap"] = (1 - rows["score"]) * rows["dimension"].map(lambda n: by_name[n].weight)
    rows = rows[rows["score"] < 0.75].sort_values("gap", ascending=False).head(count)
    records: list[dict[str, Any]] = [dict(r) for r in rows.to_dict("records")]
    return [{"dimension": r["dimension"], "label": by_name[r["dimension"]].label,
             "known_as": by_name[r["dimension"]].known_as, "score": round(float(r["score"]), 3),
             "known_share": round(float(r["answered"]), 3)} for r in records]


def _members(kind: str, entity_id: str, high_value_share: float) -> str:
    """SQL selecting the customer_ids of the target."""
    if kind == "customer":
        return f"SELECT {lit(entity_id)} AS customer_id"
    if kind == "account":
        key = lit(entity_id)
        return (f"SELECT customer_id FROM customers WHERE account_id = {key} UNION "
                f"SELECT customer_id FROM contacts WHERE account_id = {key} AND customer_id "
                f"IS NOT NULL")
    seg_kind, _, name = entity_id.partition(":")
    if seg_kind == "all":
        return "SELECT customer_id FROM customers"
    if seg_kind == "value":
        share = 1 - high_value_share
        return (f"SELECT customer_id FROM customer_behavior WHERE n_orders > 0 AND clv >= "
                f"(SELECT quantile_cont(clv, {share}) FROM customer_behavior WHERE n_orders > 0)")
    if seg_kind == "persona":
        return f"SELECT customer_id FROM customer_personas WHERE persona = {lit(name)}"
    return f"SELECT customer_id FROM customer_behavior WHERE {ident(seg_kind)} = {lit(name)}"


_ANSWERS = (
    "SELECT {key} AS key, split_part(t.label, ' / ', 1) AS label, "
    "count(DISTINCT s.statement_id) AS n FROM ({statements}) s "
    "JOIN statement_facets f USING (statement_id) JOIN statement_themes st USING (statement_id) "
    "JOIN themes t ON t.theme_id = st.theme_id AND t.level = 1 WHERE f.facet IN ({facets}) "
    "{scope} GROUP BY 1, 2 ORDER BY 1, n DESC, label"
)


def _known_answers(con: duckdb.DuckDBPyConnection, level: str, entity_id: str, members: str,
                   dim: Dimension, cache: dict[Any, Any], limit: int = 6) -> list[str]:
    """The themes the target's customers (or, failing that, anyone) gave for a dimension.
    Answers of every account, and everyone's, are read once and kept in `cache`."""
    facets = _FACETS_OF.get(dim.name)
    if not facets or not table_exists(con, "statement_themes"):
        return []
    listed = ", ".join(lit(f) for f in facets)

    def grouped(key: str, statements: str, scope: str = "") -> dict[str, list[str]]:
        frame = con.execute(_ANSWERS.format(key=key, statements=statements, facets=listed,
                                            scope=scope)).fetch_df()
        return {str(k): [str(x) for x in g["label"].head(limit)]
                for k, g in frame.groupby("key", sort=False)}

    if level == "account":
        if ("account", dim.name) not in cache:
            cache[("account", dim.name)] = grouped("s.entity_id", statements_of("account"))
        own = cache[("account", dim.name)].get(entity_id)
    else:
        own = grouped("'target'", "SELECT * FROM statements",
                      f"AND s.customer_id IN ({members})").get("target")
    if own:
        return list(own)
    if ("all", dim.name) not in cache:
        cache[("all", dim.name)] = grouped("'all'", "SELECT * FROM statements")
    return list(cache[("all", dim.name)].get("all", []))


def _sample(con: duckdb.DuckDBPyConnection, members: str, gaps: list[dict[str, Any]],
            size: int, target_kind: str) -> list[dict[str, Any]]:
    """Reachable customers of the target, least known and most valuable first."""
    dims = ", ".join(lit(g["dimension"]) for g in gaps) or "''"
    behavior = table_exists(con, "customer_behavior")
    clv = "b.clv" if behavior else "NULL"
    status = "b.status" if behavior else "NULL"
    join = "LEFT JOIN customer_behavior b USING (customer_id)" if behavior else ""
    reachable = "" if target_kind == "customer" else \
        "AND (c.email IS NOT NULL OR c.phone IS NOT NULL)"
    alive = "" if target_kind == "customer" or not behavior else \
        "AND coalesce(b.status, '') NOT IN ('lapsed')"
    rows = con.execute(
        f"SELECT c.customer_id, coalesce(c.name, c.customer_id) AS name, {clv} AS clv, "
        f"{status} AS status, coalesce(avg(cv.score), 0) AS known, "
        "list(cv.dimension ORDER BY cv.dimension) FILTER (WHERE cv.answered = 0) AS unknown "
        f"FROM customers c {join} LEFT JOIN coverage cv ON cv.level = 'customer' AND "
        f"cv.entity_id = c.customer_id AND cv.dimension IN ({dims}) "
        f"WHERE c.customer_id IN ({members}) {reachable} {alive} "
        "GROUP BY ALL ORDER BY known, clv DESC NULLS LAST, c.customer_id LIMIT ?", [size]
    ).fetchall()
    out = []
    for cid, name, value, state, known, unknown in rows:
        why = []
        if value is not None:
            why.append(f"CLV {value:,.0f}")
        if state:
            why.append(str(state))
        if unknown:
            why.append("we know nothing of " + ", ".join(unknown))
        out.append({"customer_id": cid, "name": name, "clv": None if value is None
                    else round(float(value), 2), "known": round(float(known), 3),
                    "reason": "; ".join(why)})
    return out


_CRITERIA = {
    "segment": "reachable (an e-mail or phone), not lapsed, least known on these questions "
               "first, then the most valuable",
    "account": "the account's contacts, the people who decide and champion us first",
    "customer": "this customer",
}
_ROLE_ORDER = {"decision maker": 0, "champion": 1, "finance": 2, "user": 3, "blocker": 4}


def _contacts(con: duckdb.DuckDBPyConnection, account_id: str,
              size: int) -> list[dict[str, Any]]:
    """An account's contacts to talk to, decision makers and champions first."""
    rows = con.execute(
        "SELECT coalesce(customer_id, contact_id), coalesce(name, contact_id), title, role "
        "FROM contacts WHERE account_id = ? ORDER BY contact_id", [account_id]).fetchall()
    rows.sort(key=lambda r: (_ROLE_ORDER.get(str(r[3]).lower(), 9), str(r[1])))
    return [{"customer_id": key, "name": name, "clv": None, "known": None,
             "reason": ", ".join(str(x) for x in (title, role) if x)}
            for key, name, title, role in rows[:size]]


def research_plan(con: duckdb.DuckDBPyConnection, target_kind: str, target: str, *,
                  framework: Framework | None = None, dimensions: int = 3,
                  sample_size: int = 20, interview_max: int = 12,
                  cache: dict[Any, Any] | None = None) -> dict[str, Any]:
    """A research plan for a segment, an account or a customer (see the module). `cache`
    keeps what several plans read alike (pass one dict to a batch of plans)."""
    cache = {} if cache is None else cache
    if not table_exists(con, "coverage"):
        raise NotAnalyzedError("research plans need the coverage table; run `rapport analyze`.")
    fw = framework or load_framework()
    entity_id, label, level = _target(con, target_kind, target)
    dims = fw.at("account" if level == "account" else "customer")
    gaps = _gaps(con, entity_id, dims, dimensions, cache)
    seg_kind = entity_id.partition(":")[0] if level == "segment" else level
    who = (segment_phrase(seg_kind, label) if level == "segment"
           else label if level == "customer" else f"{label} (account)")
    members = _members(level, entity_id, fw.high_value_share)
    chosen = [fw.get(g["dimension"]) for g in gaps]
    sample = (_contacts(con, entity_id, sample_size) if level == "account" else
              _sample(con, members, gaps, sample_size if level != "customer" else 1, level))
    methods = sorted({d.method for d in chosen}) or ["survey"]
    if level == "segment" and len(sample) > interview_max and "interview" in methods:
        method = f"survey of {len(sample)}, then interviews with {interview_max} of them"
    else:
        method = " and ".join(methods)
    questions: list[dict[str, Any]] = []
    guide: list[str] = []
    hypotheses: list[str] = []
    for dim in chosen:
        known = _known_answers(con, level, entity_id, members, dim, cache)
        for h in dim.hypotheses:
            if "{known}" in h:
                h = h.replace("{known}", " or ".join(f"'{k}'" for k in known[:2])) if known \
                    else f"We do not know {dim.known_as} yet; the answers will tell."
            hypotheses.append(h)
        guide += dim.interview
        for item in dim.survey:
            choices = [*known, "something else"] if item.choices == "themes" \
                else list(item.choices)
            if item.choices == "themes" and not known:
                if item.type in ("single", "multiple"):
                    questions.append({"type": "open", "text": item.text, "dimension": dim.name,
                                      "choices": []})
                continue
            questions.append({"type": item.type, "text": item.text, "dimension": dim.name,
                              "choices": choices})
    gap_words = ", ".join(f"{g['known_as']} (known for {g['known_share']:.0%})"
                          if level == "segment" else f"{g['known_as']}" for g in gaps)
    plan = {
        "plan_id": "plan-" + hashlib.sha1(f"{level}:{entity_id}".encode()).hexdigest()[:10],
        "target_kind": level, "target_id": entity_id, "target_label": label, "who": who,
        "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "gaps": gaps,
        "objective": (f"Learn, for {who}: {gap_words}." if gaps else
                      f"We already know {who} well on every dimension; refresh the oldest "
                      f"evidence."),
        "decisions": sorted({x for d in chosen for x in d.decisions}),
        "hypotheses": hypotheses, "method": method,
        "sample": {"size": len(sample), "customers": sample,
                   "criteria": _CRITERIA[level]},
        "interview_guide": guide, "survey_questions": questions,
        "fallback": " ".join(d.fallback for d in chosen if d.fallback),
    }
    plan["survey"] = survey_json(plan)
    plan["markdown"] = plan_markdown(plan)
    return plan


def survey_json(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan's survey in SurveyJS's JSON format (importable into SurveyJS Creator and the
    many tools that read it)."""
    elements: list[dict[str, Any]] = []
    for i, q in enumerate(plan["survey_questions"], start=1):
        base: dict[str, Any] = {"name": f"q{i}_{q['dimension'].replace(' ', '_')}",
                                "title": q["text"]}
        if q["type"] == "open":
            elements.append({"type": "comment", **base})
        elif q["type"] == "single":
            elements.append({"type": "radiogroup", **base, "choices": q["choices"]})
        elif q["type"] == "multiple":
            elements.append({"type": "checkbox", **base, "choices": q["choices"]})
        elif q["type"] == "nps":
            elements.append({"type": "rating", **base, "rateMin": 0, "rateMax": 10,
                             "minRateDescription": "not at all likely",
                             "maxRateDescription": "extremely likely"})
        else:
            elements.append({"type": "rating", **base, "rateValues": q["choices"]})
    return {"title": f"What we would like to know: {plan['who']}",
            "description": plan["objective"], "pages": [{"name": "questions",
                                                         "elements": elements}]}


def plan_markdown(plan: dict[str, Any]) -> str:
    """The plan as a Markdown document."""
    lines = [f"# Research plan: {plan['who']}", "", f"**Objective.** {plan['objective']}", ""]
    if plan["decisions"]:
        lines += ["**Decisions it informs.** " + "; ".join(plan["decisions"]) + ".", ""]
    if plan["gaps"]:
        lines += ["## What we do not know", ""]
        lines += [f"- {g['label']}: coverage {g['score']:.0%}"
                  + (f", answered for {g['known_share']:.0%}" if plan["target_kind"] ==
                     "segment" else "") for g in plan["gaps"]]
        lines.append("")
    if plan["hypotheses"]:
        lines += ["## Hypotheses", ""] + [f"- {h}" for h in plan["hypotheses"]] + [""]
    lines += ["## Method", "", plan["method"].capitalize() + ".", "", "## Sample", "",
              f"{plan['sample']['size']} people; {plan['sample']['criteria']}.", ""]
    for person in plan["sample"]["customers"][:25]:
        lines.append(f"- {person['name']} ({person['customer_id']}): {person['reason']}")
    lines.append("")
    if plan["interview_guide"]:
        lines += ["## Interview guide", ""]
        lines += [f"{i}. {q}" for i, q in enumerate(plan["interview_guide"], start=1)] + [""]
    if plan["survey_questions"]:
        lines += ["## Survey", ""]
        for i, q in enumerate(plan["survey_questions"], start=1):
            extra = f" ({' / '.join(q['choices'])})" if q["choices"] else \
                (" (0-10)" if q["type"] == "nps" else "")
            lines.append(f"{i}. {q['text']}{extra}")
        lines.append("")
    if plan["fallback"]:
        lines += ["## If it does not work", "", plan["fallback"], ""]
    return "\n".join(lines)


def _row(plan: dict[str, Any]) -> dict[str, Any]:
    return {"plan_id": plan["plan_id"], "target_kind": plan["target_kind"],
            "target_id": plan["target_id"], "target_label": plan["target_label"],
            "objective": plan["objective"],
            "dimensions": json.dumps([g["dimension"] for g in plan["gaps"]]),
            "decisions": json.dumps(plan["decisions"]), "method": plan["method"],
            "sample_size": plan["sample"]["size"], "plan": json.dumps(plan, default=str),
            "markdown": plan["markdown"], "survey": json.dumps(plan["survey"]),
            "created_at": pd.Timestamp(plan["created_at"])}


def build_plans(con: duckdb.DuckDBPyConnection, *, framework: Framework | None = None,
                max_accounts: int = 200) -> Built:
    """Plans for everyone, the high-value customers, each persona and the `max_accounts`
    accounts that spend most (any other target: `research_plan`, on demand)."""
    if not table_exists(con, "coverage"):
        return Built({"research_plans": pd.DataFrame(columns=[c for c, _, _ in PLAN_COLUMNS])},
                     {}, ["no coverage yet."])
    targets: list[tuple[str, str]] = [("segment", "all customers")]
    segments = con.execute("SELECT DISTINCT entity_label, segment_kind FROM coverage WHERE "
                           "segment_kind IN ('value', 'persona') ORDER BY 2, 1").fetchall()
    targets += [("segment", str(label)) for label, _ in segments]
    targets += [("account", str(a)) for (a,) in con.execute(
        "SELECT a.account_id FROM accounts a LEFT JOIN (SELECT c.account_id, sum(t.amount) AS "
        "spend FROM customers c JOIN transactions t USING (customer_id) GROUP BY 1) v "
        "USING (account_id) ORDER BY v.spend DESC NULLS LAST, a.account_id LIMIT ?",
        [max_accounts]).fetchall()]
    cache: dict[Any, Any] = {}
    plans = [research_plan(con, kind, key, framework=framework, cache=cache)
             for kind, key in targets]
    frame = pd.DataFrame([_row(p) for p in plans], columns=[c for c, _, _ in PLAN_COLUMNS])
    frame["created_at"] = pd.to_datetime(frame["created_at"]).astype("datetime64[us]")
    frame["sample_size"] = frame["sample_size"].astype("int64")
    return Built({"research_plans": frame}, {"plans": len(frame)}, [])
