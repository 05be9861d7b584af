"""A sentiment head: a small classifier on sentence embeddings, trained at run time.

Holds `SentimentHead` (a multinomial logistic regression over an embedding and the lexical score
of a statement), `fit_head`, which trains one for an encoder from the hand-written statements in
`data/sentiment_training.toml` and keeps it for the life of the process and in the model
cache, and `training_statements`.

Nothing is pickled: the head is trained from text the first time it is needed, in about half a
second once the statements are embedded (the encoder is what takes time: about 1,400 short
statements). The trained weights are kept as JSON (models are saved as JSON, never pickled) in
the model cache folder (setting `voice.model_cache`), under a hash of everything the training
reads: the statements' embeddings and lexical scores, their classes and the settings below.
A changed encoder, lexicon or training file gives another hash, so a stale head is never read;
a missing, unreadable or unwritable file only means training again.

The head's settings (the L2 strength, the weight of the lexical score, the neutral band of each
encoder) were chosen by 5-fold cross-validation on the training file alone.
"""

from __future__ import annotations

__all__ = [
    "CLASSES",
    "HEAD_ENCODERS",
    "TRAINING_PATH",
    "SentimentHead",
    "fit_head",
    "training_statements",
]

import functools
import hashlib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize

from rapport.errors import InputError
from rapport.voice.model_cache import model_cache

CLASSES = ("negative", "neutral", "positive")
TRAINING_PATH = Path(__file__).resolve().parent / "data" / "sentiment_training.toml"

Encode = Callable[[Sequence[str]], np.ndarray]
Lexical = Callable[[Sequence[str]], np.ndarray]

# Chosen by 5-fold cross-validation on data/sentiment_training.toml (macro-F1 about 0.87 with
# MiniLM, about 0.82 with the static model; the lexical scorer alone: 0.75): C as in scikit-learn,
# the factor on the lexical score as a feature, and the |p(positive) - p(negative)| below which a
# statement is neutral, per encoder.
_C = 1.0
_LEXICAL_WEIGHT = 2.0
_BANDS = {"all-MiniLM-L6-v2": 0.30, "static-MiniLM-L6-v2-256": 0.35}
_DEFAULT_BAND = 0.30
# The encoders whose heads were checked; the pipeline trains heads for these only.
HEAD_ENCODERS = frozenset(_BANDS)
_MAX_ITER = 500
_ROWS_AT_ONCE = 8192  # embedding rows converted to float64 at a time when scoring

_HEADS: dict[tuple[str, Path], SentimentHead] = {}


