"""Sentiment: scores and labels on real data sets, hand-written statements, and aspects; the
head on MiniLM embeddings (module-scoped, on seeded samples of the data sets, since encoding all
14,640 tweets takes minutes on a busy CPU) and, with a toy encoder, the head's mechanics."""

from __future__ import annotations

import itertools
import json
import time
import tomllib
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from rapport.errors import InputError, NotFittedError
from rapport.voice.embed import Embedder
from rapport.voice.sentiment import (
    NEUTRAL_BAND,
    AspectOpinion,
    SentimentScorer,
    aspect_sentiments,
    score_sentiment,
    sentiment_label,
)
from rapport.voice.sentiment_head import (
    TRAINING_PATH,
    SentimentHead,
    fit_head,
    training_statements,
)

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
EXAMPLES = ROOT / "src" / "rapport" / "voice" / "data" / "sentiment_examples.toml"
CLASSES = ("negative", "neutral", "positive")


def macro_f1(gold: Sequence[str] | np.ndarray, predicted: Sequence[str] | np.ndarray) -> float:
    y, p = np.asarray(gold), np.asarray(predicted)
    scores = []
    for label in CLASSES:
        tp = np.sum((y == label) & (p == label))
        wrong = np.sum((y != label) & (p == label)) + np.sum((y == label) & (p != label))
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return float(np.mean(scores))


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    ranks = rankdata(np.concatenate([positive, negative]))
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    return SentimentScorer().fit()


@pytest.fixture(scope="module")
def tweets() -> pd.DataFrame:
    return pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv")


@pytest.fixture(scope="module")
def reviews() -> pd.DataFrame:
    frame = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv")
    return frame[frame["Review Text"].notna()].reset_index(drop=True)


@pytest.fixture(scope="module")
def head_scorer(minilm: Embedder) -> tuple[SentimentScorer, Embedder]:
    """A scorer with the head for MiniLM (encodes the ~1,400 training statements once)."""
    return SentimentScorer().fit(embed=minilm.encode, embed_name=minilm.name), minilm


def vader_labels(texts: Sequence[str]) -> list[str]:
    vader = SentimentIntensityAnalyzer()
    compound = np.array([vader.polarity_scores(text)["compound"] for text in texts])
    names = np.where(
        compound >= 0.05, "positive", np.where(compound <= -0.05, "negative", "neutral")
    )
    return [str(name) for name in names]


def test_airline_tweets_beat_vader(scorer: SentimentScorer, tweets: pd.DataFrame) -> None:
    texts = tweets["text"].astype(str).tolist()
    gold = tweets["airline_sentiment"].tolist()
    ours = macro_f1(gold, scorer.predict(texts))
    baseline = macro_f1(gold, vader_labels(texts))
    assert baseline == pytest.approx(0.457, abs=0.01)
    # measured 0.654 from the words alone; with the MiniLM head 0.710 (see below)
    assert ours >= 0.63
    assert ours >= baseline + 0.15


def test_reviews_follow_the_stars(scorer: SentimentScorer, reviews: pd.DataFrame) -> None:
    scores = scorer.score(reviews["Review Text"].astype(str).tolist())
    stars = reviews["Rating"].to_numpy()
    means = [scores[stars == level].mean() for level in range(1, 6)]
    assert all(low < high for low, high in itertools.pairwise(means)), means
    assert means[0] < 0 < means[4]
    assert auc(scores[stars >= 4], scores[stars <= 2]) >= 0.88  # measured 0.903; VADER 0.823
    gold = np.where(stars <= 2, "negative", np.where(stars == 3, "neutral", "positive"))
    assert macro_f1(gold, scorer.labels(scores)) >= 0.49  # measured 0.518; VADER 0.424


