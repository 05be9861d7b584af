"""Sentiment of customer statements: a score in -1..1, a label, and opinions about aspects.

Holds `SentimentScorer` (a lexical scorer with the scikit-learn contract, which can add a head
on sentence embeddings), the module functions `score_sentiment`, `sentiment_label` and
`aspect_sentiments`, `AspectOpinion`, and `NEUTRAL_BAND`.

The lexical scorer reads feedback the way it is written to a business: beside words of praise
and complaint (from the lexicon in `data/sentiment_lexicon.toml`) it counts what a customer
reports happening to them ("on hold for two hours", "my bag didn't arrive"), negation ("not
bad"), intensifiers, contrast ("..., but"), questions, emoji, and thanks said through gritted
teeth ("thanks for nothing"). Its valences were written by hand and its neutral band was chosen
on hand-written statements (`data/sentiment_examples.toml`), never on a labelled benchmark.

Given the encoder of the embeddings (`fit(embed=..., embed_name=...)`), the scorer also trains a
head (`sentiment_head.py`): a logistic regression over the embedding and the lexical score,
trained on about 1,400 hand-written statements from many kinds of business
(`data/sentiment_training.toml`), which reads complaints told as plain facts and thanks inside
requests better than words alone. `score(texts, embeddings)` uses it when the embeddings are
as wide as the head's; without embeddings, or without a head, it scores the words only.

Airline tweets, 3-class macro-F1 (VADER: 0.457): words only 0.654; with the MiniLM head 0.710;
with the static model's head 0.675. Neither the lexicon nor the head saw those labels.
Understatements ("can't fault it", "never let me down", "hard to beat": praise made of words
of complaint) have phrases of their own in the lexicon: on 40 held-out ones
(tests/data/sentiment) the words alone get 0.825 right, with the MiniLM head 0.80 (0.45 before
the phrases).
"""

from __future__ import annotations

__all__ = [
    "NEUTRAL_BAND",
    "AspectOpinion",
    "SentimentScorer",
    "aspect_sentiments",
    "score_sentiment",
    "sentiment_label",
]

import functools
import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rapport.errors import InputError, NotFittedError
from rapport.voice.alternation import dispatchable, dispatched, expand, split_alternatives
from rapport.voice.aspects import find_aspects
from rapport.voice.sentiment_head import SentimentHead, fit_head
from rapport.voice.split import split_statements

# Scores with an absolute value below this are neutral: the middle of the plateau (0.15 to 0.25)
# where macro-F1 on the hand-written statements in data/sentiment_examples.toml is highest.
NEUTRAL_BAND = 0.2

DATA = Path(__file__).resolve().parent / "data"
LEXICON_PATH = DATA / "sentiment_lexicon.toml"

_ALPHA = 15.0  # compound = x / sqrt(x² + α), as in VADER
_NEGATED_VALENCE = -1.8  # "didn't arrive", "no one answered"
_NEGATED_ACTION = -1.0  # "it was never shipped"
_NEGATION_FLIP = -0.6  # "not good" → negative; "not bad" is read as weakly positive
_NEGATION_SCOPE = 3  # words after a negator that it reaches
_BOOST_UP = 0.3
_BOOST_DOWN = -0.3
_CAPS = 1.3  # "it is AWFUL"
_BEFORE_BUT = 0.5
_AFTER_BUT = 1.5
_QUESTION = 0.5  # a question asks more than it judges
_WHY_QUESTION = -1.6  # "why is my refund still not here?"
_EXCLAIM = 0.3
_MAX_EXCLAIM = 3
_SARCASTIC_THANKS = -2.0  # the rest of the sentence at or below this makes thanks a complaint
_THANKS = frozenset({"thanks", "thank", "thx", "thnx", "thanx", "ty", "appreciate", "appreciated"})
_BUT = frozenset({"but", "however", "though", "yet"})
_WHY = frozenset({"why", "wtf"})
_PUNCTUATION = frozenset({"!", "?", ".", ";"})
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "est")

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_TOKEN = re.compile(r"[@#]?\w+(?:['’]\w+)*|[!?.;]")
_STRIP = "#0123456789+"
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")
_EMOTICON = re.compile(r"(?<![\w:])(?:[:;=]['-]?[()\[\]dDpP/|]|<3|\):)(?![\w)(])")
_PLACEHOLDER = "_p{}_"


