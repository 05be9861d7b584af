"""The customers' own vocabulary: the phrases that set a theme or a customer segment apart,
each with how many statements use it and one of them as an example."""

from __future__ import annotations

__all__ = ["VOCABULARY_COLUMNS", "vocabulary"]

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rapport.voice.phrases import PhraseDocs, key_phrases, phrase_docs

VOCABULARY_COLUMNS = (
    "group_kind",
    "group_name",
    "rank",
    "phrase",
    "weight",
    "statements",
    "example",
)


def _readable_first(texts: list[str]) -> list[str]:
    """`texts` in the order they read best as an example: the shortest full sentence first
    (under 15 characters goes last), ties in their own order."""
    return sorted(texts, key=lambda t: (len(t) < 15, len(t)))


def _example(phrase: str, ordered: list[str]) -> str | None:
    """The first of `ordered` (see `_readable_first`) that uses `phrase`: the search stops at
    the first match instead of testing every member of a large group."""
    pattern = re.compile(r"\b" + re.escape(phrase).replace(r"\ ", r"\W+") + r"\b", re.I)
    return next((t for t in ordered if pattern.search(t)), None)


def vocabulary(
    statements: pd.DataFrame,
    groupings: Mapping[str, pd.Series],
    top: int = 12,
    docs: PhraseDocs | None = None,
) -> pd.DataFrame:
    """Phrases per group for each grouping of statements (grouping name → a group name per
    statement row, NaN for none); `statements` needs `text`."""
    texts = statements["text"].tolist()
    docs = docs if docs is not None else phrase_docs(texts)
    rows: list[dict[str, object]] = []
    for kind, groups in groupings.items():
        values = pd.Series(groups).reset_index(drop=True)
        present = values.notna().to_numpy()
        named = values.astype(object).where(present, None).tolist()
        names = sorted({str(v) for v, ok in zip(named, present, strict=True) if ok})
        if not names:
            continue
        code = {n: i for i, n in enumerate(names)}
        labels = np.fromiter(
            (code.get(str(v), -1) if ok else -1 for v, ok in zip(named, present, strict=True)),
            dtype=np.int64, count=len(named),
        )
        phrases = key_phrases(docs, labels, top=top)
        for name, i in code.items():
            ranked = phrases.get(i, [])
            if not ranked:
                continue
            member_texts = _readable_first([texts[j] for j in np.flatnonzero(labels == i)])
            for rank, (phrase, weight, count) in enumerate(ranked, start=1):
                rows.append(
                    {
                        "group_kind": kind,
                        "group_name": name,
                        "rank": rank,
                        "phrase": phrase,
                        "weight": weight,
                        "statements": count,
                        "example": _example(phrase, member_texts),
                    }
                )
    return pd.DataFrame(rows, columns=list(VOCABULARY_COLUMNS))