def test_hand_written_statements() -> None:
    with EXAMPLES.open("rb") as file:
        examples = tomllib.load(file)
    texts = [text for label in CLASSES for text in examples[label]]
    gold = [label for label in CLASSES for _ in examples[label]]
    assert len(texts) == 240
    # the lexicon was written with these in view, so this guards against regressions only
    assert macro_f1(gold, [sentiment_label(s) for s in score_sentiment(texts)]) >= 0.9


LABEL_CASES = [
    ("not bad", "positive"),
    ("not good", "negative"),
    ("The staff were not helpful at all.", "negative"),
    ("It's not that bad for the price.", "positive"),
    ("Really good", "positive"),
    ("This is AWFUL", "negative"),
    ("Absolutely love it!!!", "positive"),
    ("The seats were comfortable but the food was terrible.", "negative"),
    ("The flight was late but the crew were wonderful.", "positive"),
    ("thanks for nothing", "negative"),
    ("Thanks for losing my bag.", "negative"),
    ("Thank you so much for your help!", "positive"),
    ("great service... NOT!", "negative"),
    ("Great, another delay.", "negative"),
    ("Can I bring my dog on board?", "neutral"),
    ("What time does the store open on Sunday?", "neutral"),
    ("How do I change the address on my account?", "neutral"),
    ("Why is my refund still not here?", "negative"),
    ("been on hold for 2 hours", "negative"),
    ("my bag didn't arrive", "negative"),
    ("Still no reply to my email.", "negative"),
    ("Nobody answers the phone.", "negative"),
    ("The app keeps crashing when I log in.", "negative"),
    ("It runs small, sending it back.", "negative"),
    ("Fits perfectly and true to size.", "positive"),
    ("I wanted to love this dress.", "negative"),
    ("Never flying with you again.", "negative"),
    ("You guys rock 👍", "positive"),
    ("Stuck on the tarmac 😡", "negative"),
    ("My order number is 44812.", "neutral"),
    ("I'd like to move my booking to Friday.", "neutral"),
    ("#fail", "negative"),
    ("Good morning, my order hasn't arrived yet.", "negative"),
    ("I was charged twice for the same order.", "negative"),
    ("The grind was too fine for my machine.", "negative"),
    ("Hi, the kettle leaks from the lid.", "negative"),
    ("My discount code didn't apply.", "negative"),
    ("The seats were small, yet the crew were lovely.", "positive"),
]


@pytest.mark.parametrize(("text", "label"), LABEL_CASES)
def test_labels(text: str, label: str) -> None:
    assert sentiment_label(float(score_sentiment([text])[0])) == label


UNDERSTATEMENTS = ROOT / "tests" / "data" / "sentiment" / "understatements.csv"


def test_understatements_read_as_praise(scorer: SentimentScorer) -> None:
    """Litotes ("can't fault it", "never let me down") are praise; every word of them reads
    as a complaint. Before the lexicon's understatement phrases, 18 of these 40 were right."""
    frame = pd.read_csv(UNDERSTATEMENTS)
    predicted = scorer.predict(frame["text"].tolist())
    right = float(np.mean(np.asarray(predicted) == frame["label"].to_numpy()))
    assert right >= 0.75  # measured 0.825


@pytest.mark.slow
def test_understatements_read_as_praise_with_the_head(
    head_scorer: tuple[SentimentScorer, Embedder],
) -> None:
    scorer, minilm = head_scorer
    frame = pd.read_csv(UNDERSTATEMENTS)
    texts = frame["text"].tolist()
    predicted = scorer.predict(texts, minilm.encode(texts))
    right = float(np.mean(np.asarray(predicted) == frame["label"].to_numpy()))
    assert right >= 0.75  # measured 0.80 (the static model's head: 0.75)


def test_scores_are_bounded_floats(scorer: SentimentScorer) -> None:
    texts = ["", "!!!", "love " * 200, "worst " * 200, "😍😍😍", "ok"]
    scores = scorer.score(texts)
    assert scores.dtype == np.float64 and scores.shape == (len(texts),)
    assert np.all(scores > -1) and np.all(scores < 1)
    assert scores[0] == 0.0 and scores[2] > 0.9 and scores[3] < -0.9
    assert scorer.labels(np.array([-0.5, 0.0, 0.5])) == list(CLASSES)


