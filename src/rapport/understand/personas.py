"""Needs-based personas: customers grouped by what they need and how they behave, never by
who they are.

Rules:
- Features are what customers buy (products, categories beyond the most bought products),
  how they buy (channels, spend band, purchase-rate band) and what they talk about (the
  level-1 themes of their statements); demographics are never used to form personas (see
  `persona_features`).
- A latent class model (a mixture of multinomials) groups them; the number of personas is
  not given but chosen between `min_personas` and `max_personas` by BIC (or by
  cross-validated likelihood), and no persona may hold fewer than `min_size` customers (see
  `persona_model`).
- Who gets a persona: every customer with at least one purchase or one statement. A buyer who
  never wrote is placed by behaviour alone, a prospect who wrote by voice alone; a prospect
  who never bought nor wrote has nothing to go on and gets none (counted in the summary).
- Each persona is described by its members: a name from its most distinctive job phrase (in
  the customers' words; failing that, its most distinctive phrase, then its top product);
  jobs, values, pains, hopes and fears as the themes most distinctive of the persona among
  members' statements with that facet (z-score of the log odds ratio against the other
  personas), each with a quote; its own words (distinctive phrases); its behaviour; and the
  demographic spread with how little demographics explain: `demographics_explain` is
  max(0, 2·AUC − 1) of predicting membership of the persona from all demographic attributes
  in `customers.attributes` (cross-validated categorical naive Bayes): 0 means demographics do
  not pick the persona out at all, 1 perfectly. Quotes come only from redacted
  `statements.text`.
"""

from __future__ import annotations

__all__ = [
    "CUSTOMER_PERSONAS_COLUMNS",
    "PERSONAS_COLUMNS",
    "build_personas",
]

import json
import time
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from rapport.errors import ConfigError
from rapport.schema import table_exists
from rapport.understand.persona_describe import describe_personas
from rapport.understand.persona_features import Features, load_features
from rapport.understand.persona_model import select_classes, temper
from rapport.understand.result import Built, Columns, empty_frame

PERSONAS_COLUMNS: Columns = (
    ("persona_id", "string", "P1, P2, … by size"),
    ("name", "string", "a short title from the persona's main job, in its customers' words"),
    ("size", "int64", "customers in the persona"),
    ("share", "float64", "share of the customers who have a persona"),
    ("clv_share", "float64", "share of the total customer lifetime value (CLV)"),
    ("description", "string", "one or two sentences on who they are"),
    ("jobs", "string", "JSON list of the most distinctive job themes, each with a quote"),
    ("values", "string", "JSON list of the most distinctive value themes, each with a quote"),
    ("pains", "string", "JSON list of the most distinctive pain themes, each with a quote"),
    ("hopes", "string", "JSON list of the most distinctive hope themes, each with a quote"),
    ("fears", "string", "JSON list of the most distinctive fear themes, each with a quote"),
    ("own_words", "string", "JSON list of distinctive phrases from members' statements"),
    ("behaviour", "string", "JSON: orders, spend, CLV, top categories, channels, stage mix …"),
    ("demographics", "string", "JSON: spread of each demographic attribute, and its NMI"),
    ("demographics_explain", "float64",
     "max(0, 2·AUC − 1) of predicting the persona from demographics (0 = not at all)"),
    ("representatives", "string", "JSON list of customer_ids most typical of the persona"),
    ("quotes", "string", "JSON list of {statement_id, customer_id, text} (redacted)"),
    ("method", "string", "how the personas were found"),
)

CUSTOMER_PERSONAS_COLUMNS: Columns = (
    ("customer_id", "string", "the customer"),
    ("persona_id", "string", "their persona"),
    ("persona", "string", "the persona's name"),
    ("confidence", "float64", "the model's probability that this is their persona"),
)

