"""Embeddings: normalised vectors, cached in the store by text hash (re-analysis embeds
nothing twice), and the fast static model distilled locally from MiniLM."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import DATASETS
from rapport.errors import ConfigError
from rapport.voice.embed import (
    FAST_MODEL,
    CacheWriter,
    MiniLMEmbedder,
    StaticEmbedder,
    embed_cached,
    get_embedder,
    native_bfloat16,
    text_hash,
)


class Counting:
    """A real encoder that counts the texts it was asked to embed."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.inner.encode(texts)


def test_minilm_vectors_are_normalised_and_keep_order(minilm: MiniLMEmbedder) -> None:
    texts = ["my card has not arrived", "a much longer sentence " * 10, "", "card not here"]
    vectors = minilm.encode(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 1, 3]], axis=1), 1.0, atol=1e-5)
    # Sorting by length inside encode must not shuffle rows.
    assert vectors[0] @ vectors[3] > vectors[0] @ vectors[1]
    # Alone or in a batch, the same vector (to bfloat16's rounding where it is used).
    atol = 1e-5 if minilm.precision == "float32" else 3e-3
    np.testing.assert_allclose(vectors[0], minilm.encode([texts[0]])[0], atol=atol)


def test_cache_embeds_each_text_once(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    con = duckdb.connect(str(tmp_path / "cache.duckdb"))
    counting = Counting(minilm)
    texts = ["late again", "lost my bag", "late again", "great crew"]
    first, new = embed_cached(con, counting, texts)
    assert new == 3 and sorted(counting.seen) == ["great crew", "late again", "lost my bag"]
    second, new = embed_cached(con, counting, [*texts, "a new one"])
    assert new == 1 and counting.seen[-1] == "a new one"
    np.testing.assert_allclose(first, second[:4], atol=1e-6)
    stored = con.execute("SELECT count(*), min(model) FROM text_embeddings").fetchone()
    assert stored == (4, minilm.name)
    assert len(text_hash("x")) == 32 and text_hash("x") != text_hash("x ")


class FailsAfter(Counting):
    """A real encoder that stops with an error on its third batch."""

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(self.seen) >= 4:
            raise RuntimeError("encoder stopped")
        return super().encode(texts)


@pytest.mark.parametrize(("every", "kept"), [(0.0, 4), (3600.0, 0)])
def test_cache_writes_come_on_a_clock_and_a_crash_loses_only_the_unwritten(
    tmp_path: Path, minilm: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch, every: float,
    kept: int
) -> None:
    monkeypatch.setattr("rapport.voice.embed.CACHE_WRITE_SECONDS", every)
    con = duckdb.connect(str(tmp_path / "cache.duckdb"))
    texts = [f"parcel {i} came late" for i in range(6)]
    with pytest.raises(RuntimeError, match="encoder stopped"):
        embed_cached(con, FailsAfter(minilm), texts, batch=2)
    # Written every batch (0 s), the first two batches survive; written hourly, none did.
    assert con.execute("SELECT count(*) FROM text_embeddings").fetchone() == (kept,)
    counting = Counting(minilm)
    vectors, new = embed_cached(con, counting, texts, batch=2)
    assert new == 6 - kept and len(counting.seen) == 6 - kept
    np.testing.assert_allclose(vectors, minilm.encode(texts), atol=1e-5)
    # Written once at the end when the clock never fires: all six are there.
    assert con.execute("SELECT count(*) FROM text_embeddings").fetchone() == (6,)


class Stored:
    """The static model, but cached as MiniLM's vectors are (quicker cache tests)."""

    cached = True

    def __init__(self, inner: StaticEmbedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode(texts)


def test_background_writes_wait_for_other_work_and_write_each_text_once(
    tmp_path: Path, static: StaticEmbedder
) -> None:
    from concurrent.futures import Future

    static = Stored(static)  # type: ignore[assignment]
    con = duckdb.connect(str(tmp_path / "cache.duckdb"))
    other_work: Future[None] = Future()
    first_texts = ["late again", "lost my bag", "great crew"]
    with CacheWriter(con) as writer:
        writer.after([other_work])
        first, new = embed_cached(con, static, first_texts, writer=writer)
        assert new == 3
        # Held until the other work is done: nothing written yet, so the next call embeds
        # "lost my bag" again, and the writer writes it once.
        assert con.execute("SELECT count(*) FROM text_embeddings").fetchone() == (0,)
        second, new = embed_cached(con, static, ["lost my bag", "new one"], writer=writer)
        assert new == 2
        other_work.set_result(None)
    assert con.execute("SELECT count(*), count(DISTINCT text_hash) FROM text_embeddings"
                       ).fetchone() == (4, 4)
    np.testing.assert_allclose(second[0], first[1], atol=1e-6)
    counting = Counting(static)  # type: ignore[arg-type]
    again, new = embed_cached(con, counting, [*first_texts, "new one"])
    assert new == 0 and counting.seen == []
    np.testing.assert_allclose(again[:3], first, atol=1e-6)


def test_a_failed_background_write_is_raised_when_the_writer_closes(
    tmp_path: Path, static: StaticEmbedder
) -> None:
    static = Stored(static)  # type: ignore[assignment]
    con = duckdb.connect(str(tmp_path / "cache.duckdb"))
    writer = CacheWriter(con)
    writer.submit(static.name, [(["same key", "same key"], static.encode(["a", "b"]))])
    with pytest.raises(duckdb.ConstraintException):
        writer.close()
    assert con.execute("SELECT count(*) FROM text_embeddings").fetchone() == (0,)
    writer.close()  # closing again does nothing
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(static.name, [(["other"], static.encode(["c"]))])


def test_static_vectors_are_computed_not_cached(tmp_path: Path, static: StaticEmbedder) -> None:
    con = duckdb.connect(str(tmp_path / "cache.duckdb"))
    texts = ["late again", "lost my bag", "late again", "great crew"]
    seen: list[str] = []

    class Watched(StaticEmbedder):
        def encode(self, batch: list[str]) -> np.ndarray:  # type: ignore[override]
            seen.extend(batch)
            return static.encode(batch)

    watched = Watched(static.path)
    for _ in range(2):  # the second run computes them again: nothing was stored
        vectors, new = embed_cached(con, watched, texts)
        assert new == 3
        np.testing.assert_array_equal(vectors, static.encode(texts))
    assert sorted(seen) == sorted(["late again", "lost my bag", "great crew"] * 2)
    stored = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'text_embeddings'"
    ).fetchone()
    assert stored == (0,)


def test_static_model_is_built_once_and_reloaded(static: StaticEmbedder) -> None:
    assert (static.path / "model.safetensors").exists()
    again = StaticEmbedder(static.path)
    v1 = static.encode(["refund my ticket please"])
    v2 = again.encode(["refund my ticket please"])
    np.testing.assert_allclose(v1, v2, atol=1e-6)
    assert v1.shape == (1, 256)
    np.testing.assert_allclose(np.linalg.norm(v1), 1.0, atol=1e-5)


def test_static_vectors_equal_model2vecs_own_encode(static: StaticEmbedder) -> None:
    """The word-by-word means give model2vec's vectors on real reviews and tweets, and on the
    texts that must go through the tokenizer: accents, other scripts, control characters,
    the tokenizer's own "[UNK]", a word too long for WordPiece, a text past 512 tokens."""
    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv", nrows=1500)
    tweets = pd.read_csv(DATASETS / "twitter_airline" / "Tweets.csv", nrows=1500)
    texts = reviews["Review Text"].dropna().astype(str).tolist() + tweets["text"].tolist()
    texts += ["", "   ", "café au lait", "naïve ÀÉÎ", "\x0bhi\x0cthere\x7f", "a_b c__d",
              "x" * 150, "runs small " * 400, "日本語 text", "tab\there\nnew", "5'8\" tall",
              "[UNK] [CLS] was [MASK]", "don`t ~stop~ ^^ |pipe|", "@united thx!! #fail"]
    ours = static.encode(texts)
    theirs = static._load().encode(texts, show_progress_bar=False).astype(np.float32)
    norms = np.linalg.norm(theirs, axis=1, keepdims=True)
    theirs = np.divide(theirs, norms, out=np.zeros_like(theirs), where=norms > 0)
    assert ours.shape == theirs.shape == (len(texts), 256)
    # float16 table: model2vec averages in float16, Rapport sums in float32
    np.testing.assert_allclose(ours, theirs, atol=2e-3)
    empty = np.linalg.norm(theirs, axis=1) == 0
    assert empty.sum() >= 3 and np.all(ours[empty] == 0)
    assert float(np.min(np.sum(ours[~empty] * theirs[~empty], axis=1))) > 0.9999
    # the same again, now from the word cache
    np.testing.assert_array_equal(static.encode(texts), ours)
    # and all through the tokenizer, as for a tokenizer the word cut does not fit
    means = static._means
    assert means is not None and means.by_words
    means.by_words = False
    try:
        np.testing.assert_allclose(static.encode(texts), ours, atol=1e-6)
    finally:
        means.by_words = True


def test_static_model_keeps_most_of_minilms_neighbours(
    static: StaticEmbedder, banking77: tuple[pd.DataFrame, np.ndarray]
) -> None:
    frame, accurate = banking77
    rows = np.random.default_rng(0).choice(len(frame), 2000, replace=False)
    fast = static.encode(frame["text"].iloc[rows].tolist())
    slow = accurate[rows]
    labels = frame["category"].to_numpy()[rows]

    def neighbour_accuracy(v: np.ndarray) -> float:
        s = v @ v.T
        np.fill_diagonal(s, -np.inf)
        return float((labels[np.argmax(s, axis=1)] == labels).mean())

    # The nearest other question has the same intent: MiniLM about 0.8, the static model less
    # but far above chance (1/77).
    slow_acc, fast_acc = neighbour_accuracy(slow), neighbour_accuracy(fast)
    assert slow_acc > 0.7
    assert fast_acc > 0.45
    assert fast_acc > 0.6 * slow_acc


def test_bfloat16_products_give_the_float32_vectors(minilm: MiniLMEmbedder) -> None:
    """bfloat16 where the CPU does it natively ("auto"), with vectors all but equal to
    float32's; an unknown precision is a clear error."""
    texts = ["my card has not arrived", "Love the fabric but it runs small.",
             "Flight delayed three hours and nobody told us why", "thanks!", ""]
    exact = MiniLMEmbedder(precision="float32").encode(texts)
    low = MiniLMEmbedder(precision="bfloat16").encode(texts)
    cosine = (exact[:4] * low[:4]).sum(axis=1)
    assert cosine.min() >= 0.999, cosine
    assert not np.array_equal(exact, low)  # the products did run in bfloat16
    auto = MiniLMEmbedder(precision="auto")
    auto.encode(["warm up"])
    assert auto.precision == ("bfloat16" if native_bfloat16() else "float32")
    minilm.encode(["warm up"])  # the shared encoder resolves "auto" when its model loads,
    assert minilm.precision in ("float32", "bfloat16")  # which this worker may not have yet
    with pytest.raises(ConfigError, match=r"voice\.precision 'half'"):
        MiniLMEmbedder(precision="half")


def test_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="use 'accurate' or 'fast'"):
        get_embedder("quick")
    assert get_embedder("fast").name == FAST_MODEL