def test_labels_follow_the_band() -> None:
    assert sentiment_label(NEUTRAL_BAND) == "positive"
    assert sentiment_label(-NEUTRAL_BAND) == "negative"
    assert sentiment_label(NEUTRAL_BAND / 2) == "neutral"
    wide = SentimentScorer(neutral_band=0.9).fit()
    assert wide.predict(["I love it"]) == ["neutral"]


def test_scikit_learn_contract() -> None:
    scorer = SentimentScorer(neutral_band=0.3)
    assert scorer.neutral_band == 0.3 and not hasattr(scorer, "lexicon_")
    with pytest.raises(NotFittedError):
        scorer.score(["hello"])
    assert scorer.fit() is scorer
    with pytest.raises(InputError):
        SentimentScorer(neutral_band=1.5).fit()
    with pytest.raises(InputError, match="one per text"):
        scorer.score(["a", "b"], embeddings=np.zeros((3, 384), dtype=np.float32))
    with pytest.raises(InputError):
        scorer.score("a single string")


def test_embeddings_do_not_change_scores(scorer: SentimentScorer) -> None:
    texts = ["love it", "hate it"]
    embeddings = np.ones((2, 4), dtype=np.float32) / 2
    assert np.array_equal(scorer.score(texts, embeddings), scorer.score(texts))


def test_aspects_of_a_mixed_statement() -> None:
    text = "love the fabric but it runs small"
    opinions = aspect_sentiments(text)
    by_aspect = {opinion.aspect: opinion for opinion in opinions}
    assert set(by_aspect) == {"fabric", "fit"}
    assert by_aspect["fabric"].score > NEUTRAL_BAND
    assert by_aspect["fit"].score < -NEUTRAL_BAND
    assert text[by_aspect["fabric"].start : by_aspect["fabric"].end] == "fabric"
    assert text[by_aspect["fit"].start : by_aspect["fit"].end] == "runs small"
    assert all(isinstance(opinion, AspectOpinion) for opinion in opinions)


def test_aspects_across_sentences() -> None:
    text = "The crew were friendly. The flight was delayed for 3 hours! Great price though."
    opinions = {opinion.aspect: opinion.score for opinion in aspect_sentiments(text)}
    assert opinions["staff"] > 0
    assert opinions["delay"] < 0 and opinions["flight"] < 0
    assert opinions["price"] > 0
    for opinion in aspect_sentiments(text):
        assert 0 <= opinion.start < opinion.end <= len(text)


def test_aspects_from_a_known_lexical_score_are_the_same(reviews: pd.DataFrame) -> None:
    """The pipeline passes each statement's lexical score (computed once for scoring); the
    opinions must be those computed from the words alone."""
    scorer = SentimentScorer().fit()
    texts = [t for t in reviews["Review Text"].dropna().astype(str).head(400)]
    statements = [s for t in texts for s in t.split(". ")] + ["love the fabric but it runs small"]
    lexical = scorer.lexical_scores(statements)
    assert np.array_equal(scorer.score(statements, lexical=lexical), scorer.score(statements))
    known = [aspect_sentiments(s, float(v)) for s, v in zip(statements, lexical, strict=True)]
    assert known == [aspect_sentiments(s) for s in statements]
    assert sum(map(len, known)) > 200
    # A score that is not the text's own is used as given when the text is one clause ...
    assert {o.score for o in aspect_sentiments("the fabric is lovely", -0.5)} == {-0.5}
    # ... and ignored for the clauses of a longer text.
    mixed = {o.aspect: o.score for o in aspect_sentiments("love the fabric but it runs small", 0.0)}
    assert mixed["fabric"] > NEUTRAL_BAND and mixed["fit"] < -NEUTRAL_BAND
    with pytest.raises(InputError, match="2 lexical scores for 1 texts"):
        scorer.score(["one"], lexical=np.zeros(2))
    with pytest.raises(InputError, match="not one string"):
        scorer.lexical_scores("a single string")


