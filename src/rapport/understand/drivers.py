"""Key drivers: which themes and facets move ratings, NPS, lapsing and CLV, and by how much.

Table `drivers`: one row per (outcome, driver_kind, driver, polarity), see `DRIVERS_COLUMNS`.

Outcomes (each modelled separately, on the units that said something):
- `rating`: feedback rows with a rating (nps, csat, stars5, stars10 or binary) and at least one
  statement. With one scale the rating keeps its own units (binary becomes percentage points);
  with several, every rating is rescaled to 0-100 ((r - lowest) / (highest - lowest) × 100) and a
  fixed effect per scale absorbs the scales' different baselines (R² is then within scales).
- `nps`: nps-rated rows, y = +100 for a promoter (9-10), -100 for a detractor (0-6), 0 for a
  passive. The mean of y is the NPS, and a linear model of y is the difference of the linear
  probability models of being a promoter and of being a detractor: effects are in NPS points.
- `lapse`: customers with statements whose status (customer_behavior) is active or won back
  (y = 0) or at risk or lapsed (y = 100): effects are percentage points of the lapse rate.
- `clv`: buyers with statements and a CLV; y = ln(1 + CLV), effects reported as % of CLV.

Drivers: level-1 themes (statement_themes) and the ten facets. A theme's negative and positive
mentions (the statement's sentiment label) are separate drivers; neutral mentions count for
neither. Pains and fears always count as negative and praise as positive; the other facets are
split like themes. Per feedback row a driver is 1 when any of its statements carries it; per
customer it is the share of the customer's statements that carry it. Kept: drivers that at least
`min_support` units have (never all of them), at most `max_drivers` per outcome, most frequent
first.

Model: least squares of the outcome on all kept drivers at once. `importance` is Johnson's
relative weight (they add up to the model's R²), with a seeded bootstrap percentile interval;
`direction` is the sign of the coefficient, other drivers held equal.

Effect, the change in the outcome's average in its own units, under `action`: `fix` for a
negative driver (its mentions removed: -coefficient × mean(x)), `spread` for a positive one (it
reaches twice as many units: coefficient × min(mean(x), 1 - mean(x))); for clv 100 × (exp(Δ) - 1)
%, the change in a typical (geometric-mean) customer's CLV. `lift`: how much a unit with the
driver differs from one without, other drivers equal (coefficient × mean(x) among the units that
have it). A statement says "fixing X would move NPS by about +Y" only where the action helps;
otherwise it says that it would not.
These are associations in observational data, not experiments. Quotes are `statements.text`
(redacted), the most typical of the driver's statements among the outcome's units: closest to
their theme's centre, for facets one from each of its most frequent themes in turn.
"""

from __future__ import annotations

__all__ = ["DRIVERS_COLUMNS", "OUTCOMES", "build_drivers"]

import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from rapport.errors import ConfigError
from rapport.ingest.ratings import RATING_SCALES
from rapport.schema import table_exists
from rapport.threads import single_threaded
from rapport.understand.relative_weights import (
    bootstrap_weights,
    percentile_interval,
    relative_weights,
)
from rapport.understand.result import Built, Columns, empty_frame

OUTCOMES: tuple[str, ...] = ("rating", "nps", "lapse", "clv")

DRIVERS_COLUMNS: Columns = (
    ("outcome", "string", "rating, nps, lapse or clv"),
    ("outcome_label", "string", "the outcome in words, with its scale and units"),
    ("driver_kind", "string", "theme (level 1) or facet"),
    ("driver", "string", "theme_id or facet name"),
    ("polarity", "string", "which mentions count: negative or positive"),
    ("label", "string", "the theme's label or the facet in words"),
    ("n", "int64", "units (feedback rows or customers) with the driver"),
    ("prevalence", "float64", "share of the outcome's units with the driver"),
    ("coefficient", "float64", "least-squares coefficient (outcome units per unit of x)"),
    ("lift", "float64", "how much a unit with the driver differs, other drivers equal"),
    ("importance", "float64", "Johnson's relative weight: R² share; sums to r2 per outcome"),
    ("importance_low", "float64", "bootstrap interval, lower end"),
    ("importance_high", "float64", "bootstrap interval, upper end"),
    ("importance_share", "float64", "importance / r2: share of the explained variance"),
    ("direction", "string", "raises or lowers the outcome"),
    ("action", "string", "fix (remove its mentions) or spread (twice as many units)"),
    ("effect", "float64", "change in the outcome's average under the action, in its units"),
    ("effect_low", "float64", "bootstrap interval, lower end"),
    ("effect_high", "float64", "bootstrap interval, upper end"),
    ("effect_unit", "string", "units of effect and lift"),
    ("statement", "string", "the finding in one sentence"),
    ("quotes", "string", "JSON list of up to n_quotes {statement_id, feedback_id, text}"),
    ("n_units", "int64", "units in the outcome's model"),
    ("r2", "float64", "the outcome model's R²"),
    ("rank", "int64", "1 = most important driver of the outcome"),
)

