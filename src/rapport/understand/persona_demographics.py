"""How personas spread over demographic attributes, and how little those attributes explain.

Attributes are the keys of `customers.attributes` (the demo has Age, Gender, Region, City)
held by at least half of the placed customers. Numbers with many values are cut into
`bands` equal-sized bands; text attributes keep their `max_levels - 1` most common values
and put the rest under "other"; identifier-like attributes (more distinct values than half
the customers) are skipped. For each attribute: the share of each value inside each persona
and overall, and the normalised mutual information (NMI, 0 = independent) between persona and
attribute. How well demographics pick out each persona: max(0, 2·AUC − 1) of a
cross-validated categorical naive Bayes predicting membership from all attributes together.
"""

from __future__ import annotations

__all__ = ["demographic_spread"]

from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import CategoricalNB

from rapport.schema import table_exists

_MAX_KEYS = 20


def _attributes(con: duckdb.DuckDBPyConnection, customers: pd.Series) -> pd.DataFrame:
    """customer_id plus one text column per attribute key, for the placed customers."""
    if not table_exists(con, "customers"):
        return pd.DataFrame({"customer_id": []})
    keys = [str(r[0]) for r in con.execute(
        "SELECT key FROM (SELECT unnest(json_keys(attributes)) AS key FROM customers "
        "WHERE attributes IS NOT NULL AND json_type(attributes) = 'OBJECT') "
        "GROUP BY key ORDER BY count(*) DESC, key LIMIT ?", [_MAX_KEYS]).fetchall()]
    if not keys:
        return pd.DataFrame({"customer_id": []})
    cols = ", ".join(f"json_extract_string(attributes, ?) AS a{i}" for i in range(len(keys)))
    paths = ['$."' + k.replace('"', '\\"') + '"' for k in keys]
    frame = con.execute(f"SELECT customer_id, {cols} FROM customers", paths).fetch_df()
    frame.columns = ["customer_id", *keys]
    return frame[frame["customer_id"].isin(set(customers))]


def _band(values: pd.Series, bands: int, max_levels: int) -> pd.Series | None:
    present = values.dropna()
    if present.empty:
        return None
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().mean() >= 0.95 and numbers.nunique() > max_levels:
        cut = pd.qcut(numbers, bands, duplicates="drop")
        labels = {iv: f"{iv.left:.4g}–{iv.right:.4g}" for iv in cut.cat.categories}
        return cut.map(labels).astype(str).reindex(values.index)
    if present.nunique() > max(max_levels, len(present) // 2):
        return None  # identifier-like: says nothing about a group
    top = present.value_counts().index[: max_levels - 1]
    return present.where(present.isin(top), "other").astype(str).reindex(values.index)


def _shares(values: pd.Series) -> dict[str, float]:
    return {str(k): round(float(v), 4) for k, v in values.value_counts(normalize=True).items()}


def _explain(persona: pd.Series, table: pd.DataFrame, random_state: int,
             sample: int) -> dict[str, float]:
    """max(0, 2·AUC − 1) per persona of predicting it from the attributes (cross-validated
    categorical naive Bayes; a missing value is a category of its own)."""
    codes = np.column_stack([pd.factorize(table[c].fillna("(missing)"))[0]
                             for c in table.columns])
    y = persona.to_numpy()
    if len(codes) > sample:
        rows = np.sort(np.random.default_rng(random_state).choice(len(codes), sample,
                                                                   replace=False))
        codes, y = codes[rows], y[rows]
    classes, counts = np.unique(y, return_counts=True)
    folds = int(min(5, counts.min()))
    if len(classes) < 2 or folds < 2 or codes.shape[1] == 0:
        return {}
    model = CategoricalNB(alpha=1.0, min_categories=codes.max(axis=0) + 1)
    proba = cross_val_predict(model, codes, y, method="predict_proba",
                              cv=StratifiedKFold(folds, shuffle=True,
                                                 random_state=random_state))
    return {str(c): round(max(0.0, 2 * float(roc_auc_score(y == c, proba[:, i])) - 1), 4)
            for i, c in enumerate(classes)}


def demographic_spread(
    con: duckdb.DuckDBPyConnection,
    assigned: pd.DataFrame,
    *,
    bands: int = 5,
    max_levels: int = 12,
    sample: int = 20_000,
    random_state: int = 0,
) -> tuple[dict[str, dict[str, Any]], dict[str, float], dict[str, Any]]:
    """Per persona: {attribute: {persona shares, overall shares, nmi}}; per persona the
    demographics-explain score; and a summary (attributes used, NMI each, the largest)."""
    raw = _attributes(con, assigned["customer_id"])
    merged = assigned[["customer_id", "persona_id"]].merge(raw, on="customer_id", how="inner")
    table: dict[str, pd.Series] = {}
    skipped: list[str] = []
    for key in raw.columns[1:]:
        values = merged[key]
        banded = _band(values, bands, max_levels) if values.notna().mean() >= 0.5 else None
        if banded is None:
            skipped.append(str(key))
        else:
            table[str(key)] = banded
    personas = sorted(assigned["persona_id"].unique())
    if not table:
        return ({p: {} for p in personas}, {},
                {"demographic_attributes": [], "demographics_skipped": skipped})
    attrs = pd.DataFrame(table)
    nmi: dict[str, float] = {}
    spread: dict[str, dict[str, Any]] = {p: {} for p in personas}
    for column in attrs.columns:
        key, values = str(column), attrs[column]
        has = values.notna()
        nmi[key] = round(float(normalized_mutual_info_score(
            merged.loc[has, "persona_id"], values[has])), 4)
        overall = _shares(values)
        for p, part in values.groupby(merged["persona_id"]):
            spread[str(p)][str(key)] = {"persona": _shares(part), "all": overall,
                                        "nmi": nmi[str(key)]}
    explain = _explain(merged["persona_id"], attrs, random_state, sample)
    summary = {
        "demographic_attributes": list(nmi),
        "demographics_skipped": skipped,
        "demographics_nmi": nmi,
        "demographics_max_nmi": max(nmi.values()),
        "demographics_explain": explain,
    }
    return spread, explain, summary