def test_statements_need_not_be_split_again_for_their_aspects(reviews: pd.DataFrame) -> None:
    """The pipeline's statements are clauses already: `split=False` must give what splitting
    them again gives, on 2,000 reviews' statements."""
    from rapport.voice.split import split_statements

    scorer = SentimentScorer().fit()
    texts = reviews["Review Text"].astype(str).head(2000)
    statements = [span.text for text in texts for span in split_statements(text)]
    lexical = scorer.lexical_scores(statements)
    whole = [aspect_sentiments(s, float(v), split=False)
             for s, v in zip(statements, lexical, strict=True)]
    assert whole == [aspect_sentiments(s, float(v)) for s, v in zip(statements, lexical,
                                                                    strict=True)]
    assert sum(map(len, whole)) > 1000
    # A text with two clauses is taken whole when told so: one score for both aspects.
    together = aspect_sentiments("love the fabric but it runs small", 0.9, split=False)
    assert [(o.aspect, o.score) for o in together] == [("fabric", 0.9), ("fit", 0.9)]


def test_no_aspects_without_opinion() -> None:
    assert aspect_sentiments("I ordered the dress in blue.") == []
    assert aspect_sentiments("") == []


@pytest.mark.slow
def test_airline_tweets_with_the_head(
    head_scorer: tuple[SentimentScorer, Embedder], tweets: pd.DataFrame
) -> None:
    scorer, minilm = head_scorer
    sample = tweets.sample(1000, random_state=0)
    texts = sample["text"].astype(str).tolist()
    gold = sample["airline_sentiment"].tolist()
    ours = macro_f1(gold, scorer.predict(texts, minilm.encode(texts)))
    words = macro_f1(gold, scorer.predict(texts))
    baseline = macro_f1(gold, vader_labels(texts))
    # On all 14,640 tweets: 0.710 (0.708 before the understatement phrases: negative 0.828,
    # neutral 0.577, positive 0.720), the head's settings chosen on its own training file
    # first; VADER 0.457, words 0.654. The head on the static model: 0.675.
    assert ours >= 0.69
    assert ours >= words + 0.04
    assert ours >= baseline + 0.2


@pytest.mark.slow
def test_reviews_follow_the_stars_with_the_head(
    head_scorer: tuple[SentimentScorer, Embedder], reviews: pd.DataFrame
) -> None:
    scorer, minilm = head_scorer
    sample = reviews.groupby("Rating").sample(40, random_state=0)
    texts = sample["Review Text"].astype(str).tolist()
    scores = scorer.score(texts, minilm.encode(texts))
    stars = sample["Rating"].to_numpy()
    means = [scores[stars == level].mean() for level in range(1, 6)]
    # all 22,641 reviews: means -0.44, -0.34, -0.09, 0.46, 0.76; AUC 0.898; this sample 0.911
    assert all(low < high for low, high in itertools.pairwise(means)), means
    assert means[0] < 0 < means[4]
    assert auc(scores[stars >= 4], scores[stars <= 2]) >= 0.88


@pytest.mark.slow
def test_hand_written_statements_with_the_head(
    head_scorer: tuple[SentimentScorer, Embedder],
) -> None:
    scorer, minilm = head_scorer
    with EXAMPLES.open("rb") as file:
        examples = tomllib.load(file)
    texts = [text for label in CLASSES for text in examples[label]]
    gold = [label for label in CLASSES for _ in examples[label]]
    # the head never saw these statements: measured 0.946
    assert macro_f1(gold, scorer.predict(texts, minilm.encode(texts))) >= 0.92
    cases = [text for text, _ in LABEL_CASES]
    predicted = scorer.predict(cases, minilm.encode(cases))
    right = sum(p == label for p, (_, label) in zip(predicted, LABEL_CASES, strict=True))
    assert right >= len(LABEL_CASES) - 2  # measured: all but "It's not that bad for the price."