FEEDBACK_LEVEL, CUSTOMER_LEVEL = "feedback", "customer"
_FIXED_POLARITY = {"pain": "negative", "fear": "negative", "praise": "positive"}
_FACET_WORDS = {
    "job": "talk of jobs (what they buy for)", "pain": "pains", "value": "values",
    "hope": "hopes", "fear": "fears", "perception": "perceptions of the brand",
    "competitor": "talk of competitors", "suggestion": "suggestions", "praise": "praise",
    "intent": "stated intentions",
}
_RATED = ("nps", "csat", "stars5", "stars10", "binary")
_RATING_UNITS = {"nps": "points (0-10)", "csat": "points (CSAT 1-5)", "stars5": "stars",
                 "stars10": "stars (of 10)", "binary": "percentage points"}


@dataclass(frozen=True)
class DriverKey:
    """One driver: a theme's or facet's mentions of one polarity, and how to name it."""

    key: str
    kind: str
    driver: str
    polarity: str
    label: str
    subject: str  # "Fixing {subject} would ..."
    who: str  # "Customers {who} are ..."


@dataclass(frozen=True)
class Outcome:
    """An outcome to model: its units (`frame`: unit, y, group) and how to speak of it."""

    name: str
    label: str
    unit: str
    target: str
    per: str
    higher_is_better: bool
    log: bool
    level: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class Voice:
    """Statements' driver mentions (one row per statement and driver, with its text and
    level-1 theme), the drivers by key, and each customer's number of statements."""

    mentions: pd.DataFrame
    keys: dict[str, DriverKey]
    statements_per_customer: pd.Series


_STATEMENTS_SQL = """
SELECT s.statement_id, s.feedback_id, s.customer_id, s.text, s.sentiment_label,
       t.theme_id, t.similarity, t.label
FROM statements s LEFT JOIN (
    SELECT st.statement_id, st.theme_id, st.similarity, th.label
    FROM statement_themes st JOIN themes th USING (theme_id)
    WHERE th.level = 1
    QUALIFY row_number() OVER (PARTITION BY st.statement_id
                               ORDER BY st.similarity DESC, st.theme_id) = 1
) t USING (statement_id)
"""


def _theme_key(theme_id: str, label: str, polarity: str) -> DriverKey:
    return DriverKey(f"theme|{theme_id}|{polarity}", "theme", theme_id, polarity, label,
                     f"'{label}' ({polarity} mentions)", f"who mention '{label}' {polarity}ly")


def _facet_key(facet: str, polarity: str) -> DriverKey:
    words = _FACET_WORDS.get(facet, facet)
    label = words if facet in _FIXED_POLARITY else f"{polarity} {words}"
    return DriverKey(f"facet|{facet}|{polarity}", "facet", facet, polarity, label, label,
                     f"who voice {label}")


def load_voice(con: duckdb.DuckDBPyConnection) -> Voice:
    """Every statement's theme and facet mentions, with their polarity (module docstring)."""
    s = con.execute(_STATEMENTS_SQL).fetch_df()
    facets = con.execute("SELECT DISTINCT statement_id, facet FROM statement_facets").fetch_df()
    polar = s["sentiment_label"].isin(["negative", "positive"])
    themes = s[polar & s["theme_id"].notna()].assign(polarity=s["sentiment_label"])
    keys = {k.key: k for k in (_theme_key(t, str(lab), p) for t, lab, p in
            themes[["theme_id", "label", "polarity"]].drop_duplicates().itertuples(index=False))}
    themes = themes.assign(key=[f"theme|{t}|{p}" for t, p in
                                zip(themes["theme_id"], themes["polarity"], strict=True)])
    f = facets.merge(s, on="statement_id")
    fixed = f["facet"].map(_FIXED_POLARITY)
    f = f.assign(polarity=fixed.fillna(f["sentiment_label"]))
    f = f[f["polarity"].isin(["negative", "positive"])]
    f = f.assign(key=[f"facet|{a}|{p}" for a, p in zip(f["facet"], f["polarity"], strict=True)])
    for facet, pol in f[["facet", "polarity"]].drop_duplicates().itertuples(index=False):
        k = _facet_key(str(facet), str(pol))
        keys[k.key] = k
    cols = ["statement_id", "feedback_id", "customer_id", "text", "theme_id", "similarity", "key"]
    mentions = pd.concat([themes[cols], f[cols]], ignore_index=True)
    per_customer = s.dropna(subset=["customer_id"]).groupby("customer_id")["statement_id"].size()
    return Voice(mentions, keys, per_customer)