class AspectOpinion(NamedTuple):
    """A judgement about one aspect of what was bought: `text[start:end]` names the aspect.
    (A named tuple, like `FacetHit`: cheap to send back from worker processes.)"""

    aspect: str
    score: float
    start: int
    end: int


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, float]
    negated: frozenset[str]
    negators: frozenset[str]
    up: frozenset[str]
    down: frozenset[str]
    known: frozenset[str]  # every token that can change a score
    phrases: list[re.Pattern[str]]  # in priority order
    phrase_valence: dict[str, float]  # placeholder token → valence
    triggers: dict[str, tuple[int, ...]]  # word → the phrases it lets through
    emoji: dict[str, float]
    hashtag: re.Pattern[str]


def _inflections(word: str) -> list[str]:
    """Regular inflections of `word`: love → loves, loved, loving, lovely..."""
    forms = [word + suffix for suffix in _SUFFIXES]
    if word.endswith("e"):
        forms += [word[:-1] + suffix for suffix in ("ing", "ed", "er", "est")]
    if word.endswith("y"):
        forms += [word[:-1] + suffix for suffix in ("ies", "ied", "ier", "iest", "ily")]
    return forms


_EDGE = r"[\w'’]"  # a phrase neither starts nor ends next to one of these


def _phrase_pattern(pattern: str) -> re.Pattern[str]:
    """A lexicon phrase as a regex that matches where no word character comes before or after.

    Where every alternative starts with a letter or digit (leading groups distributed), they
    are bucketed by that character and the check before it follows it, so that the regex
    starts with one of a few characters and the engine skips ahead to them: `_mark_phrases`
    a third faster on the reviews, with the same matches. Otherwise the check stands first.
    """
    alternatives = [(alt, 0) for part in split_alternatives(pattern) for alt in expand(part)]
    if not all(dispatchable(alt) for alt, _ in alternatives):
        return re.compile(f"(?<!{_EDGE})(?:{pattern})(?!{_EDGE})")
    body, _ = dispatched(
        alternatives, marked=False, guard=lambda first: f"(?<!{_EDGE}{re.escape(first)})"
    )
    return re.compile(f"{body}(?!{_EDGE})")


@functools.cache
def _load_lexicon(path: Path = LEXICON_PATH) -> _Lexicon:
    with path.open("rb") as file:
        data = tomllib.load(file)
    no_inflect = set(data["no_inflect"]["words"])
    words: dict[str, float] = {}
    inflected: dict[str, float] = {}
    for valence, entries in data["valence"].items():
        for word in entries:
            words[word] = float(valence)
            if word not in no_inflect:
                for form in _inflections(word):
                    inflected.setdefault(form, float(valence))
    for form, valence in inflected.items():
        words.setdefault(form, valence)
    emoji: dict[str, float] = {}
    for valence, entries in data["emoji"].items():
        for symbol in entries:
            emoji[symbol] = float(valence)
    phrases = []
    phrase_valence: dict[str, float] = {}
    triggers: dict[str, list[int]] = {}
    for index, (pattern, entry) in enumerate(data["phrases"].items()):
        phrases.append(_phrase_pattern(pattern))
        phrase_valence[_PLACEHOLDER.format(index)] = float(entry["v"])
        for word in entry["when"]:
            for form in {word, word.replace("'", "’"), word.replace("'", "")}:
                triggers.setdefault(form, []).append(index)
    strong = sorted(
        (w for w, v in words.items() if abs(v) >= 2 and len(w) >= 4 and w.isalpha()),
        key=len,
        reverse=True,
    )
    negated = frozenset(data["negated"]["words"])
    negators = frozenset(data["negation"]["words"])
    up = frozenset(data["boosters"]["up"])
    down = frozenset(data["boosters"]["down"])
    known = frozenset(words).union(
        negated, negators, up, down, phrase_valence, _PUNCTUATION, _BUT, _THANKS
    )
    return _Lexicon(
        words=words,
        known=known,
        negated=negated,
        negators=negators,
        up=up,
        down=down,
        phrases=phrases,
        phrase_valence=phrase_valence,
        triggers={word: tuple(indices) for word, indices in triggers.items()},
        emoji=emoji,
        hashtag=re.compile("|".join(strong)),
    )