def toy_encoder(dim: int = 48) -> Callable[[Sequence[str]], np.ndarray]:
    """Hashed bags of words, L2-normalised: enough to train a head on."""

    def encode(texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, zlib.crc32(word.strip(".,!?").encode()) % dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    return encode


def test_training_statements_are_balanced_and_apart_from_the_examples() -> None:
    texts, labels = training_statements()
    counts = np.bincount(np.asarray(labels), minlength=3)
    assert counts.min() >= 400 and len(set(texts)) == len(texts)
    with TRAINING_PATH.open("rb") as file:
        data = tomllib.load(file)
    assert all(len(data[label]) >= 15 for label in CLASSES)  # kinds of business per class
    with EXAMPLES.open("rb") as file:
        examples = tomllib.load(file)
    assert not set(texts) & {text for label in CLASSES for text in examples[label]}


def test_head_is_trained_once_per_encoder() -> None:
    calls = []
    encode = toy_encoder()

    def counted(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return encode(texts)

    first = SentimentScorer().fit(embed=counted, embed_name="toy-counted")
    second = SentimentScorer().fit()
    head = second.fit_head(counted, "toy-counted")
    assert len(calls) == 1 and calls[0] == len(training_statements()[0])
    assert first.heads_[48] is head and head.dim == 48
    texts = ["The flight was cancelled and nobody told us.", "Do you fly to Lisbon?", "Love it!"]
    scores = first.score(texts, encode(texts))
    assert scores.dtype == np.float64 and np.all(np.abs(scores) < 1)
    assert not np.array_equal(scores, first.score(texts))


def test_a_trained_head_is_kept_in_the_model_cache_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.voice import sentiment_head

    monkeypatch.setenv("RAPPORT_VOICE_MODEL_CACHE", str(tmp_path / "models"))
    trained: list[int] = []
    real_fit = sentiment_head._fit_logistic

    def counting_fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
        trained.append(len(y))
        return real_fit(x, y, c)

    monkeypatch.setattr(sentiment_head, "_fit_logistic", counting_fit)
    lexicon = SentimentScorer().fit()

    def words(texts: Sequence[str]) -> np.ndarray:
        return lexicon.lexical_scores(texts)

    def new_process() -> None:
        monkeypatch.setattr(sentiment_head, "_HEADS", {})

    new_process()
    first = fit_head(toy_encoder(), "toy/stored", words)
    stored = list((tmp_path / "models" / "sentiment-heads").glob("toy_stored-*.json"))
    assert trained == [len(training_statements()[0])] and len(stored) == 1
    new_process()
    again = fit_head(toy_encoder(), "toy/stored", words)
    assert len(trained) == 1  # read back, not trained again
    assert np.array_equal(again.weights, first.weights) and np.array_equal(again.bias, first.bias)
    # another encoder (or lexicon, or training file) reads other inputs: another head
    new_process()
    other = fit_head(toy_encoder(40), "toy/stored", words)
    assert len(trained) == 2 and other.dim == 40
    # a damaged file is trained again and replaced; a folder that cannot be written is no error
    stored[0].write_bytes(b"not a head")
    new_process()
    repaired = fit_head(toy_encoder(), "toy/stored", words)
    assert len(trained) == 3 and np.array_equal(repaired.weights, first.weights)
    assert np.array_equal(json.loads(stored[0].read_text())["weights"], first.weights)
    (tmp_path / "blocked").write_text("a file where the folder would go")
    monkeypatch.setenv("RAPPORT_VOICE_MODEL_CACHE", str(tmp_path / "blocked"))
    new_process()
    assert fit_head(toy_encoder(), "toy/stored", words).dim == 48 and len(trained) == 4


def test_head_falls_back_to_words() -> None:
    scorer = SentimentScorer().fit(embed=toy_encoder(), embed_name="toy-48")
    texts = ["love it", "hate it"]
    other_width = np.ones((2, 384), dtype=np.float32) / np.sqrt(384)
    assert np.array_equal(scorer.score(texts, other_width), scorer.score(texts))
    assert np.array_equal(scorer.score(texts, None), SentimentScorer().fit().score(texts))
    assert scorer.score([], np.zeros((0, 48), dtype=np.float32)).shape == (0,)
    with pytest.raises(InputError, match="embed_name"):
        SentimentScorer().fit(embed=toy_encoder())
    with pytest.raises(InputError, match="one row per text"):
        fit_head(lambda texts: np.zeros((3, 8)), "toy-broken", lambda texts: np.zeros(len(texts)))


def test_head_band_lands_on_the_neutral_band() -> None:
    # two dimensions: the first votes positive, the second negative; the lexical row is silent
    weights = np.array([[-3.0, 0.0, 3.0], [3.0, 0.0, -3.0], [0.0, 0.0, 0.0]])
    head = SentimentHead("hand-made", weights, np.zeros(3), band=0.3)
    raw = np.linspace(-0.99, 0.99, 41)
    # embeddings whose p(positive) - p(negative) is `raw`: found by bisection on the first weight
    rows = np.array([[_solve(head, value), 0.0] for value in raw])
    scores = head.score(rows, np.zeros(len(raw)), NEUTRAL_BAND)
    assert np.all(np.diff(scores) > 0) and np.all(np.abs(scores) < 1)
    labels = SentimentScorer().fit().labels(scores)
    expected = np.where(raw >= 0.3, "positive", np.where(raw <= -0.3, "negative", "neutral"))
    assert labels == expected.tolist()


def _solve(head: SentimentHead, target: float) -> float:
    low, high = -10.0, 10.0
    for _ in range(80):
        middle = (low + high) / 2
        p = head.probabilities(np.array([[middle, 0.0]]), np.zeros(1))[0]
        low, high = (middle, high) if p[2] - p[0] < target else (low, middle)
    return (low + high) / 2


def test_head_scores_fast() -> None:
    scorer = SentimentScorer().fit(embed=toy_encoder(), embed_name="toy-48")
    texts = list(training_statements()[0]) * 10
    embeddings = np.tile(toy_encoder()(texts[: len(texts) // 10]), (10, 1))
    started = time.perf_counter()
    scorer.score(texts, embeddings)
    rate = len(texts) / (time.perf_counter() - started)
    assert rate >= 10_000  # measured about 55,000 short statements a second on a busy CPU


def test_lexicon_phrases_match_where_their_plain_form_does() -> None:
    """Phrases are compiled with the look-behind after their first character (so the engine
    skips ahead); on real reviews and tweets each matches exactly where the plain form
    `(?<![\\w'’])(?:phrase)(?![\\w'’])` does."""
    import re

    from rapport.voice.sentiment import LEXICON_PATH, _load_lexicon

    with LEXICON_PATH.open("rb") as file:
        patterns = list(tomllib.load(file)["phrases"])
    compiled = _load_lexicon().phrases
    assert len(compiled) == len(patterns)
    plain = [re.compile(rf"(?<![\w'’])(?:{p})(?![\w'’])") for p in patterns]
    assert sum(c.pattern != p.pattern for c, p in zip(compiled, plain, strict=True)) >= 80
    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv", nrows=4000)
    tweets = pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv", nrows=4000)
    texts = [t.lower() for t in reviews["Review Text"].dropna().tolist()
             + tweets["text"].astype(str).tolist()]
    texts += ["thanks for nothing", "great job... not", "5 hours late", "i'm not disappointed"]
    found = 0
    for fast, slow in zip(compiled, plain, strict=True):
        for text in texts:
            want = [m.span() for m in slow.finditer(text)]
            assert [m.span() for m in fast.finditer(text)] == want, (slow.pattern, text)
            found += len(want)
    assert found > 2000