def _rating_outcome(rated: pd.DataFrame) -> Outcome:
    scales = sorted(rated["rating_scale"].unique())
    frame = pd.DataFrame({"unit": rated["feedback_id"], "group": rated["rating_scale"]})
    if len(scales) == 1 and scales[0] != "binary":
        scale = scales[0]
        lo, hi = RATING_SCALES[scale]
        frame["y"] = rated["rating"].to_numpy(float)
        unit, label = _RATING_UNITS[scale], f"rating ({scale} {lo:g}-{hi:g})"
    else:
        low = rated["rating_scale"].map({k: v[0] for k, v in RATING_SCALES.items()})
        high = rated["rating_scale"].map({k: v[1] for k, v in RATING_SCALES.items()})
        frame["y"] = ((rated["rating"] - low) / (high - low) * 100).to_numpy(float)
        unit = "percentage points" if scales == ["binary"] else "points (0-100 scale)"
        label = "rating (0-100; rescaled from " + ", ".join(
            f"{s} {RATING_SCALES[s][0]:g}-{RATING_SCALES[s][1]:g}" for s in scales) + ")"
    return Outcome("rating", label, unit, "the average rating", "responses", True, False,
                   FEEDBACK_LEVEL, frame)


def _nps_outcome(rated: pd.DataFrame) -> Outcome:
    nps = rated[rated["rating_scale"] == "nps"]
    r = nps["rating"].to_numpy(float)
    y = np.where(r >= 9, 100.0, np.where(r <= 6, -100.0, 0.0))
    frame = pd.DataFrame({"unit": nps["feedback_id"], "y": y, "group": "nps"})
    return Outcome("nps", "NPS (promoters 9-10 minus detractors 0-6, in points)", "points",
                   "NPS", "responses", True, False, FEEDBACK_LEVEL, frame)


def _customer_outcomes(con: duckdb.DuckDBPyConnection) -> dict[str, Outcome]:
    b = con.execute(
        "SELECT customer_id, status, clv FROM customer_behavior WHERE customer_id IN "
        "(SELECT customer_id FROM statements WHERE customer_id IS NOT NULL)").fetch_df()
    known = b[b["status"].isin(["active", "won back", "at risk", "lapsed"])]
    lapse = pd.DataFrame({"unit": known["customer_id"], "group": "all",
                          "y": np.where(known["status"].isin(["at risk", "lapsed"]), 100.0, 0)})
    valued = b[b["clv"].notna() & (b["clv"] >= 0) & (b["status"] != "never bought")]
    clv = pd.DataFrame({"unit": valued["customer_id"], "group": "all",
                        "y": np.log1p(valued["clv"].to_numpy(float))})
    return {
        "lapse": Outcome("lapse", "lapse rate (% of customers at risk or lapsed)", "points",
                         "the lapse rate", "customers", False, False, CUSTOMER_LEVEL, lapse),
        "clv": Outcome("clv", "CLV (modelled as ln(1 + CLV); effects in % of CLV)", "%",
                       "the typical customer's CLV", "customers", True, True, CUSTOMER_LEVEL, clv),
    }


