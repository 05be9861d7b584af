"""Statements → themes: discovery (ThemeModel) or coding with a codebook plus emerging themes;
then each theme's label, key phrases, quotes, sentiment, first and last seen, and trend."""

from __future__ import annotations

__all__ = ["THEME_COLUMNS", "ThemeResult", "build_themes", "codebook_from_themes"]

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport.voice.codebook import Codebook, CodebookTheme
from rapport.voice.phrases import PhraseDocs, key_phrases, phrase_docs
from rapport.voice.themes import ThemeModel

THEME_COLUMNS = (
    "theme_id",
    "label",
    "parent_id",
    "level",
    "status",
    "description",
    "size",
    "share",
    "sentiment",
    "negative_share",
    "positive_share",
    "first_seen",
    "last_seen",
    "recent_share",
    "earlier_share",
    "trend",
    "key_phrases",
    "quotes",
)


@dataclass
class ThemeResult:
    themes: pd.DataFrame
    statement_themes: pd.DataFrame
    mode: str  # "discovered" or "codebook"
    emerging: int


def _label(phrases: list[tuple[str, float, int]]) -> str:
    """A short label from the key phrases: the best one, or a longer phrase containing it
    when that is nearly as common, plus a second distinct phrase; where the customers used
    a phrase that holds both ("fits perfectly" for "fits" and "perfectly"), that phrase."""
    if not phrases:
        return "(no clear words)"
    first, _, count = phrases[0]
    for p, _, c in phrases[1:5]:
        if first in p and c >= 0.4 * count:
            first = p
            break
    for p, _, _ in phrases[1:6]:
        if p not in first and first not in p:
            both = set(first.split()) | set(p.split())
            joined = [q for q, _, _ in phrases[1:8] if both <= set(q.split())]
            return min(joined, key=len) if joined else f"{first} / {p}"
    return first


_WORDS = re.compile(r"[^\W_]+")


def _quotes(
    rows: np.ndarray, vectors: np.ndarray, texts: Sequence[str], ids: Sequence[str], n: int = 8
) -> list[dict[str, str]]:
    centre = vectors[rows].mean(axis=0)
    closeness = vectors[rows] @ centre
    picked: list[dict[str, str]] = []
    seen: set[str] = set()
    for r in rows[np.argsort(-closeness, kind="stable")]:
        text = texts[r]
        key = " ".join(_WORDS.findall(text.lower()))  # "Great!" and "great." are one quote
        if key in seen or not 12 <= len(text) <= 240:
            continue
        seen.add(key)
        picked.append({"statement_id": ids[r], "text": text})
        if len(picked) >= n:
            break
    return picked


def _trend(
    recent: int, earlier: int, recent_total: int, earlier_total: int
) -> tuple[str, float, float]:
    """rising / falling / steady / new, by a two-proportion test of the recent third of the
    period against the rest (|z| > 2 and a change of at least a third)."""
    r = recent / recent_total if recent_total else 0.0
    e = earlier / earlier_total if earlier_total else 0.0
    if not recent_total or not earlier_total:
        return "steady", r, e
    if earlier == 0 and recent > 0:
        return "new", r, e
    pooled = (recent + earlier) / (recent_total + earlier_total)
    se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / recent_total + 1 / earlier_total))
    z = (r - e) / se
    if z > 2 and r > 1.33 * e:
        return "rising", r, e
    if z < -2 and r < 0.75 * e:
        return "falling", r, e
    return "steady", r, e


