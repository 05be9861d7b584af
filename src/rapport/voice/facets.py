"""Facets of the inner life in customer statements: job, pain, value, hope, fear, perception,
competitor, suggestion, praise and intent (see DESIGN.md, "The inner-life model (facets)").

`FacetDetector` labels each statement with any number of facets, each a `FacetHit` carrying a
confidence and the exact words that triggered it. Hand-written cue phrases (`facet_cues`) do most
of the work, with negation handling ("not worried at all" is no fear); configured competitor
names add the competitor facet. Given an embedder, prototype sentences per facet and the user's
own labelled examples (nearest neighbours) add facets the cues miss; given each statement's
sentiment, clearly negative statements carry pain.
"""

from __future__ import annotations

__all__ = ["FACETS", "FacetDetector", "FacetHit"]

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rapport.errors import InputError, NotFittedError
from rapport.voice.alternation import dispatched, expand, split_alternatives
from rapport.voice.embed import ACCURATE_MODEL, FAST_MODEL, row_norms
from rapport.voice.facet_cues import CUES, SWITCH_TO_NAMED, CueGroup
from rapport.voice.facet_prototypes import PROTOTYPES

FACETS: tuple[str, ...] = (
    "job",
    "pain",
    "value",
    "hope",
    "fear",
    "perception",
    "competitor",
    "suggestion",
    "praise",
    "intent",
)

Embed = Callable[[Sequence[str]], np.ndarray]

# Cosine similarity at which a prototype sentence carries its facet, per encoder: each
# encoder has its own scale (the static model puts unrelated sentences closer together).
# Chosen on the dev split of tests/data/facets: below these, prototypes added more wrong facets
# than right ones (with the static model at 0.65, dev macro-F1 fell from 0.847 to 0.754).
PROTOTYPE_SIMILARITY = {ACCURATE_MODEL: 0.75, FAST_MODEL: 0.85}
DEFAULT_PROTOTYPE_SIMILARITY = 0.75  # other encoders
# Cosine similarity at which a labelled example carries its facets.
EXAMPLE_SIMILARITY = 0.6
# How many nearest labelled examples vote.
EXAMPLE_NEIGHBOURS = 3
# Confidence of the pain read into a negated appraisal ("not flattering").
NEGATED_PRAISE_PAIN = 0.6
# A clearly negative statement (sentiment at or below minus this) that no cue, prototype or
# example placed under any facet reports a pain the cues missed ("the zipper broke after one
# wear"): confidence from PAIN_FROM_SENTIMENT at the threshold up to 0.8 at -1. Where another
# facet was found, it explains the tone (a worry, a decision to return, a wish). Chosen on the
# dev split among thresholds 0.2-0.5 with and without that condition: the only rule that cost
# nothing there (pain F1 0.843); on the test split pain F1 0.686 -> 0.745, on the demo
# business's statements 0.795 -> 0.840.
NEGATIVE_SENTIMENT = 0.5
PAIN_FROM_SENTIMENT = 0.5

# A negator, then at most three words, then the cue; searched in the cue's own clause.
_NEGATOR = re.compile(
    r"(?:(?<!\w)(?:not|no|never|nothing|hardly|barely|without|nor|neither|none|nobody|cannot"
    r"|dont|didnt|doesnt|isnt|wasnt|arent|werent|wont|cant|couldnt|wouldnt|havent|hasnt)"
    r"|n['’]t)(?!\w)\s*(?:\S+\s+){0,3}$",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r".*(?:[.!?;:,()\[\]…]|(?<!\w)(?:but|though|although|however|yet|while|whereas)(?!\w))",
    re.IGNORECASE | re.DOTALL,
)
_NEGATION_REACH = 48
# Texts are matched in batches joined by a character no cue can cross.
_SEPARATOR = "\x00"
# First characters of cues besides letters and digits ("#hashtag", "@handle", "'til", "&").
_ALSO = "#@'&"
_BATCH = 4096
# Punctuation that cues see as a space (a cue starts after a space); kept: ' ’ # @ & $ % +.
# (One regular expression replaces them: seven times faster than str.translate here.)
_AS_SPACE = re.compile("[" + re.escape('.,!?;:()[]{}<>"“”«»…*~/\\|=-–—\t\r\n\u00a0') + "]")
# A bare "thanks" that closes a request or a complaint is politeness, not praise.
_BARE_THANKS = re.compile(r"(?:thanks?|thank (?:u|you)|thx|ty|tysm|cheers)", re.IGNORECASE)
_HANDLE = re.compile(r"[@#]\w+")
_CLOSING_TAIL = re.compile(r"[\s\W\d_]*(?:@\w+[\s\W]*)*(?:[a-z]{0,2}[\s\W]*)?$", re.IGNORECASE)