def load_outcomes(
    con: duckdb.DuckDBPyConnection, wanted: list[str], *, min_units: int
) -> tuple[list[Outcome], list[str]]:
    """The outcomes asked for that the store can give, and notes on those it cannot."""
    rated = con.execute(
        "SELECT feedback_id, rating, rating_scale FROM feedback WHERE rating IS NOT NULL AND "
        f"rating_scale IN ({', '.join(repr(s) for s in _RATED)}) AND feedback_id IN "
        "(SELECT feedback_id FROM statements) ORDER BY feedback_id").fetch_df()
    found: dict[str, Outcome] = {}
    notes: list[str] = []
    if len(rated):
        found["rating"] = _rating_outcome(rated)
    if (rated["rating_scale"] == "nps").any():
        found["nps"] = _nps_outcome(rated)
    if table_exists(con, "customer_behavior"):
        found.update(_customer_outcomes(con))
    elif {"lapse", "clv"} & set(wanted):
        notes.append("No lapse or CLV drivers: customer_behavior is missing (ingest "
                     "transactions and run `rapport analyze`).")
    out = []
    for name in (n for n in OUTCOMES if n in wanted):
        o = found.get(name)
        if o is None:
            if name in ("rating", "nps"):
                what = "rated" if name == "rating" else "nps-rated"
                notes.append(f"No {name} drivers: no {what} feedback with text.")
            continue
        n = len(o.frame)
        if n < min_units or float(np.ptp(o.frame["y"])) == 0:
            notes.append(f"No {name} drivers: {n} {o.per} with text and a {name} "
                         f"{'that varies ' if n >= min_units else ''}(at least {min_units} "
                         "needed; see drivers_min_units).")
            continue
        out.append(o)
    return out, notes


def _unit_column(o: Outcome) -> str:
    return "feedback_id" if o.level == FEEDBACK_LEVEL else "customer_id"


def sample_mentions(o: Outcome, voice: Voice) -> pd.DataFrame:
    """The mentions made by the outcome's units."""
    col = _unit_column(o)
    return voice.mentions[voice.mentions[col].isin(pd.Index(o.frame["unit"]))]


def design_matrix(
    o: Outcome, m: pd.DataFrame, voice: Voice, *, min_support: int, max_drivers: int
) -> tuple[sp.csr_matrix, list[DriverKey], np.ndarray]:
    """Units × kept drivers (1/0 per feedback row, share of statements per customer) from the
    units' mentions `m`, the drivers, and how many units have each."""
    col = _unit_column(o)
    index = pd.Index(o.frame["unit"])
    cells = m.groupby([col, "key"])["statement_id"].nunique().rename("value").reset_index()
    if o.level == FEEDBACK_LEVEL:
        cells["value"] = 1.0
    else:
        cells["value"] = cells["value"] / cells[col].map(voice.statements_per_customer)
    counts = cells.groupby("key").size().rename("n").reset_index()
    counts = counts[(counts["n"] >= min_support) & (counts["n"] < len(index))]
    counts = counts.sort_values(["n", "key"], ascending=[False, True]).head(max_drivers)
    keys = counts["key"].tolist()
    cells = cells[cells["key"].isin(keys)]
    rows = index.get_indexer(cells[col])
    cols = pd.Index(keys).get_indexer(cells["key"])
    x = sp.csr_matrix((cells["value"].to_numpy(float), (rows, cols)),
                      shape=(len(index), len(keys)))
    return x, [voice.keys[k] for k in keys], counts["n"].to_numpy(float)


def pick_quotes(m: pd.DataFrame, n: int) -> str:
    """JSON list of the most typical of one driver's mentions `m`: one from each of its most
    frequent themes in turn, closest to the theme's centre first."""
    m = m.sort_values(["similarity", "statement_id"], ascending=[False, True])
    size = m.groupby("theme_id", dropna=False)["statement_id"].transform("size")
    order = m.groupby("theme_id", dropna=False).cumcount()
    m = m.assign(_size=size, _order=order).sort_values(
        ["_order", "_size", "theme_id", "similarity"], ascending=[True, False, True, False])
    quotes: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in m.itertuples(index=False):
        if len(quotes) >= n:
            break
        text = str(row.text)
        if text.strip().lower() in seen:
            continue
        seen.add(text.strip().lower())
        quotes.append({"statement_id": str(row.statement_id),
                       "feedback_id": str(row.feedback_id), "text": text})
    return json.dumps(quotes, ensure_ascii=False)


def _check(
    outcomes: str | Sequence[str], min_support: int, max_drivers: int, n_boot: int,
    confidence: float, min_units: int, n_quotes: int,
) -> list[str]:
    """The outcomes asked for, as a list (a string may list them separated by commas)."""
    wanted = [o.strip() for o in outcomes.split(",")] if isinstance(outcomes, str) \
        else list(outcomes)
    unknown = sorted(set(wanted) - set(OUTCOMES))
    if unknown:
        raise ConfigError(f"Unknown driver outcome(s) {unknown}; use any of "
                          f"{', '.join(OUTCOMES)}, e.g. outcomes='rating,nps'.")
    for name, value, low in (("min_support", min_support, 2), ("max_drivers", max_drivers, 1),
                             ("n_boot", n_boot, 10), ("min_units", min_units, 10),
                             ("n_quotes", n_quotes, 0)):
        if int(value) != value or value < low:
            raise ConfigError(f"drivers {name} must be a whole number >= {low}, got {value!r}.")
    if not 0.5 <= confidence < 1:
        raise ConfigError(f"drivers confidence must be in [0.5, 1), e.g. 0.95; got {confidence}.")
    return wanted