def _mark_phrases(text: str, candidates: set[int], lexicon: _Lexicon) -> str:
    """`text` with each phrase among `candidates` replaced by its placeholder token."""
    lower = text.lower()
    if len(lower) != len(text):  # a few characters change length when lower-cased
        text = lower
    matches = []
    for index in candidates:
        for match in lexicon.phrases[index].finditer(lower):
            matches.append((match.start(), index, match.end()))
    if not matches:
        return text
    matches.sort()
    pieces = []
    previous = 0
    for start, index, end in matches:
        if start < previous:
            continue
        pieces.append(text[previous:start])
        pieces.append(" " + _PLACEHOLDER.format(index) + " ")
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)


def _emoji_valence(text: str, emoji: dict[str, float]) -> float:
    """The summed valence of the emoji and emoticons in `text`."""
    total = 0.0
    if not text.isascii():
        for symbol in _EMOJI.findall(text):
            total += emoji.get(symbol, 0.0)
    if ":" in text or ";" in text or "<3" in text or "=)" in text:
        for symbol in _EMOTICON.findall(text):
            total += emoji.get(symbol.lower(), 0.0)
    return total


def _valence(text: str, lexicon: _Lexicon) -> float:
    """The summed valence of `text`, before it is squashed into -1..1."""
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    raws = _TOKEN.findall(text)
    tokens = [raw.lower() for raw in raws]
    triggers = lexicon.triggers
    candidates: set[int] = set()
    for token in tokens:
        found = triggers.get(token)
        if found is None and token[0] in _STRIP:
            found = triggers.get(token.lstrip(_STRIP))
        if found:
            candidates.update(found)
    if candidates:
        marked = _mark_phrases(text, candidates, lexicon)
        if marked is not text:
            raws = _TOKEN.findall(marked)
            tokens = [raw.lower() for raw in raws]
    shouting = text.isupper()
    words, negated, negators = lexicon.words, lexicon.negated, lexicon.negators
    up, down, phrase_valence = lexicon.up, lexicon.down, lexicon.phrase_valence
    known = lexicon.known
    total = _emoji_valence(text, lexicon.emoji)
    sentence = 0.0  # this sentence so far
    thanks = 0.0  # what thanks add to this sentence; dropped when the rest complains
    boost = 0.0
    pending = 0.0  # the valence of a booster that is also a word ("pretty"), if nothing follows
    negation_left = 0
    exclaim = 0
    first = ""
    contrast = 1.0
    for raw, token in zip(raws, tokens, strict=True):
        if not first:
            first = token
        if token not in known and token[0] != "#":  # most words: no sentiment, no role
            if negation_left:
                negation_left -= 1
                if token.endswith("ed"):
                    sentence += (_NEGATED_ACTION + pending) * contrast  # "hasn't been assigned"
                    boost = pending = 0.0
                    continue
            sentence += pending
            boost = pending = 0.0
            continue
        if token in _PUNCTUATION:
            if token == "!":
                exclaim += 1
                continue
            total += _close(sentence + pending, thanks, exclaim, token == "?", first)
            sentence = thanks = boost = pending = 0.0
            negation_left = exclaim = 0
            first = ""
            contrast = 1.0
            continue
        if token in _BUT:
            sentence = (sentence + pending) * _BEFORE_BUT
            thanks *= _BEFORE_BUT
            contrast = _AFTER_BUT
            negation_left = 0
            boost = pending = 0.0
            continue
        valence = phrase_valence.get(token)
        if valence is not None:
            sentence += (valence + pending) * contrast
            negation_left = 0
            boost = pending = 0.0
            continue
        if token[0] == "#":
            token = token[1:]
            valence = words.get(token)
            if valence is None and len(token) > 5:
                inside = lexicon.hashtag.search(token)
                valence = words[inside.group()] if inside else None
        elif token[0] == "@":
            continue
        else:
            valence = words.get(token)
        if token in negators:
            negation_left = _NEGATION_SCOPE
            if valence is not None:
                sentence += valence * contrast
            continue
        if token in up:
            boost += _BOOST_UP
            if valence is not None and not negation_left:
                pending += valence * contrast
            continue
        if token in down:
            boost += _BOOST_DOWN
            continue
        if negation_left:
            negation_left -= 1
            if token in negated:
                valence = _NEGATED_VALENCE
            elif valence is not None:
                valence *= _NEGATION_FLIP if valence > 0 else _NEGATION_FLIP * 0.5
        if valence is None:
            sentence += pending
            boost = pending = 0.0
            continue
        valence *= 1.0 + boost
        boost = pending = 0.0
        if not shouting and raw.isupper() and len(raw) > 1:
            valence *= _CAPS
        if token in _THANKS and valence > 0:
            thanks += valence * contrast
        else:
            sentence += valence * contrast
    return total + _close(sentence + pending, thanks, exclaim, False, first)


