"""Key phrases in the customers' own words: class-based TF-IDF over word n-grams, for theme
labels and for the vocabulary of a theme or a segment."""

from __future__ import annotations

__all__ = [
    "STOPWORDS",
    "PhraseDocs",
    "PhrasePart",
    "join_phrase_parts",
    "key_phrases",
    "phrase_docs",
    "phrase_part",
]

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Function words that never make a phrase on their own or at its edges.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves just also get got im ive dont cant will still
    even really much one would like can could us amp http https co rt via""".split()  # noqa: SIM905
)

# A word; one hyphen between letters keeps "top-up" and "t-shirt" whole.
_TOKEN = re.compile(r"[a-z](?:[a-z'’]|-(?=[a-z]))*[a-z]|[a-z]")
# Links, handles, hash signs and redactions, with the "'s" of "[name]'s" (else a word "s").
_NOISE = re.compile(r"https?://\S+|@\w+|#|\[(?:email|phone|card|url|name|id)\](?:['’]s\b)?")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_NOISE.sub(" ", text.lower()).replace("’", "'"))


def _grams(tokens: list[str], sizes: Sequence[int]) -> list[str]:
    """The phrases of 1, 2 or 3 words (`sizes`) in `tokens`, in order, without a stopword at
    either edge or a one-letter last word."""
    out: list[str] = []
    stop = STOPWORDS
    for n in sizes:
        if n == 1:  # one comprehension per size: a third faster than a slice per position
            out += [a for a in tokens if len(a) > 1 and a not in stop]
            continue
        if n == 2:
            out += [f"{a} {b}" for a, b in itertools.pairwise(tokens)
                    if len(b) > 1 and a not in stop and b not in stop]
            continue
        if n == 3:
            out += [f"{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)
                    if len(c) > 1 and a not in stop and c not in stop]
            continue
        for i in range(len(tokens) - n + 1):
            gram = tokens[i : i + n]
            if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or len(gram[-1]) < 2:
                continue
            out.append(" ".join(gram))
    return out


@dataclass(frozen=True)
class PhraseDocs:
    """Which phrases each text uses (presence, not counts): built once, reused by every
    grouping of the same texts."""

    docs: sparse.csr_matrix
    names: np.ndarray
    sizes: tuple[int, ...]
    words: np.ndarray | None = None  # words per phrase (computed from `names` if None)

    def word_counts(self) -> np.ndarray:
        """How many words each phrase has."""
        return self.words if self.words is not None else _word_counts(self.names)


def _word_counts(names: np.ndarray) -> np.ndarray:
    return np.fromiter((name.count(" ") + 1 for name in names), dtype=np.float64,
                       count=len(names))


@dataclass(frozen=True)
class PhrasePart:
    """The phrases of a run of texts, numbered in the order they first appear in it: `rows`
    (text within the run) and `cols` (index into `vocab`) mark each use. Runs tokenised in
    different processes join into one `PhraseDocs` with `join_phrase_parts`."""

    vocab: list[str]
    rows: np.ndarray
    cols: np.ndarray
    texts: int


def phrase_part(texts: Sequence[str], sizes: Sequence[int] = (1, 2, 3)) -> PhrasePart:
    """Tokenise a run of texts into the phrases each one uses."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        seen = set()
        for gram in _grams(_tokens(text), sizes):
            if gram in seen:
                continue
            seen.add(gram)
            rows.append(row)
            cols.append(vocab.setdefault(gram, len(vocab)))
    return PhrasePart(
        vocab=list(vocab),
        rows=np.asarray(rows, dtype=np.int64),
        cols=np.asarray(cols, dtype=np.int64),
        texts=len(texts),
    )