def _fmt(x: float) -> str:
    size = abs(x)
    digits = 0 if size >= 10 else 1 if size >= 1 else 2
    return f"{x:+.{digits}f}"


def _amount(x: float, unit: str) -> str:
    return f"{_fmt(x)}%" if unit == "%" else f"{_fmt(x)} {unit}"


def _statement(o: Outcome, key: DriverKey, action: str, effect: float, lift: float) -> str:
    improve = "raise" if o.higher_is_better else "lower"
    helps = (effect > 0) == o.higher_is_better and effect != 0
    doing = "fixing it" if action == "fix" else "spreading it"
    amount = _amount(effect, o.unit)
    if o.level == FEEDBACK_LEVEL:
        if not helps:
            side = "higher" if lift > 0 else "lower"
            return (f"{o.per.capitalize()} with {key.subject} score about "
                    f"{_amount(abs(lift), o.unit)[1:]} {side}, other drivers equal, so "
                    f"{doing} would not {improve} {o.target}.")
        if action == "fix":
            return f"Fixing {key.subject} would move {o.target} by about {amount}."
        return (f"If {key.subject} reached twice as many {o.per}, {o.target} would move by "
                f"about {amount}.")
    if o.name == "lapse":
        more = "more" if lift > 0 else "less"
        head = (f"Customers {key.who} are about {abs(lift):.0f} points {more} likely to be "
                "lapsed or at risk")
    else:
        more = "higher" if lift > 0 else "lower"
        head = f"Customers {key.who} have about {abs(lift):.0f}% {more} CLV"
    if not helps:
        return f"{head}, other drivers equal; {doing} would not {improve} {o.target}."
    if action == "fix":
        return f"{head}; fixing it would move {o.target} by about {amount}."
    return f"{head}; if twice as many customers did, {o.target} would move by about {amount}."


def _effects(coef: np.ndarray, means: np.ndarray, fix: np.ndarray, log: bool) -> np.ndarray:
    """Change in the outcome's average: a negative driver's mentions removed (`fix`), a
    positive one's reach doubled."""
    change = coef * np.where(fix, -means, np.minimum(means, 1 - means))
    return 100 * np.expm1(change) if log else change


def _rows(
    o: Outcome, keys: list[DriverKey], counts: np.ndarray, x: sp.csr_matrix,
    m: pd.DataFrame, *, n_boot: int, confidence: float, seed: int, n_quotes: int,
) -> tuple[pd.DataFrame, float]:
    y, groups = o.frame["y"].to_numpy(float), o.frame["group"].to_numpy()
    fit = relative_weights(x, y, groups)
    draws = bootstrap_weights(x, y, groups, n_boot=n_boot, seed=seed)
    fix = np.array([k.polarity == "negative" for k in keys])
    effect = _effects(fit.coef, fit.means, fix, o.log)
    drawn = _effects(draws.coef, draws.means, fix, o.log)
    eff_low, eff_high = percentile_interval(drawn, confidence)
    imp_low, imp_high = percentile_interval(draws.weights, confidence)
    lift = fit.coef * np.asarray(x.sum(axis=0)).ravel() / np.maximum(counts, 1)
    lift = 100 * np.expm1(lift) if o.log else lift
    by_key = dict(tuple(m[m["key"].isin([k.key for k in keys])].groupby("key")))
    n = len(o.frame)
    rows = []
    for j, key in enumerate(keys):
        action = "fix" if fix[j] else "spread"
        rows.append({
            "outcome": o.name, "outcome_label": o.label, "driver_kind": key.kind,
            "driver": key.driver, "polarity": key.polarity, "label": key.label,
            "n": int(counts[j]), "prevalence": counts[j] / n,
            "coefficient": fit.coef[j], "lift": lift[j], "importance": fit.weights[j],
            "importance_low": imp_low[j], "importance_high": imp_high[j],
            "importance_share": fit.weights[j] / fit.r2 if fit.r2 > 0 else 0.0,
            "direction": "raises" if fit.coef[j] > 0 else "lowers", "action": action,
            "effect": effect[j], "effect_low": eff_low[j], "effect_high": eff_high[j],
            "effect_unit": o.unit,
            "statement": _statement(o, key, action, effect[j], lift[j]),
            "quotes": pick_quotes(by_key[key.key], n_quotes),
            "n_units": n, "r2": fit.r2,
        })
    frame = pd.DataFrame(rows).sort_values(["importance", "driver", "polarity"],
                                           ascending=[False, True, True])
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame, fit.r2