class FacetHit(NamedTuple):
    """One facet found in a statement: how sure (0..1) and the exact words that show it.
    (A named tuple: worker processes send back 125,000 statements' hits about twice as fast
    as dataclasses.)"""

    facet: str
    confidence: float
    evidence: str


@dataclass(frozen=True)
class _Matcher:
    facet: str
    pattern: re.Pattern[str]
    groups: tuple[CueGroup, ...]
    owners: tuple[int, ...]


def _name_pattern(name: str) -> str | None:
    tokens = [t for t in re.split(r"[\s._\-]+", name.strip().lstrip("@#").lower()) if t]
    if not tokens:
        return None
    joined = r"[\s._\-]*".join(re.escape(t) for t in tokens)
    handle = "".join(re.escape(t) for t in tokens)
    return rf"{joined}(?:['’]s)?|@{handle}\w*|#{handle}\w*"


def _widen_spaces(pattern: str) -> str:
    """Each space of a cue as one or more ("  *": a literal space first, which the trie of
    `alternation.dispatched` can branch on), except inside look-behinds (they need a fixed
    width) and where the space has a quantifier of its own (" ?")."""
    out, depth, behind, i = [], 0, [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "(":
            depth += 1
            if pattern.startswith(("(?<!", "(?<="), i):
                behind.append(depth)
        elif c == ")":
            if behind and behind[-1] == depth:
                behind.pop()
            depth -= 1
        quantified = pattern[i + 1 : i + 2] in ("?", "*", "+", "{")
        out.append("  *" if c == " " and not behind and not quantified else c)
        i += 1
    return "".join(out)


def _alternatives(groups: Sequence[CueGroup]) -> list[tuple[str, int]]:
    """A facet's cue patterns as single alternatives, each with its cue group's number."""
    # Punctuation reads as a space, so "worst. customer service" has two: a space inside a
    # cue stands for one or more.
    return [
        (f"{_widen_spaces(alternative)}(?!\\w)", g)
        for g, group in enumerate(groups)
        for pattern in group.patterns
        for part in split_alternatives(pattern)
        for alternative in expand(part)
    ]


def _compile(groups: Sequence[CueGroup]) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """One regex for a facet's cue groups, and the cue group of each marker group in it.

    Alternatives are bucketed by their first characters (a trie), and each ends with an empty
    marker group: `match.lastindex` tells which alternative, hence which cue group, matched.
    The regex is run on lower-cased text.
    """
    body, owners = dispatched(_alternatives(groups), also=_ALSO)
    # Run on " " + text with punctuation as spaces: a leading literal lets the engine skip ahead.
    compiled = re.compile(" " + body)
    if compiled.groups != len(owners):
        raise ValueError("cue patterns must use only non-capturing groups")
    return compiled, tuple(owners)


def _starts(facet_groups: Sequence[Sequence[CueGroup]]) -> re.Pattern[str]:
    """A zero-width regex that matches where any facet's cue could start: one pass over the
    text with it, then each facet's regex tried only there (`_detect_cues`), finds the same
    matches as a pass of each facet's regex, in about half the time."""
    body, _ = dispatched(
        [alternative for groups in facet_groups for alternative in _alternatives(groups)],
        also=_ALSO,
        marked=False,
    )
    return re.compile(" (?=" + body + ")")


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _NEGATION_REACH) : start]
    cut = _CLAUSE_BREAK.match(before)
    if cut is not None:
        before = before[cut.end() :]
    return _NEGATOR.search(before) is not None