@dataclass(frozen=True)
class SentimentHead:
    """A trained head for one encoder: `weights` has a row per embedding dimension and one for
    the lexical score, a column per class in `CLASSES`."""

    name: str
    weights: np.ndarray
    bias: np.ndarray
    band: float

    @property
    def dim(self) -> int:
        """The embedding width this head reads."""
        return int(self.weights.shape[0]) - 1

    def probabilities(self, embeddings: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """p(negative), p(neutral), p(positive) per row of `embeddings` (L2-normalised rows,
        as the encoders give them) and its lexical score in -1..1."""
        rows = np.asarray(embeddings)
        logits = np.empty((len(rows), self.weights.shape[1]), dtype=np.float64)
        for start in range(0, len(rows), _ROWS_AT_ONCE):  # no float64 copy of all the rows
            chunk = np.asarray(rows[start : start + _ROWS_AT_ONCE], dtype=np.float64)
            logits[start : start + len(chunk)] = chunk @ self.weights[:-1]
        logits += np.outer(
            np.asarray(lexical, dtype=np.float64) * _LEXICAL_WEIGHT, self.weights[-1]
        )
        logits += self.bias
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        probabilities: np.ndarray = logits
        return probabilities

    def score(self, embeddings: np.ndarray, lexical: np.ndarray, band: float) -> np.ndarray:
        """Sentiment in -1..1: p(positive) - p(negative), stretched piecewise-linearly so that
        this head's neutral band lands on `band` (so one band labels every scorer's scores)."""
        p = self.probabilities(embeddings, lexical)
        raw = p[:, 2] - p[:, 0]
        size = np.abs(raw)
        inside = size * (band / self.band)
        outside = band + (size - self.band) * ((1.0 - band) / (1.0 - self.band))
        stretched: np.ndarray = np.sign(raw) * np.where(size < self.band, inside, outside)
        return stretched


@functools.cache
def training_statements(path: Path = TRAINING_PATH) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The training statements and their class (an index into `CLASSES`), in file order."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    texts: list[str] = []
    labels: list[int] = []
    for index, name in enumerate(CLASSES):
        for statements in data[name].values():
            texts.extend(statements)
            labels.extend([index] * len(statements))
    return tuple(texts), tuple(labels)


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias of a multinomial logistic regression: cross-entropy summed over rows
    plus ||W||² / 2C (the bias is not penalised), minimised with L-BFGS."""
    width = x.shape[1]
    k = len(CLASSES)
    onehot = np.eye(k)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: width * k].reshape(width, k)
        z = x @ w + theta[width * k :]
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -float((onehot * log_p).sum()) + float((w * w).sum()) / (2 * c)
        residual = np.exp(log_p) - onehot
        gradient = np.concatenate([(x.T @ residual + w / c).ravel(), residual.sum(axis=0)])
        return value, gradient

    start = np.zeros(width * k + k)
    result = optimize.minimize(
        loss, start, jac=True, method="L-BFGS-B", options={"maxiter": _MAX_ITER}
    )
    theta = np.asarray(result.x, dtype=np.float64)
    return theta[: width * k].reshape(width, k), theta[width * k :]


def fit_head(
    encode: Encode,
    name: str,
    lexical: Lexical,
    *,
    path: Path = TRAINING_PATH,
    refit: bool = False,
) -> SentimentHead:
    """The head for the encoder called `name`, trained on the statements at `path` embedded
    with `encode` (and scored with `lexical`); kept per encoder name and file for the life of
    the process, so `encode` is only called the first time unless `refit`."""
    key = (name, path)
    head = _HEADS.get(key)
    if head is not None and not refit:
        return head
    texts, labels = training_statements(path)
    embeddings = np.asarray(encode(list(texts)), dtype=np.float64)
    if embeddings.ndim != 2 or len(embeddings) != len(texts) or embeddings.shape[1] < 1:
        raise InputError(
            f"the encoder {name!r} gave an array of shape {embeddings.shape} "
            f"for {len(texts)} texts: expected one row per text"
        )
    if not np.isfinite(embeddings).all():
        raise InputError(f"the encoder {name!r} gave NaN or infinite values")
    scores = np.asarray(lexical(list(texts)), dtype=np.float64)
    features = np.hstack([embeddings, _LEXICAL_WEIGHT * scores[:, None]])
    classes = np.asarray(labels, dtype=np.int64)
    stored = _stored_head_path(name, features, classes)
    found = _read_head(stored, features.shape[1])
    if found is None:
        weights, bias = _fit_logistic(features, classes, _C)
        _write_head(stored, name, weights, bias)
    else:
        weights, bias = found
    head = SentimentHead(name, weights, bias, _BANDS.get(name, _DEFAULT_BAND))
    _HEADS[key] = head
    return head


_HEAD_FORMAT = 1


def _stored_head_path(name: str, features: np.ndarray, classes: np.ndarray) -> Path:
    """Where the head trained on exactly these features and classes is kept."""
    digest = hashlib.sha256()
    digest.update(f"{_HEAD_FORMAT}|{name}|{_C}|{_LEXICAL_WEIGHT}|{_MAX_ITER}|".encode())
    digest.update(np.ascontiguousarray(features, dtype="<f8").tobytes())
    digest.update(np.ascontiguousarray(classes, dtype="<i8").tobytes())
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return model_cache() / "sentiment-heads" / f"{safe}-{digest.hexdigest()[:24]}.json"


def _read_head(path: Path, width: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The stored weights and bias, or None where there are none that fit."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        weights = np.asarray(stored["weights"], dtype=np.float64)
        bias = np.asarray(stored["bias"], dtype=np.float64)
    except (OSError, KeyError, TypeError, ValueError):
        return None
    k = len(CLASSES)
    if weights.shape != (width, k) or bias.shape != (k,) or not (
        np.isfinite(weights).all() and np.isfinite(bias).all()
    ):
        return None
    return weights, bias


def _write_head(path: Path, name: str, weights: np.ndarray, bias: np.ndarray) -> None:
    """Keep the weights for the next process, as JSON (atomically; a folder that cannot be
    written to only means training again)."""
    record = {"format": _HEAD_FORMAT, "encoder": name, "classes": list(CLASSES),
              "weights": weights.tolist(), "bias": bias.tolist()}
    partial: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".json", delete=False
        ) as tmp:
            partial = Path(tmp.name)
            json.dump(record, tmp)
        os.replace(partial, path)
    except OSError:
        if partial is not None:
            partial.unlink(missing_ok=True)