def _close(sentence: float, thanks: float, exclaim: int, question: bool, first: str) -> float:
    """What a finished sentence adds to the text's valence."""
    if sentence <= _SARCASTIC_THANKS:
        thanks = 0.0
    value = sentence + thanks
    if question:
        value *= _QUESTION
        if first in _WHY:
            value += _WHY_QUESTION
    if exclaim and value:
        value += math.copysign(_EXCLAIM * min(exclaim, _MAX_EXCLAIM), value)
    return value


def _squash(valence: float) -> float:
    return valence / math.sqrt(valence * valence + _ALPHA)


class SentimentScorer:
    """Scores statements from -1 (a complaint) to 1 (praise), and labels the scores.

    Follows scikit-learn's contract: `__init__` stores its arguments, `fit` loads the lexicon
    and returns the scorer, and scoring before `fit` raises `NotFittedError`.
    """

    def __init__(self, neutral_band: float = NEUTRAL_BAND, lexicon: Path | None = None) -> None:
        self.neutral_band = neutral_band
        self.lexicon = lexicon

    def fit(
        self,
        texts: Sequence[str] | None = None,
        y: Sequence[str] | None = None,
        *,
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
        embed_name: str | None = None,
    ) -> SentimentScorer:
        """Load the lexicon, and with `embed` (an encoder called `embed_name`) train the head
        for its embeddings. `texts` and `y` are accepted for the scikit-learn contract only:
        the head learns from the hand-written statements shipped with Rapport."""
        if not 0.0 <= self.neutral_band < 1.0:
            raise InputError(f"neutral_band must be in [0, 1), got {self.neutral_band}")
        self.lexicon_ = _load_lexicon(Path(self.lexicon) if self.lexicon else LEXICON_PATH)
        self.heads_: dict[int, SentimentHead] = {}
        if embed is not None:
            if not embed_name:
                raise InputError("fit(embed=...) needs embed_name, the encoder's name")
            self.fit_head(embed, embed_name)
        return self

    def fit_head(self, embed: Callable[[Sequence[str]], np.ndarray], name: str) -> SentimentHead:
        """Train (or reuse, per encoder `name` and process) the head for `embed`'s embeddings;
        `score` then uses it for embeddings of that width."""
        lexicon = self._fitted()
        head = fit_head(embed, name, lambda texts: self._lexical(texts, lexicon))
        self.heads_[head.dim] = head
        return head

    def _fitted(self) -> _Lexicon:
        lexicon: _Lexicon | None = getattr(self, "lexicon_", None)
        if lexicon is None:
            raise NotFittedError("SentimentScorer is not fitted yet: call fit() first")
        return lexicon

    @staticmethod
    def _lexical(texts: Sequence[str], lexicon: _Lexicon) -> np.ndarray:
        valence = np.fromiter(
            (_valence(text, lexicon) if text else 0.0 for text in texts),
            dtype=np.float64,
            count=len(texts),
        )
        return valence / np.sqrt(valence * valence + _ALPHA)

    def lexical_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Sentiment per text from the words alone (the lexicon), float64 in -1..1."""
        if isinstance(texts, str):
            raise InputError("lexical_scores() takes a sequence of texts, not one string")
        return self._lexical(texts, self._fitted())

    def score(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None = None,
        *,
        lexical: np.ndarray | None = None,
    ) -> np.ndarray:
        """Sentiment per text, float64 in -1..1.

        With `embeddings` (one L2-normalised row per text) as wide as a head trained by `fit`,
        the head scores them; otherwise the words alone do. Either way `labels` reads the
        scores with the same neutral band. `lexical`: the texts' `lexical_scores`, if the
        caller has them already.
        """
        lexicon = self._fitted()
        if isinstance(texts, str):
            raise InputError("score() takes a sequence of texts, not one string")
        if embeddings is not None and len(embeddings) != len(texts):
            raise InputError(
                f"got {len(embeddings)} embedding rows for {len(texts)} texts: pass one per text"
            )
        if lexical is not None and len(lexical) != len(texts):
            raise InputError(
                f"got {len(lexical)} lexical scores for {len(texts)} texts: pass one per text"
            )
        lexical = self._lexical(texts, lexicon) if lexical is None else lexical
        heads: dict[int, SentimentHead] = getattr(self, "heads_", {})
        if embeddings is None or not heads or not len(texts):
            return lexical
        head = heads.get(int(np.shape(embeddings)[1]))
        if head is None:
            return lexical
        return head.score(embeddings, lexical, NEUTRAL_BAND)

    def labels(self, scores: np.ndarray) -> list[str]:
        """ "negative", "neutral" or "positive" for each score."""
        band = self.neutral_band
        values = np.asarray(scores, dtype=np.float64)
        names = np.where(
            values >= band, "positive", np.where(values <= -band, "negative", "neutral")
        )
        return [str(name) for name in names]

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> list[str]:
        """The label of each text."""
        return self.labels(self.score(texts, embeddings))


@functools.cache
def _default() -> SentimentScorer:
    return SentimentScorer().fit()


def score_sentiment(texts: Sequence[str]) -> np.ndarray:
    """Sentiment per text, float64 in -1..1, from the default scorer."""
    return _default().score(texts)


def sentiment_label(score: float) -> str:
    """ "negative", "neutral" or "positive" for one score, with the default `NEUTRAL_BAND`."""
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def aspect_sentiments(
    text: str, lexical: float | None = None, *, split: bool = True
) -> list[AspectOpinion]:
    """What `text` says about each aspect it names, one opinion per aspect and clause.

    "love the fabric but it runs small" gives fabric (positive) and fit (negative). An aspect
    takes the sentiment of the clause it sits in; clauses without sentiment give no opinion.
    `lexical`: the text's own lexical score (`SentimentScorer.lexical_scores`), if known,
    used when the text is one clause. `split=False` takes the text as one clause, as a
    statement from `split_statements` is (splitting it again gives it back: so it did for
    all 54,886 of the reviews' statements that name an aspect).
    """
    found = find_aspects(text)
    if not found:  # clauses are parts of the text: no aspect in it, none in them
        return []
    lexicon = _default()._fitted()
    if not split:
        score = float(lexical) if lexical is not None else _squash(_valence(text, lexicon))
        if abs(score) < NEUTRAL_BAND:
            return []
        return [AspectOpinion(aspect, score, start, end) for aspect, start, end in found]
    opinions = []
    clauses = split_statements(text)
    for clause in clauses:
        found = find_aspects(clause.text)
        if not found:
            continue
        if lexical is not None and len(clauses) == 1 and clause.text == text:
            score = float(lexical)
        else:
            score = _squash(_valence(clause.text, lexicon))
        if abs(score) < NEUTRAL_BAND:
            continue
        for aspect, start, end in found:
            opinions.append(AspectOpinion(aspect, score, clause.start + start, clause.start + end))
    return opinions