def _summaries(
    statements: pd.DataFrame,
    vectors: np.ndarray,
    members: dict[str, np.ndarray],
    meta: dict[str, dict[str, object]],
    docs: PhraseDocs | None = None,
) -> pd.DataFrame:
    texts = statements["text"].tolist()
    docs = docs if docs is not None else phrase_docs(texts)
    ids = statements["statement_id"].tolist()
    sentiment = statements["sentiment"].to_numpy(dtype=float)
    ts = pd.to_datetime(statements["ts"])
    total = len(statements)
    valid = ts.notna().to_numpy()
    cut = None
    if valid.any():
        lo, hi = ts[valid].min(), ts[valid].max()
        cut = lo + (hi - lo) * (2 / 3) if hi > lo else None
    recent_mask = (ts >= cut).to_numpy() & valid if cut is not None else np.zeros(total, bool)
    earlier_mask = valid & ~recent_mask
    labels = np.full(total, -1)
    group_of = list(members)
    # Key phrases of themes are computed among the themes, against all statements; those of
    # sub-themes among their siblings, against their parent's statements (else the parent's
    # own words, common to every sibling, head each sub-theme's label: "lbs / pounds",
    # "lbs / fit", "lbs / xs").
    themes_ = [g for g in group_of if meta[g]["level"] == 1]
    for n, g in enumerate(themes_):
        labels[members[g]] = n
    phrases = key_phrases(docs, labels)
    for n, g in enumerate(themes_):
        meta[g]["phrases"] = phrases.get(n, [])
    siblings: dict[object, list[str]] = {}
    for g in group_of:
        if meta[g]["level"] == 2:
            siblings.setdefault(meta[g].get("parent"), []).append(g)
    for parent, subs in siblings.items():
        within = members.get(str(parent)) if parent is not None else None
        if within is None or not len(within):
            within = np.unique(np.concatenate([members[g] for g in subs]))
        local = np.full(total, -1)
        for n, g in enumerate(subs):
            local[members[g]] = n
        phrases = key_phrases(_rows_of(docs, within), local[within])
        for n, g in enumerate(subs):
            meta[g]["phrases"] = phrases.get(n, [])
    rows: list[dict[str, object]] = []
    for g in group_of:
        rows_g = members[g]
        if not len(rows_g) and not meta[g].get("pinned"):
            continue
        s = sentiment[rows_g]
        seen = ts.iloc[rows_g][valid[rows_g]] if len(rows_g) else ts.iloc[:0]
        trend, r, e = _trend(
            int(recent_mask[rows_g].sum()),
            int(earlier_mask[rows_g].sum()),
            int(recent_mask.sum()),
            int(earlier_mask.sum()),
        )
        own = meta[g]["phrases"]
        assert isinstance(own, list)
        rows.append(
            {
                "theme_id": g,
                "label": meta[g].get("name") or _label(own),
                "parent_id": meta[g].get("parent") or None,
                "level": meta[g]["level"],
                "status": meta[g]["status"],
                "description": meta[g].get("description", ""),
                "size": len(rows_g),
                "share": len(rows_g) / total if total else 0.0,
                "sentiment": float(s.mean()) if len(s) else None,
                "negative_share": float((s <= -0.05).mean()) if len(s) else None,
                "positive_share": float((s >= 0.05).mean()) if len(s) else None,
                "first_seen": seen.min() if len(seen) else pd.NaT,
                "last_seen": seen.max() if len(seen) else pd.NaT,
                "recent_share": r,
                "earlier_share": e,
                "trend": trend,
                "key_phrases": json.dumps([p for p, _, _ in own]),
                "quotes": json.dumps(_quotes(rows_g, vectors, texts, ids) if len(rows_g) else []),
            }
        )
    out = pd.DataFrame(rows, columns=list(THEME_COLUMNS))
    return out.sort_values(["level", "size"], ascending=[True, False], kind="stable")


def _links(
    statements: pd.DataFrame, members: dict[str, np.ndarray], similarity: np.ndarray
) -> pd.DataFrame:
    ids = statements["statement_id"].to_numpy()
    parts = [
        pd.DataFrame(
            {"statement_id": ids[rows], "theme_id": g, "similarity": similarity[rows].astype(float)}
        )
        for g, rows in members.items()
        if len(rows)
    ]
    if not parts:
        return pd.DataFrame(
            {
                "statement_id": pd.Series(dtype=str),
                "theme_id": pd.Series(dtype=str),
                "similarity": pd.Series(dtype=float),
            }
        )
    return pd.concat(parts, ignore_index=True)