def _empty(notes: list[str], summary: dict[str, Any] | None = None) -> Built:
    return Built(
        tables={"personas": empty_frame(PERSONAS_COLUMNS),
                "customer_personas": empty_frame(CUSTOMER_PERSONAS_COLUMNS)},
        summary={"personas": 0, **(summary or {})},
        notes=notes,
    )


_CRITERIA = {"cv": "cross-validated likelihood (one-SE rule)", "bic": "BIC"}


def _check(min_personas: int, max_personas: int, min_size: float, voice_weight: float,
           bands: int, max_products: int, sample_size: int, criterion: str) -> None:
    if criterion not in _CRITERIA:
        raise ConfigError(f"personas: criterion {criterion!r} is not known; use "
                          f"{' or '.join(map(repr, _CRITERIA))}.")
    if not 1 <= min_personas <= max_personas:
        raise ConfigError(
            f"personas: need 1 <= min_personas <= max_personas, got {min_personas} and "
            f"{max_personas}; raise max_personas or lower min_personas."
        )
    if min_size < 0:
        raise ConfigError(f"personas: min_size must be >= 0 (a share below 1 or a count), "
                          f"got {min_size}.")
    if voice_weight < 0:
        raise ConfigError(f"personas: voice_weight must be >= 0, got {voice_weight}.")
    if bands < 1 or max_products < 1 or sample_size < 100:
        raise ConfigError("personas: bands and max_products must be at least 1 and "
                          "sample_size at least 100.")


def _voice_ready(con: duckdb.DuckDBPyConnection) -> bool:
    return all(table_exists(con, t) for t in ("statements", "statement_themes", "themes"))


