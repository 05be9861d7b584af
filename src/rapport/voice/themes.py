"""Theme discovery without being told how many: a nearest-neighbour similarity graph of the
statements' embeddings, cut into communities by the Leiden algorithm, then split again into
sub-themes where a theme holds clear sub-communities."""

from __future__ import annotations

__all__ = ["ThemeModel", "knn_graph", "leiden", "top_k"]

import importlib
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from rapport.errors import ConfigError, NotFittedError
from rapport.voice.embed import row_norms


def knn_graph(vectors: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """The `k` most similar rows of each row (cosine on normalised rows): (neighbours, sims),
    most similar first. Similarities come a block of rows at a time (a symmetric version that
    multiplies each pair of blocks once was no faster here); `top_k` picks the neighbours."""
    n = len(vectors)
    k = max(1, min(k, n - 1))
    idx = np.empty((n, k), dtype=np.int64)
    sim = np.empty((n, k), dtype=np.float32)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    # One buffer for every block's products: a new 2,048 × 15,000 array per block cost
    # 0.1-0.3 s of page faults in a 0.7 s search of 15,000 rows (the same products).
    buffer = np.empty((min(block, n), n), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        s = np.matmul(vectors[start:stop], vectors.T, out=buffer[: stop - start])
        s[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        sim[start:stop], idx[start:stop] = top_k(s, k)
    return idx, sim


_TOP_K_CHUNK = 64  # columns per chunk whose maximum `top_k` looks at first


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` largest values of each row of `scores` and their columns, largest first.

    With torch already imported (accurate mode has it for MiniLM), torch's top-k. Otherwise
    NumPy, without importing torch for this alone (a second of fast mode's run): the row's
    maximum over each chunk of 64 columns first; the k largest values lie in the k chunks
    with the largest maxima (any value outside them is beaten by those k maxima), so only
    those chunks' 64·k values are searched. Exact either way; which of two equal values comes
    first may differ.
    """
    rows, cols = scores.shape
    k = min(k, cols)
    torch = sys.modules.get("torch")
    if torch is not None:
        values, chosen = torch.topk(torch.from_numpy(np.ascontiguousarray(scores)), k, dim=1)
        return values.numpy(), chosen.numpy().astype(np.int64, copy=False)
    width = _TOP_K_CHUNK
    if cols > 4 * width * k:  # else searching every column is as quick
        best = np.maximum.reduceat(scores, np.arange(0, cols, width), axis=1)
        chunks = np.argpartition(best, -k, axis=1)[:, -k:]
        # The chosen chunks' values, copied a chunk at a time; a last, shorter chunk (when
        # cols is not a multiple of the width) is filled in apart, with -inf past the end.
        whole = cols // width
        blocks = scores[:, : whole * width].reshape(rows, whole, width)
        candidates = blocks[np.arange(rows)[:, None], np.minimum(chunks, whole - 1)]
        short = cols - whole * width
        if short:
            at_row, at_chunk = np.nonzero(chunks == whole)
            candidates[at_row, at_chunk, :short] = scores[at_row, whole * width :]
            candidates[at_row, at_chunk, short:] = -np.inf
        candidates = candidates.reshape(rows, k * width)
        picked = np.argpartition(candidates, -k, axis=1)[:, -k:]
        values = np.take_along_axis(candidates, picked, axis=1)
        chosen = np.take_along_axis(chunks, picked // width, axis=1) * width + picked % width
    else:
        columns = np.broadcast_to(np.arange(cols), (rows, cols))
        picked = np.argpartition(scores, -k, axis=1)[:, -k:] if k < cols else columns[:, :k]
        values = np.take_along_axis(scores, picked, axis=1)
        chosen = np.take_along_axis(columns, picked, axis=1)
    order = np.lexsort((chosen, -values), axis=1)  # largest first, then by column
    return (
        np.take_along_axis(values, order, axis=1),
        np.take_along_axis(chosen, order, axis=1).astype(np.int64, copy=False),
    )


def _voice_module(name: str) -> Any:
    """igraph, or an error that says which extra to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            f"theme discovery needs {name}; install the voice extra: "
            "pip install 'rapport[voice]'."
        ) from exc


@contextmanager
def _seeded(ig: Any, seed: int) -> Iterator[None]:
    """igraph draws from Python's `random` module: give it a generator of its own, seeded,
    for the duration (the module's global state is left alone)."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def leiden(
    idx: np.ndarray, sim: np.ndarray, resolution: float, seed: int, iterations: int = 2
) -> tuple[np.ndarray, float]:
    """Communities of the neighbour graph (edge weight: cosine similarity, at least 1e-6),
    by igraph's Leiden on modularity at `resolution` (the configuration model; about ten
    times faster than the leidenalg package with the same modularity), and the partition's
    modularity at resolution 1."""
    ig = _voice_module("igraph")
    n, k = idx.shape
    edges = np.column_stack([np.repeat(np.arange(n), k), idx.ravel()])
    graph = ig.Graph(n=n, directed=False)
    graph.add_edges(edges)  # half the time of passing the edges to the constructor
    graph.es["weight"] = np.clip(sim.ravel().astype(np.float64), 1e-6, None)
    graph = graph.simplify(combine_edges="max")
    with _seeded(ig, seed):
        part = graph.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=resolution,
            n_iterations=iterations,
        )
    membership = np.asarray(part.membership, dtype=np.int64)
    return membership, float(graph.modularity(part.membership, weights="weight"))


class ThemeModel:
    """Finds themes in embedded statements (scikit-learn's estimator contract).

    After `fit(X)`: `labels_` (theme per row, -1 for rows in groups smaller than
    `min_size`), `sublabels_` (sub-theme per row within its theme, -1 where the theme was not
    split), `n_themes_`, `similarity_` (each row's cosine to its theme's centre, after
    centring; to the first theme's for rows without one; zeros without themes). Beyond
    `max_fit` rows, themes and sub-themes are found in a sample of `max_fit` rows, and the
    other rows join the nearest theme centre, then the nearest of its sub-theme centres: the
    time stays bounded however many statements there are.
    """

    def __init__(
        self,
        neighbors: int = 15,
        resolution: float = 4.0,
        min_size: int = 5,
        subtheme_min_size: int = 40,
        subtheme_modularity: float = 0.45,
        max_subthemes: int = 8,
        max_fit: int = 30000,
        full_resolution_rows: int = 2000,
        seed: int = 0,
    ) -> None:
        self.neighbors = neighbors
        self.resolution = resolution
        self.min_size = min_size
        self.subtheme_min_size = subtheme_min_size
        self.subtheme_modularity = subtheme_modularity
        self.max_subthemes = max_subthemes
        self.max_fit = max_fit
        self.full_resolution_rows = full_resolution_rows
        self.seed = seed

    def _prepare(self, X: np.ndarray) -> np.ndarray:
        centred = np.asarray(X, dtype=np.float32) - self.mean_
        norms = row_norms(centred)[:, None]  # np.linalg.norm's, without squaring a copy
        norms[norms == 0] = 1.0
        centred /= norms  # in place: the rows can be all the statements
        return np.asarray(centred, dtype=np.float32)

    def fit(self, X: np.ndarray) -> ThemeModel:
        X = np.asarray(X, dtype=np.float32)
        n = len(X)
        rng = np.random.default_rng(self.seed)
        sample = np.sort(rng.choice(n, self.max_fit, replace=False)) if n > self.max_fit else None
        fit_rows = X if sample is None else X[sample]
        self.mean_ = fit_rows.mean(axis=0) if len(fit_rows) else np.zeros(X.shape[1], np.float32)
        Z = self._prepare(fit_rows)
        labels = np.full(len(Z), -1, dtype=np.int64)
        if len(Z) >= max(self.min_size, 3):
            idx, sim = knn_graph(Z, self.neighbors)
            raw, _ = leiden(idx, sim, self.effective_resolution(len(Z)), self.seed)
            labels = self._renumber(raw)
        self.centres_ = self._centres(Z, labels)
        sub = self._subthemes(Z, labels)
        everything = Z
        if sample is not None:  # the other rows join the nearest theme, then sub-theme
            everything = self._prepare(X)
            full = self._nearest(everything)
            full[sample] = labels
            full_sub = self._nearest_subthemes(everything, full, Z, labels, sub)
            full_sub[sample] = sub
            labels, sub = full, full_sub
        self.labels_ = labels
        self.sublabels_ = sub
        self.n_themes_ = int(labels.max() + 1) if (labels >= 0).any() else 0
        self.similarity_ = (
            np.einsum("ij,ij->i", everything, self.centres_[np.maximum(labels, 0)])
            if self.n_themes_
            else np.zeros(n)
        )
        return self

    def effective_resolution(self, n: int) -> float:
        """The resolution used for `n` rows: `resolution` from `full_resolution_rows` rows up,
        easing towards 1 (plain modularity) below, so that a small, homogeneous set of
        statements is not cut into crumbs."""
        weight = min(1.0, n / self.full_resolution_rows)
        return 1.0 + (self.resolution - 1.0) * weight if self.resolution > 1 else self.resolution

    def _renumber(self, raw: np.ndarray) -> np.ndarray:
        """Themes numbered by size, largest first; groups below `min_size` become -1."""
        counts = np.bincount(raw)
        keep = [c for c in np.argsort(-counts, kind="stable") if counts[c] >= self.min_size]
        mapping = np.full(len(counts), -1, dtype=np.int64)
        mapping[keep] = np.arange(len(keep))
        return np.asarray(mapping[raw], dtype=np.int64)

    @staticmethod
    def _centres(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        k = int(labels.max() + 1) if (labels >= 0).any() else 0
        centres = np.zeros((k, Z.shape[1]), dtype=np.float32)
        for t in range(k):
            c = Z[labels == t].mean(axis=0)
            centres[t] = c / max(float(np.linalg.norm(c)), 1e-12)
        return centres

    def _nearest(self, Z: np.ndarray) -> np.ndarray:
        if not len(self.centres_):
            return np.full(len(Z), -1, dtype=np.int64)
        return np.asarray(np.argmax(Z @ self.centres_.T, axis=1), dtype=np.int64)

    def _nearest_subthemes(self, Z: np.ndarray, labels: np.ndarray, fitted: np.ndarray,
                           fitted_labels: np.ndarray, fitted_sub: np.ndarray) -> np.ndarray:
        """The sub-theme of each row of `Z` (themes `labels`): the nearest centre among the
        sub-themes found in its theme's fitted rows; -1 where that theme was not split."""
        sub = np.full(len(Z), -1, dtype=np.int64)
        for t in range(int(labels.max() + 1) if (labels >= 0).any() else 0):
            mine = fitted_labels == t
            if not (fitted_sub[mine] >= 0).any():
                continue
            centres = self._centres(fitted[mine], fitted_sub[mine])
            rows = np.flatnonzero(labels == t)
            sub[rows] = np.argmax(Z[rows] @ centres.T, axis=1)
        return sub

    def _subthemes(self, Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        sub = np.full(len(Z), -1, dtype=np.int64)
        for t in range(int(labels.max() + 1) if (labels >= 0).any() else 0):
            rows = np.flatnonzero(labels == t)
            if len(rows) < self.subtheme_min_size:
                continue
            idx, sim = knn_graph(Z[rows], min(self.neighbors, len(rows) - 1))
            raw, modularity = leiden(idx, sim, 1.0, self.seed)
            counts = np.bincount(raw)
            floor = max(self.min_size, 0.05 * len(rows))
            big = [c for c in np.argsort(-counts, kind="stable") if counts[c] >= floor]
            big = big[: self.max_subthemes]
            if modularity < self.subtheme_modularity or len(big) < 2:
                continue
            mapping = np.full(len(counts), -1, dtype=np.int64)
            mapping[big] = np.arange(len(big))
            local = mapping[raw]
            # Members of tiny sub-groups join the nearest kept sub-theme.
            if (local < 0).any():
                centres = self._centres(Z[rows], local)
                loose = local < 0
                local[loose] = np.argmax(Z[rows][loose] @ centres.T, axis=1)
            sub[rows] = local
        return sub

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The nearest theme of new rows."""
        if not hasattr(self, "centres_"):
            raise NotFittedError("ThemeModel is not fitted; call fit() first.")
        return self._nearest(self._prepare(np.asarray(X, dtype=np.float32)))