def join_phrase_parts(parts: Sequence[PhrasePart], sizes: Sequence[int] = (1, 2, 3)) -> PhraseDocs:
    """The text × phrase matrix of consecutive runs of texts, the same as `phrase_docs` of all
    of them at once (phrases numbered in the order they first appear)."""
    vocab: dict[str, int] = {}
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    offset = 0
    for part in parts:
        mapping = np.fromiter(
            (vocab.setdefault(g, len(vocab)) for g in part.vocab), dtype=np.int64,
            count=len(part.vocab),
        )
        rows.append(part.rows + offset)
        cols.append(mapping[part.cols])
        offset += part.texts
    all_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    all_cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    docs = sparse.csr_matrix(
        (np.ones(len(all_rows), dtype=np.float64), (all_rows, all_cols)),
        shape=(offset, len(vocab)),
    )
    names = np.array(list(vocab), dtype=object)
    return PhraseDocs(docs=docs, names=names, sizes=tuple(sizes), words=_word_counts(names))


def phrase_docs(texts: Sequence[str], sizes: Sequence[int] = (1, 2, 3)) -> PhraseDocs:
    """Tokenise `texts` once into a text × phrase presence matrix."""
    return join_phrase_parts([phrase_part(texts, sizes)], sizes)


def key_phrases(
    texts: Sequence[str] | PhraseDocs,
    groups: Sequence[int] | np.ndarray,
    *,
    top: int = 8,
    sizes: Sequence[int] = (1, 2, 3),
    min_count: int = 2,
) -> dict[int, list[tuple[str, float, int]]]:
    """The phrases that set each group apart from the others: (phrase, weight, count) per
    group, best first. Groups < 0 (unassigned texts) count as background only. `texts` may be
    a `phrase_docs` result, to tokenise once for several groupings."""
    labels = np.asarray(groups)
    index = texts if isinstance(texts, PhraseDocs) else phrase_docs(texts, sizes)
    docs, names = index.docs, index.names
    n_texts = docs.shape[0]
    if not len(names):
        return {}
    group_ids = [int(g) for g in np.unique(labels[labels >= 0])]
    if not group_ids:
        return {}
    member = sparse.csr_matrix(
        (
            np.ones(int((labels >= 0).sum())),
            (np.searchsorted(group_ids, labels[labels >= 0]), np.flatnonzero(labels >= 0)),
        ),
        shape=(len(group_ids), n_texts),
    )
    counts = (member @ docs).tocsr()
    totals = np.asarray(docs.sum(axis=0)).ravel()
    sizes_ = np.maximum(np.asarray(member.sum(axis=1)).ravel(), 1.0)
    # c-TF-IDF: share of the group's statements using the phrase, times how rare it is overall;
    # longer phrases get a small bonus so that "lost luggage" beats "luggage" when equal.
    idf = np.log1p(n_texts / np.maximum(totals, 1.0))
    length = 1.0 + 0.15 * (index.word_counts() - 1.0)
    out: dict[int, list[tuple[str, float, int]]] = {}
    for i, gid in enumerate(group_ids):
        lo, hi = counts.indptr[i], counts.indptr[i + 1]
        cols_i = counts.indices[lo:hi]
        counts_i = counts.data[lo:hi]
        weight_i = counts_i / sizes_[i] * idf[cols_i] * length[cols_i]
        weight_i[counts_i < min_count] = 0.0
        picked: list[tuple[str, float, int]] = []
        for k in np.argsort(-weight_i, kind="stable"):
            if weight_i[k] <= 0 or len(picked) >= top:
                break
            phrase = str(names[cols_i[k]])
            count = int(counts_i[k])
            # A phrase and one inside it with similar use say the same thing: keep one, the
            # longer ("direct debit" rather than "debit"), where the shorter was picked.
            similar = [
                j for j, (p, _, c) in enumerate(picked)
                if (phrase in p or p in phrase) and abs(c - count) <= 0.25 * max(c, 1)
            ]
            if similar:
                j = similar[0]
                if len(phrase) > len(picked[j][0]) and not any(
                    phrase in p for p, _, _ in picked
                ):
                    picked[j] = (phrase, picked[j][1], count)
                continue
            picked.append((phrase, float(weight_i[k]), count))
        out[gid] = picked
    return out
