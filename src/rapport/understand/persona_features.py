"""What needs-based personas are built from, read from the store in a few grouped queries:
blocks of counts per customer (what they buy, how they buy, what they talk about) and their
statements with facets and themes; and how distinctive an item is of one persona against the
others.

Blocks (all sparse customers × items, never demographics):
- products: order lines per product (the `max_products` products bought by most customers;
  the other lines count under their category);
- channels: orders per channel;
- spend: the customer's band (of `bands` equal-sized bands) of mean order value;
- rate: the band of orders per week since their first purchase (to the last transaction);
- themes: statements per level-1 theme (the voice stage's themes).
Returns (amount < 0) are left out, as in the behaviour stage (a free item, amount 0, is a
purchase). Customers are those with a purchase or a statement.
"""

from __future__ import annotations

__all__ = [
    "Features",
    "StatementFrame",
    "distinctive",
    "load_features",
    "load_statements",
    "phrase_matrix",
]

import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from rapport.behavior.rfm import MONEY_DECIMALS
from rapport.schema import table_exists

_TX = (
    "WITH tx AS (SELECT customer_id, product, category, channel, amount, ts, "
    "coalesce(order_id, transaction_id) AS order_key FROM transactions "
    "WHERE customer_id IS NOT NULL AND amount >= 0)"
)

_PRODUCTS = (
    _TX + ", ranked AS (SELECT product, row_number() OVER (ORDER BY count(DISTINCT customer_id) "
    "DESC, product) AS r FROM tx WHERE product IS NOT NULL GROUP BY product) "
    "SELECT tx.customer_id, CASE WHEN ranked.r <= ? THEN 'product: ' || tx.product "
    "ELSE 'category: ' || coalesce(tx.category, 'other') END AS item, count(*) AS n "
    "FROM tx LEFT JOIN ranked ON ranked.product = tx.product GROUP BY ALL"
)

_CHANNELS = (
    _TX + " SELECT customer_id, 'channel: ' || channel AS item, count(DISTINCT order_key) AS n "
    "FROM tx WHERE channel IS NOT NULL GROUP BY ALL"
)

# Order values are sums that DuckDB adds in parallel, in no fixed order: ranked to a millionth
# (as RFM ranks spend, see behavior.rfm), equal spends tie and fall to the customer id instead
# of to rounding noise, so a customer at a band's edge gets the same band on every run.
_BANDS = (
    _TX + ", per AS (SELECT customer_id, sum(amount) / count(DISTINCT order_key) AS aov, "
    "count(DISTINCT order_key) / (date_diff('day', min(ts), (SELECT max(ts) FROM tx)) / 7.0 "
    "+ 1.0) AS rate FROM tx GROUP BY customer_id) "
    "SELECT customer_id, 'spend band ' || ntile(?) OVER "
    f"(ORDER BY round(aov, {MONEY_DECIMALS}), customer_id) AS spend, "
    "'rate band ' || ntile(?) OVER (ORDER BY rate, customer_id) AS rate FROM per"
)

_THEMES = (
    "SELECT s.customer_id, 'theme: ' || st.theme_id AS item, count(*) AS n "
    "FROM statements s JOIN statement_themes st ON st.statement_id = s.statement_id "
    "JOIN themes t ON t.theme_id = st.theme_id AND t.level = 1 "
    "WHERE s.customer_id IS NOT NULL GROUP BY ALL"
)


@dataclass
class Features:
    """The customers (rows, in order) and the count blocks over them (name -> (matrix,
    item names))."""

    customers: pd.Index
    blocks: dict[str, tuple[sp.csr_matrix, list[str]]]
    buyers: np.ndarray  # bool per customer
    speakers: np.ndarray  # bool per customer


def _long_frames(
    con: duckdb.DuckDBPyConnection, max_products: int, bands: int, voice: bool
) -> dict[str, pd.DataFrame]:
    frames: dict[str, pd.DataFrame] = {}
    if table_exists(con, "transactions"):
        frames["products"] = con.execute(_PRODUCTS, [max_products]).fetch_df()
        frames["channels"] = con.execute(_CHANNELS).fetch_df()
        banded = con.execute(_BANDS, [bands, bands]).fetch_df()
        for name in ("spend", "rate"):
            frames[name] = pd.DataFrame(
                {"customer_id": banded["customer_id"], "item": banded[name], "n": 1.0}
            )
    if voice:
        frames["themes"] = con.execute(_THEMES).fetch_df()
    return {name: f for name, f in frames.items() if len(f)}


def _matrix(frame: pd.DataFrame, customers: pd.Index) -> tuple[sp.csr_matrix, list[str]]:
    items = pd.Categorical(frame["item"].astype(str))
    rows = customers.get_indexer(pd.Index(frame["customer_id"].astype(str).to_numpy(dtype=object)))
    matrix = sp.csr_matrix(
        (frame["n"].to_numpy(dtype=np.float64), (rows, items.codes)),
        shape=(len(customers), len(items.categories)),
    )
    return matrix, [str(c) for c in items.categories]