def _model(
    o: Outcome, voice: Voice, *, min_support: int, max_drivers: int, n_boot: int,
    confidence: float, seed: int, n_quotes: int,
) -> tuple[pd.DataFrame, dict[str, object], list[str]]:
    n = len(o.frame)
    m = sample_mentions(o, voice)
    x, keys, counts = design_matrix(o, m, voice, min_support=min_support,
                                    max_drivers=max_drivers)
    if not keys:
        return empty_frame(DRIVERS_COLUMNS), {"n_units": n, "drivers": 0}, [
            f"{o.name}: no theme or facet is mentioned by at least {min_support} of the "
            f"{n} {o.per}; lower drivers_min_support to see drivers."]
    frame, r2 = _rows(o, keys, counts, x, m, n_boot=n_boot, confidence=confidence,
                      seed=seed, n_quotes=n_quotes)
    k = len(keys) + int(o.frame["group"].nunique()) - 1
    adjusted = 1 - (1 - r2) * (n - 1) / max(n - k - 1, 1)
    summary: dict[str, object] = {
        "n_units": n, "drivers": len(keys), "r2": round(r2, 4),
        "r2_adjusted": round(adjusted, 4), "top": frame["statement"].iloc[0],
    }
    notes = []
    if adjusted < 0.02:
        frame["statement"] = (f"Weak model (adjusted R² {adjusted:.2f}), read with care: "
                              + frame["statement"])
        summary["top"] = frame["statement"].iloc[0]
        notes.append(f"{o.name}: themes and facets explain little of the {o.label} (R² "
                     f"{r2:.2f}, {adjusted:.2f} adjusted for the {len(keys)} drivers); "
                     "read its drivers as weak.")
    return frame, summary, notes


def _missing(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for t in ("feedback", "statements", "statement_themes", "themes",
                        "statement_facets") if not table_exists(con, t)]


def build_drivers(
    con: duckdb.DuckDBPyConnection,
    *,
    outcomes: str | Sequence[str] = OUTCOMES,
    min_support: int = 20,
    max_drivers: int = 60,
    n_boot: int = 200,
    confidence: float = 0.95,
    min_units: int = 50,
    n_quotes: int = 3,
    seed: int = 0,
) -> Built:
    """Key drivers of each outcome (see the module's docstring for the rules).

    outcomes: which of rating, nps, lapse, clv to model (a list, or one string separated by
    commas). min_support: least units (feedback rows or customers) that must have a driver for
    it to enter a model. max_drivers: most drivers per model (the most frequent). n_boot:
    bootstrap resamples for the intervals. confidence: the intervals' coverage. min_units: least
    units to model an outcome at all. n_quotes: quotes per driver. seed: the bootstrap's seed.
    """
    wanted = _check(outcomes, min_support, max_drivers, n_boot, confidence, min_units, n_quotes)
    missing = _missing(con)
    if missing:
        return Built(tables={"drivers": empty_frame(DRIVERS_COLUMNS)},
                     summary={"outcomes": {}},
                     notes=[f"No key drivers: table(s) {', '.join(missing)} missing; ingest "
                            "feedback and run `rapport analyze` (the voice stage) first."])
    voice = load_voice(con)
    found, notes = load_outcomes(con, wanted, min_units=min_units)
    frames, summary = [], {}
    for o in found:
        with single_threaded():
            frame, info, more = _model(o, voice, min_support=min_support,
                                       max_drivers=max_drivers, n_boot=n_boot,
                                       confidence=confidence, seed=seed, n_quotes=n_quotes)
        summary[o.name] = info
        notes += more
        if len(frame):
            frames.append(frame)
    table = (pd.concat(frames, ignore_index=True) if frames else empty_frame(DRIVERS_COLUMNS))
    table = table[[c for c, _, _ in DRIVERS_COLUMNS]].astype(
        {c: t for c, t, _ in DRIVERS_COLUMNS})
    if frames:
        notes.append("Drivers are associations in observational data, not experiments: "
                     "an effect assumes that fixing a cause removes its effect.")
    return Built(tables={"drivers": table.reset_index(drop=True)},
                 summary={"outcomes": summary, "rows": len(table)}, notes=notes)