def _closing_thanks(text: str, start: int, end: int) -> bool:
    """A bare thanks after a question or complaint, with nothing but a handle or emoji after."""
    if _BARE_THANKS.fullmatch(text, start, end) is None:
        return False
    if _CLOSING_TAIL.match(text, end) is None:
        return False
    head = _HANDLE.sub("", text[:start])
    return sum(c.isalpha() for c in head) > 12


class FacetDetector:
    """Detects the ten inner-life facets in statements (multi-label).

    `competitors`: names of competing companies or brands (the user's own company excluded), as
    written or as @handles. `examples`: the user's labelled statements, `(text, facets)`, used as
    nearest neighbours when the detector is fitted with an embedder. `threshold`: the least
    confidence a hit needs to be reported.
    """

    def __init__(
        self,
        competitors: Sequence[str] = (),
        examples: Sequence[tuple[str, Sequence[str]]] = (),
        threshold: float = 0.5,
        prototype_similarity: float | None = None,
    ) -> None:
        self.competitors = competitors
        self.examples = examples
        self.threshold = threshold
        self.prototype_similarity = prototype_similarity

    def fit(self, embed: Embed | None = None, embed_name: str | None = None) -> FacetDetector:
        """Compile the cues and competitor names; with `embed`, embed prototypes and examples.
        `embed_name` (the encoder's name) picks the prototypes' similarity threshold unless
        `prototype_similarity` was given."""
        for _, labels in self.examples:
            unknown = sorted(set(labels) - set(FACETS))
            if unknown:
                raise InputError(
                    f"unknown facet(s) {', '.join(unknown)} in examples; "
                    f"use only: {', '.join(FACETS)}."
                )
        names = [p for p in (_name_pattern(n) for n in self.competitors) if p is not None]
        names_alt = "|".join(names)
        matchers = []
        facet_groups = []
        for facet in FACETS:
            groups = list(CUES[facet])
            if names and facet == "competitor":
                groups.append(CueGroup(0.9, (names_alt,), negatable=False))
            if names and facet == "intent":
                switch = rf"{SWITCH_TO_NAMED}\s+(?:{names_alt})|(?:{names_alt})\s+here i come"
                groups.append(CueGroup(0.85, (switch,), negatable=True))
            pattern, owners = _compile(groups)
            matchers.append(_Matcher(facet, pattern, tuple(groups), owners))
            facet_groups.append(groups)
        self.matchers_: tuple[_Matcher, ...] = tuple(matchers)
        self.starts_ = _starts(facet_groups)
        self.prototype_similarity_ = (
            self.prototype_similarity
            if self.prototype_similarity is not None
            else PROTOTYPE_SIMILARITY.get(embed_name or "", DEFAULT_PROTOTYPE_SIMILARITY)
        )
        self.embed_ = embed
        if embed is None:
            self.prototype_vectors_: np.ndarray | None = None
            self.example_vectors_: np.ndarray | None = None
            return self
        proto_texts = [t for f in FACETS for t in PROTOTYPES[f]]
        self.prototype_facets_ = np.array(
            [FACETS.index(f) for f in FACETS for _ in PROTOTYPES[f]], dtype=np.int64
        )
        self.prototype_vectors_ = _unit_rows(embed(proto_texts))
        if self.examples:
            self.example_vectors_ = _unit_rows(embed([t for t, _ in self.examples]))
            label_matrix = np.zeros((len(self.examples), len(FACETS)), dtype=bool)
            for i, (_, facets) in enumerate(self.examples):
                for f in facets:
                    label_matrix[i, FACETS.index(f)] = True
            self.example_labels_ = label_matrix
        else:
            self.example_vectors_ = None
        return self

    def detect(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None = None,
        *,
        sentiment: Sequence[float] | np.ndarray | None = None,
    ) -> list[list[FacetHit]]:
        """The facets of each statement, in FACETS order, one hit per facet at most.
        `embeddings` (one row per text) add prototype and example hits; `sentiment` (a score
        in -1..1 per text) adds pain to clearly negative statements."""
        return self.complete(texts, self.detect_cues(texts), embeddings, sentiment=sentiment)

    def _check_fitted(self) -> None:
        if not hasattr(self, "matchers_"):
            raise NotFittedError("FacetDetector is not fitted yet; call fit() first.")

    def detect_cues(self, texts: Sequence[str]) -> list[list[FacetHit]]:
        """The cue hits of each statement alone: the part of `detect` that is text work only
        (no embeddings), which can run in other processes; `complete` finishes the job."""
        self._check_fitted()
        results: list[list[FacetHit]] = []
        for begin in range(0, len(texts), _BATCH):
            results.extend(self._detect_cues(texts[begin : begin + _BATCH]))
        return results

    def complete(
        self,
        texts: Sequence[str],
        cue_hits: list[list[FacetHit]],
        embeddings: np.ndarray | None = None,
        *,
        sentiment: Sequence[float] | np.ndarray | None = None,
    ) -> list[list[FacetHit]]:
        """`cue_hits` (from `detect_cues`, one list per text; extended in place) with the hits
        of the prototypes and examples near each text's embedding, and the pain of negative
        statements, added: `detect`'s result."""
        self._check_fitted()
        if len(cue_hits) != len(texts):
            raise InputError(
                f"got cue hits for {len(cue_hits)} texts, not {len(texts)}: "
                "pass detect_cues() of the same texts."
            )
        results = cue_hits
        if embeddings is None and self.embed_ is not None and len(texts) > 0:
            embeddings = self.embed_(list(texts))
        if embeddings is not None:
            if self.prototype_vectors_ is None:
                raise InputError(
                    "embeddings were given but the detector has no embedder; "
                    "call fit(embed) with the encoder that made them."
                )
            if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
                raise InputError(
                    f"embeddings must have one row per text ({len(texts)}), "
                    f"not shape {embeddings.shape}."
                )
            self._add_embedding_hits(texts, _unit_rows(embeddings), results)
        if sentiment is not None:
            self._add_negative_pain(texts, sentiment, results)
        return results

    def _add_negative_pain(
        self,
        texts: Sequence[str],
        sentiment: Sequence[float] | np.ndarray,
        results: list[list[FacetHit]],
    ) -> None:
        scores = np.asarray(sentiment, dtype=np.float64)
        if scores.shape != (len(texts),):
            raise InputError(
                f"sentiment must hold one score per text ({len(texts)}), "
                f"not shape {scores.shape}."
            )
        span = 1.0 - NEGATIVE_SENTIMENT
        for i in np.flatnonzero(scores <= -NEGATIVE_SENTIMENT):
            if results[i]:  # another facet explains the tone
                continue
            depth = min(1.0, (-scores[i] - NEGATIVE_SENTIMENT) / span)
            confidence = round(PAIN_FROM_SENTIMENT + (0.8 - PAIN_FROM_SENTIMENT) * depth, 4)
            if confidence >= self.threshold:
                results[i].append(FacetHit("pain", confidence, texts[int(i)]))

    def _detect_cues(self, texts: Sequence[str]) -> list[list[FacetHit]]:
        """Cue hits for a batch: each facet's regex runs once over all the texts joined."""
        texts = [t.replace(_SEPARATOR, " ") if _SEPARATOR in t else t for t in texts]
        starts = list(itertools.accumulate((len(t) + 2 for t in texts[:-1]), initial=1))
        joined = " " + (_SEPARATOR + " ").join(texts)
        lowered = joined.lower()
        if len(lowered) != len(joined):  # a few characters lower-case to two; keep offsets
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in joined)
        lowered = _AS_SPACE.sub(" ", lowered)
        found: list[dict[str, FacetHit]] = [{} for _ in texts]
        where = bisect.bisect_right
        # Where any cue could start; each facet's regex is tried only there, skipping places
        # inside its previous match, as its own search would.
        candidates = [match.start() for match in self.starts_.finditer(lowered)]
        for matcher in self.matchers_:
            facet, is_praise = matcher.facet, matcher.facet == "praise"
            groups, owners = matcher.groups, matcher.owners
            try_at = matcher.pattern.match
            previous_end = 0
            for position in candidates:
                if position < previous_end:
                    continue
                match = try_at(lowered, position)
                if match is None:
                    continue
                previous_end = match.end()
                at = match.start() + 1
                i = where(starts, at) - 1
                text, start, end = texts[i], at - starts[i], match.end() - starts[i]
                group = groups[owners[(match.lastindex or 1) - 1]]
                hits = found[i]
                best = hits.get(facet)
                if best is not None and group.confidence <= best.confidence:
                    continue
                if group.negatable and _negated(text, start):
                    if is_praise and "pain" not in hits:
                        hits["pain"] = FacetHit("pain", NEGATED_PRAISE_PAIN, text[start:end])
                    continue
                if is_praise and _closing_thanks(text, start, end):
                    continue
                hits[facet] = FacetHit(facet, group.confidence, text[start:end])
        threshold = self.threshold
        return [
            [h[f] for f in FACETS if f in h and h[f].confidence >= threshold] if h else []
            for h in found
        ]

    def _add_embedding_hits(
        self, texts: Sequence[str], vectors: np.ndarray, results: list[list[FacetHit]]
    ) -> None:
        assert self.prototype_vectors_ is not None
        scores = np.zeros((len(texts), len(FACETS)), dtype=np.float64)
        sims = vectors @ self.prototype_vectors_.T
        for j in range(len(FACETS)):
            columns = self.prototype_facets_ == j
            best = sims[:, columns].max(axis=1)
            scores[:, j] = np.where(best >= self.prototype_similarity_, best, 0.0)
        if self.example_vectors_ is not None:
            ex_sims = vectors @ self.example_vectors_.T
            k = min(EXAMPLE_NEIGHBOURS, ex_sims.shape[1])
            nearest = np.argsort(-ex_sims, axis=1)[:, :k]
            for i in range(len(texts)):
                idx = nearest[i][ex_sims[i, nearest[i]] >= EXAMPLE_SIMILARITY]
                if idx.size == 0:
                    continue
                weights = ex_sims[i, idx]
                votes = (self.example_labels_[idx] * weights[:, None]).sum(axis=0) / weights.sum()
                confidence = votes * weights.max()
                scores[i] = np.maximum(scores[i], np.where(votes >= 0.5, confidence, 0.0))
        found = (scores >= self.threshold) & (scores > 0)
        for i in np.flatnonzero(found.any(axis=1)).tolist():  # statements the vectors add to
            hits = results[i]
            have = {h.facet for h in hits}
            added = [
                FacetHit(f, round(float(scores[i, j]), 4), texts[i])
                for j, f in enumerate(FACETS)
                if f not in have and scores[i, j] >= self.threshold and scores[i, j] > 0
            ]
            if added:
                merged = hits + added
                merged.sort(key=lambda h: FACETS.index(h.facet))
                results[i] = merged


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    out = np.asarray(matrix, dtype=np.float32)
    if out.ndim != 2:
        raise InputError(f"the embedder must return a 2-D array, not shape {out.shape}.")
    norms = row_norms(out)[:, None]
    norms[norms == 0] = 1.0
    unit: np.ndarray = out / norms
    return unit