def _add_discovered(
    model: ThemeModel,
    rows: np.ndarray,
    prefix: str,
    status: str,
    members: dict[str, np.ndarray],
    meta: dict[str, dict[str, object]],
) -> None:
    width = max(2, len(str(model.n_themes_)))
    for t in range(model.n_themes_):
        tid = f"{prefix}{t + 1:0{width}d}"
        inside = model.labels_ == t
        members[tid] = rows[inside]
        meta[tid] = {"level": 1, "status": status}
        subs = model.sublabels_[inside]
        for s in range(int(subs.max()) + 1 if (subs >= 0).any() else 0):
            sid = f"{tid}.{s + 1}"
            members[sid] = rows[inside][subs == s]
            meta[sid] = {"level": 2, "status": status, "parent": tid}


def _rows_of(docs: PhraseDocs, rows: np.ndarray) -> PhraseDocs:
    """`docs` of some texts only, with only the phrases they use."""
    part = docs.docs[rows]
    used = np.unique(part.indices)
    return PhraseDocs(docs=part[:, used].tocsr(), names=docs.names[used], sizes=docs.sizes,
                      words=docs.word_counts()[used])


def build_themes(
    statements: pd.DataFrame,
    vectors: np.ndarray,
    model: ThemeModel,
    codebook: Codebook | None = None,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    docs: PhraseDocs | None = None,
) -> ThemeResult:
    """Themes of the statements (which need `text`, `ts`, `sentiment`). With a codebook,
    statements are coded to its themes and the rest clustered into emerging themes. `docs`:
    the statements' phrases, if already tokenised (`phrase_docs`)."""
    members: dict[str, np.ndarray] = {}
    meta: dict[str, dict[str, object]] = {}
    similarity = np.zeros(len(statements))
    everything = np.arange(len(statements))
    if codebook is None:
        if len(statements):
            model.fit(vectors)
            _add_discovered(model, everything, "T", "discovered", members, meta)
            similarity = model.similarity_
        return ThemeResult(
            _summaries(statements, vectors, members, meta, docs),
            _links(statements, members, similarity),
            "discovered",
            0,
        )
    if embed is None:
        raise ValueError("coding with a codebook needs the embedder")
    centres = codebook.centres(embed)
    assigned, score = codebook.assign(vectors, centres)
    similarity = score
    for i, theme in enumerate(codebook.themes):
        members[theme.id] = everything[assigned == i]
        meta[theme.id] = {
            "level": 2 if theme.parent else 1,
            "status": "codebook",
            "name": theme.name,
            "description": theme.description,
            "parent": theme.parent,
            "pinned": theme.pinned,
        }
    # A parent theme also holds its children's statements.
    for theme in codebook.themes:
        if theme.parent:
            members[theme.parent] = np.union1d(members[theme.parent], members[theme.id])
    rest = everything[assigned < 0]
    emerging = 0
    if len(rest) >= model.min_size:
        model.fit(vectors[rest])
        model.sublabels_[:] = -1
        before = len(members)
        _add_discovered(model, rest, "E", "emerging", members, meta)
        emerging = len(members) - before
    return ThemeResult(
        _summaries(statements, vectors, members, meta, docs),
        _links(statements, members, similarity),
        "codebook",
        emerging,
    )


def codebook_from_themes(themes: pd.DataFrame, min_similarity: float = 0.5) -> Codebook:
    """A codebook holding the given themes (rows of the `themes` table), for users to edit."""
    out = []
    for row in themes.itertuples(index=False):
        quotes = json.loads(str(row.quotes) or "[]")
        out.append(
            CodebookTheme(
                id=str(row.theme_id),
                name=str(row.label),
                description=str(row.description or ""),
                examples=[q["text"] for q in quotes],
                key_phrases=list(json.loads(str(row.key_phrases) or "[]"))[:6],
                parent=str(row.parent_id) if isinstance(row.parent_id, str) else "",
            )
        )
    return Codebook(themes=out, min_similarity=min_similarity)