def build_personas(
    con: duckdb.DuckDBPyConnection,
    *,
    min_personas: int = 2,
    max_personas: int = 12,
    min_size: float = 0.01,
    voice_weight: float = 1.0,
    max_products: int = 200,
    bands: int = 5,
    criterion: str = "bic",
    sample_size: int = 20_000,
    n_init: int = 4,
    items: int = 5,
    representatives: int = 5,
    quotes: int = 5,
    random_state: int = 0,
) -> Built:
    """Find needs-based personas and place each customer in one.

    `min_personas`/`max_personas` bound the number of personas (chosen by BIC in between);
    `min_size` is the smallest persona (a share of the placed customers if below 1, else a
    count; it takes precedence over `min_personas`); `voice_weight` weighs what customers
    say against what they do (0 = behaviour only); the `max_products` products bought by
    most customers are kept as themselves, the rest count under their category; `bands` is
    the number of spend and purchase-rate bands; the number of personas is chosen by
    `criterion` ("bic", or "cv": held-out likelihood, which finds finer subgroups and suits
    sparse, voice-only data better) on a random sample of `sample_size` customers (then
    fitted on all) with `n_init` starts per candidate; `items`, `representatives` and
    `quotes` say how many of each to list per persona. Nothing is written to the store.
    """
    _check(min_personas, max_personas, min_size, voice_weight, bands, max_products,
           sample_size, criterion)
    started = time.perf_counter()
    has_tx = table_exists(con, "transactions")
    voice = _voice_ready(con) and voice_weight > 0
    notes = _input_notes(has_tx, _voice_ready(con), voice_weight)
    features = load_features(con, max_products=max_products, bands=bands, voice=voice)
    n = len(features.customers)
    floor = max(2, int(np.ceil(min_size * n)) if min_size < 1 else int(min_size))
    if not features.blocks or n == 0:
        return _empty([*notes, "No customer has bought or said anything yet: there is nothing "
                       "to form personas from. Load transactions or feedback and run "
                       "`rapport analyze`."])
    if n < max(2 * floor, 10):
        return _empty([*notes, f"Only {n} customers have bought or said something; personas "
                       f"need at least {max(2 * floor, 10)} (see min_size)."],
                      {"customers": n})
    blocks = [temper(m, voice_weight if name == "themes" else 1.0)
              for name, (m, _) in features.blocks.items()]
    selection = select_classes(
        blocks, min_k=min_personas, max_k=max_personas, min_size=floor,
        criterion=criterion, sample_size=sample_size, n_init=n_init, random_state=random_state,
    )
    assigned = _assign(features, selection.proba)
    personas, more_notes, demo_summary = describe_personas(
        con, assigned, has_tx=has_tx, voice=voice, items=items,
        representatives=representatives, quotes=quotes, random_state=random_state,
    )
    personas["method"] = (
        f"latent class model (mixture of multinomials) on {', '.join(features.blocks)}; "
        f"{len(personas)} personas chosen by {_CRITERIA[criterion]} among "
        f"{min_personas}-{max_personas} "
        f"(min size {floor}) on {selection.sampled:,} customers"
    )
    unplaced = _unplaced(con, features.customers)
    if unplaced:
        notes.append(f"{unplaced:,} customers neither bought nor said anything and have no "
                     "persona.")
    summary = {
        "personas": len(personas),
        "customers": n,
        "unplaced": unplaced,
        "criterion": criterion,
        "scores": {str(k): round(v, 1) for k, v in selection.scores.items()},
        "sizes": dict(zip(personas["persona_id"], personas["size"].astype(int), strict=True)),
        "mean_confidence": round(float(assigned["confidence"].mean()), 4),
        **demo_summary,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return Built(tables=_tables(personas, assigned),
                 summary=json.loads(json.dumps(summary, default=int)),
                 notes=notes + more_notes)


def _input_notes(has_tx: bool, voice_ready: bool, voice_weight: float) -> list[str]:
    notes = []
    if not voice_ready:
        notes.append("The voice stage has not run (no statements or themes): personas use "
                     "behaviour only. Run `rapport analyze` with feedback loaded to add it.")
    elif voice_weight == 0:
        notes.append("voice_weight is 0: personas use behaviour only.")
    if not has_tx:
        notes.append("There are no transactions: personas use what customers said only.")
    return notes


def _assign(features: Features, proba: np.ndarray) -> pd.DataFrame:
    """Each customer's persona (P1 the largest), its probability and what it rests on."""
    label = proba.argmax(axis=1)
    order = np.argsort(-np.bincount(label, minlength=proba.shape[1]), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return pd.DataFrame({
        "customer_id": features.customers.to_numpy(),
        "persona_id": [f"P{r + 1}" for r in rank[label]],
        "confidence": proba.max(axis=1),
        "bought": features.buyers,
        "spoke": features.speakers,
    })


def _tables(personas: pd.DataFrame, assigned: pd.DataFrame) -> dict[str, pd.DataFrame]:
    personas = personas[[c for c, _, _ in PERSONAS_COLUMNS]].astype(
        {c: t for c, t, _ in PERSONAS_COLUMNS}).reset_index(drop=True)
    names = dict(zip(personas["persona_id"], personas["name"], strict=True))
    customer_personas = assigned.assign(persona=assigned["persona_id"].map(names))[
        [c for c, _, _ in CUSTOMER_PERSONAS_COLUMNS]
    ].astype({c: t for c, t, _ in CUSTOMER_PERSONAS_COLUMNS}).reset_index(drop=True)
    return {"personas": personas, "customer_personas": customer_personas}


def _unplaced(con: duckdb.DuckDBPyConnection, placed: pd.Index) -> int:
    """Customers in `customers` who have no persona (they neither bought nor said anything)."""
    if not table_exists(con, "customers"):
        return 0
    known = con.execute("SELECT DISTINCT CAST(customer_id AS VARCHAR) FROM customers"
                        ).fetch_df().iloc[:, 0].to_numpy(dtype=object)
    # a lookup among plain strings: isin on Arrow-backed ones took 4 s at a million
    where = pd.Index(np.asarray(placed, dtype=object)).get_indexer(known)
    return int((where < 0).sum())