def load_features(
    con: duckdb.DuckDBPyConnection, *, max_products: int = 200, bands: int = 5,
    voice: bool = True,
) -> Features:
    """The count blocks of every customer who bought or said something."""
    frames = _long_frames(con, max_products, bands, voice)
    # Unique and sorted in Arrow, then plain Python strings for fast lookups (iterating
    # Arrow-backed strings one by one took 3 s at a million customers).
    every = pd.concat([f["customer_id"].astype(str) for f in frames.values()]) if frames \
        else pd.Series([], dtype=str)
    ids = np.sort(np.asarray(every.unique(), dtype=object))
    customers = pd.Index(ids, dtype=object, name="customer_id")
    blocks = {name: _matrix(f, customers) for name, f in frames.items()}

    def _has(names: tuple[str, ...]) -> np.ndarray:
        out = np.zeros(len(customers), dtype=bool)
        for name in names:
            if name in blocks:
                out |= np.asarray(blocks[name][0].sum(axis=1)).ravel() > 0
        return out

    return Features(customers, blocks, _has(("products", "channels")), _has(("themes",)))


@dataclass
class StatementFrame:
    """Statements of the customers given: one row per statement (statement_id, customer_id,
    text, theme_id, label, similarity) and one row per (statement, facet) in `facets`."""

    statements: pd.DataFrame
    facets: pd.DataFrame


def load_statements(con: duckdb.DuckDBPyConnection) -> StatementFrame:
    """Every statement a customer made in their own words (not staff notes about them), with
    its level-1 theme and its facets."""
    staff = ("AND s.feedback_id NOT IN (SELECT feedback_id FROM feedback WHERE kind = 'note') "
             if table_exists(con, "feedback") else "")
    statements = con.execute(
        "SELECT s.statement_id, s.customer_id, s.text, th.theme_id, th.label, th.similarity "
        "FROM statements s LEFT JOIN (SELECT st.statement_id, st.theme_id, t.label, "
        "st.similarity FROM statement_themes st JOIN themes t ON t.theme_id = st.theme_id "
        "AND t.level = 1) th ON th.statement_id = s.statement_id "
        f"WHERE s.customer_id IS NOT NULL AND s.text IS NOT NULL {staff}"
        "ORDER BY s.statement_id"
    ).fetch_df()
    statements = statements.drop_duplicates("statement_id").reset_index(drop=True)
    if table_exists(con, "statement_facets"):
        facets = con.execute(
            "SELECT f.statement_id, f.facet, f.confidence AS facet_confidence "
            "FROM statement_facets f "
            "JOIN statements s ON s.statement_id = f.statement_id "
            "WHERE s.customer_id IS NOT NULL"
        ).fetch_df()
    else:
        facets = pd.DataFrame({"statement_id": [], "facet": [], "facet_confidence": []})
    return StatementFrame(statements, facets)


def distinctive(counts: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How distinctive each item is of each group against all the other groups.

    `counts[g, i]` is how many of group g's units (statements, customers) have item i and
    `totals[g]` how many units group g has. Returns (z, lift): the z-score of the log odds
    ratio of having the item inside vs outside the group (every cell of the 2×2 table plus
    0.5), and the ratio of the two shares. Both are groups × items.
    """
    counts = np.asarray(counts, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64).reshape(-1, 1)
    inside, inside_not = counts + 0.5, np.maximum(totals - counts, 0.0) + 0.5
    rest = counts.sum(axis=0, keepdims=True) - counts
    rest_total = totals.sum() - totals
    outside, outside_not = rest + 0.5, np.maximum(rest_total - rest, 0.0) + 0.5
    log_or = np.log(inside / inside_not) - np.log(outside / outside_not)
    se = np.sqrt(1 / inside + 1 / inside_not + 1 / outside + 1 / outside_not)
    share_in = counts / np.maximum(totals, 1.0)
    share_out = rest / np.maximum(rest_total, 1.0)
    lift = (share_in + 1e-9) / (share_out + 1e-9)
    return log_or / se, lift


# Placeholders left by PII redaction ("[name]") and words too plain to start or end a phrase.
_PLACEHOLDERS = frozenset({"name", "email", "phone", "url", "card", "id"})
_EDGE_STOP = frozenset(ENGLISH_STOP_WORDS) | {
    "also", "bit", "bought", "buy", "get", "got", "honestly", "imo", "just", "like", "lot",
    "mainly", "maybe", "mostly", "oh", "ok", "okay", "overall", "really", "tbh", "thing",
    "things", "use", "used", "want", "wants", "well",
}
_TOKEN = r"(?u)\b[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*\b"


def _clean_phrase(phrase: str) -> bool:
    words = phrase.split()
    if any(w in _PLACEHOLDERS for w in words):
        return False
    edges = (words[0], words[-1])
    return all(len(w) > 2 and w not in _EDGE_STOP for w in edges)


def phrase_matrix(
    texts: Sequence[str], *, max_words: int = 4, min_count: int = 3, max_phrases: int = 30_000
) -> tuple[sp.csr_matrix, list[str]]:
    """Which phrases (1 to `max_words` words, seen in at least `min_count` texts, not
    starting or ending with a stop word, no redaction placeholders) each text contains."""
    if len(texts) < min_count:
        return sp.csr_matrix((len(texts), 0)), []
    vectorizer = CountVectorizer(
        ngram_range=(1, max_words), binary=True, min_df=min_count, token_pattern=_TOKEN,
        max_features=max_phrases, dtype=np.float64,
    )
    try:
        matrix = vectorizer.fit_transform([re.sub(r"\s+", " ", t) for t in texts])
    except ValueError:  # no phrase is frequent enough
        return sp.csr_matrix((len(texts), 0)), []
    names = vectorizer.get_feature_names_out().tolist()
    keep = np.flatnonzero([_clean_phrase(p) for p in names])
    return sp.csr_matrix(matrix[:, keep]), [names[i] for i in keep]
