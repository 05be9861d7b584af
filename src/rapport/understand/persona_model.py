"""The model behind needs-based personas: a latent class model (a mixture of multinomials) over
blocks of what customers buy, how they buy and what they talk about, with the number of
classes chosen from the data.

Each block is a sparse customers × items matrix of counts (products bought, orders per
channel, a spend band, a purchase-rate band, statements per theme). Given its class, a
customer's items in each block are drawn independently from that class's distribution over
the block's items, so a customer missing a whole block (a buyer who never wrote, a prospect
who only wrote) is simply scored on the blocks they have. Counts are tempered (1 + log count)
before fitting, so that one product bought twenty times does not outweigh everything else; the
likelihoods are those of the tempered counts.

Fitting is EM from several k-means++-seeded starts (the best log-likelihood wins).
`select_classes` fits each k from min_k up on at most `sample_size` customers and scores it:
with "bic" (default) by the lowest BIC; with "cv" by the held-out log-likelihood of
`folds`-fold cross-validation (each fold's model refitted from the full-sample solution),
choosing the smallest k within one standard error of the best. BIC is the more conservative:
on the demo it finds the planted segments where "cv" also splits off heavy from light
buyers; "cv" finds more structure in sparse data (voice only, a few statements each). A k
whose smallest class holds fewer than `min_size` customers is not admissible; the search
stops after `patience` ks without improvement or at max_k. The chosen k is refitted on
everybody from the sample's solution, and classes that end up below the minimum size are
dropped.
"""

from __future__ import annotations

__all__ = ["CRITERIA", "LatentClassModel", "Selection", "select_classes", "temper"]

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import kmeans_plusplus

from rapport.errors import ConfigError, NotFittedError

Blocks = Sequence[sp.csr_matrix]


def temper(counts: sp.spmatrix, weight: float = 1.0) -> sp.csr_matrix:
    """1 + log(count) for every count of at least 1 (smaller counts as they are), times the
    block's weight (a new matrix). A single item keeps the weight of one draw."""
    out = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    out.data = np.where(out.data >= 1, 1.0 + np.log(np.maximum(out.data, 1.0)), out.data)
    out.data *= weight
    out.eliminate_zeros()
    return out


def _logsumexp(joint: np.ndarray) -> np.ndarray:
    """log Σ_k exp(joint[:, k]) per row, without overflow."""
    top = joint.max(axis=1)
    return np.asarray(top + np.log(np.exp(joint - top[:, None]).sum(axis=1)))


def _rows(blocks: Blocks) -> int:
    sizes = {b.shape[0] for b in blocks}
    if len(sizes) != 1:
        raise ConfigError("every feature block must have one row per customer.")
    return int(sizes.pop())


def _seeded_start(blocks: Blocks, k: int, rng: np.random.Generator) -> np.ndarray:
    """Starting responsibilities: k customers drawn by k-means++ on the row-normalised
    features, every customer leaning (0.8) to the most similar of them. A random start sits
    near the no-structure saddle point of EM when the items are few."""
    n = _rows(blocks)
    if k == 1:
        return np.ones((n, 1))
    rows = sp.csr_matrix(sp.hstack(list(blocks), format="csr"))
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    rows = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ rows)
    seeds, _ = kmeans_plusplus(rows, k, random_state=int(rng.integers(2**31 - 1)))
    similarity = np.asarray(rows @ np.asarray(seeds).T)
    similarity += rng.uniform(0, 1e-6, similarity.shape)  # ties (e.g. empty rows) at random
    resp = np.full((n, k), 0.2 / max(k - 1, 1))
    resp[np.arange(n), similarity.argmax(axis=1)] = 0.8
    return resp


class LatentClassModel:
    """A mixture of multinomials over several blocks of (tempered) counts, fitted by EM.

    `alpha` is the Dirichlet smoothing added to every item count of every class.
    Fitted attributes: `weights_` (class shares), `log_theta_` (per block, classes × items),
    `log_likelihood_`, `n_iter_`, `converged_`.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        alpha: float = 0.1,
        n_init: int = 4,
        max_iter: int = 300,
        tol: float = 1e-6,
        random_state: int = 0,
    ) -> None:
        self.n_classes = n_classes
        self.alpha = alpha
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    # --- the two EM steps ---------------------------------------------------------------
    def _m_step(self, blocks: Blocks, resp: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        n, k = resp.shape
        weights = (resp.sum(axis=0) + 1.0) / (n + k)
        log_theta = []
        for block in blocks:
            theta = np.asarray(block.T @ resp).T + self.alpha
            log_theta.append(np.log(theta / theta.sum(axis=1, keepdims=True)))
        return weights, log_theta

    @staticmethod
    def _joint(blocks: Blocks, weights: np.ndarray, log_theta: list[np.ndarray]) -> np.ndarray:
        joint = np.tile(np.log(weights), (_rows(blocks), 1))
        for block, lt in zip(blocks, log_theta, strict=True):
            joint += np.asarray(block @ lt.T)
        return joint

    def _run(
        self, blocks: Blocks, resp: np.ndarray
    ) -> tuple[float, np.ndarray, list[np.ndarray], int, bool]:
        previous = -np.inf
        weights, log_theta = self._m_step(blocks, resp)
        for iteration in range(1, self.max_iter + 1):
            joint = self._joint(blocks, weights, log_theta)
            norm = _logsumexp(joint)
            total = float(norm.sum())
            resp = np.exp(joint - norm[:, None])
            weights, log_theta = self._m_step(blocks, resp)
            if total - previous <= self.tol * abs(total):
                return total, weights, log_theta, iteration, True
            previous = total
        return previous, weights, log_theta, self.max_iter, False

    # --- the public contract ------------------------------------------------------------
    def fit(self, blocks: Blocks, init: LatentClassModel | None = None) -> Self:
        """Fit on `blocks`; `init` (a fitted model with the same items) gives one start from
        its parameters instead of the random starts."""
        if self.n_classes < 1:
            raise ConfigError("a latent class model needs at least one class.")
        rng = np.random.default_rng(self.random_state)
        starts: list[np.ndarray] = []
        if init is not None:
            starts.append(init.predict_proba(blocks))
        else:
            for _ in range(max(1, self.n_init)):
                starts.append(_seeded_start(blocks, self.n_classes, rng))
        best: tuple[float, np.ndarray, list[np.ndarray], int, bool] | None = None
        for start in starts:
            run = self._run(blocks, start)
            if best is None or run[0] > best[0]:
                best = run
        assert best is not None
        self.log_likelihood_, self.weights_, self.log_theta_, self.n_iter_, self.converged_ = best
        return self

    def _check(self) -> None:
        if not hasattr(self, "weights_"):
            raise NotFittedError("fit the latent class model before predicting.")

    def predict_proba(self, blocks: Blocks) -> np.ndarray:
        """Each customer's probability of each class (rows sum to 1)."""
        self._check()
        joint = self._joint(blocks, self.weights_, self.log_theta_)
        return np.asarray(np.exp(joint - _logsumexp(joint)[:, None]))

    def log_likelihood(self, blocks: Blocks) -> float:
        self._check()
        return float(_logsumexp(self._joint(blocks, self.weights_, self.log_theta_)).sum())

    def n_parameters(self) -> int:
        self._check()
        k = len(self.weights_)
        return int((k - 1) + sum(k * (lt.shape[1] - 1) for lt in self.log_theta_))

    def bic(self, blocks: Blocks) -> float:
        """Bayesian information criterion on `blocks` (lower is better)."""
        return float(-2.0 * self.log_likelihood(blocks)
                     + self.n_parameters() * np.log(_rows(blocks)))

    def drop(self, classes: np.ndarray) -> LatentClassModel:
        """A copy without the given classes (their share is spread over the others)."""
        self._check()
        keep = np.setdiff1d(np.arange(len(self.weights_)), classes)
        out = LatentClassModel(len(keep), alpha=self.alpha, n_init=1, max_iter=self.max_iter,
                               tol=self.tol, random_state=self.random_state)
        out.weights_ = self.weights_[keep] / self.weights_[keep].sum()
        out.log_theta_ = [lt[keep] for lt in self.log_theta_]
        out.log_likelihood_, out.n_iter_, out.converged_ = self.log_likelihood_, 0, False
        return out


@dataclass
class Selection:
    """The chosen model, its classes' probabilities for every customer, and the search:
    each candidate k's score (held-out log-likelihood for "cv", −BIC for "bic"; higher is
    better) and its smallest class on the sample."""

    model: LatentClassModel
    proba: np.ndarray
    criterion: str
    scores: dict[int, float] = field(default_factory=dict)
    smallest: dict[int, int] = field(default_factory=dict)
    sampled: int = 0


CRITERIA = ("bic", "cv")


def _smallest(proba: np.ndarray) -> int:
    sizes = np.bincount(proba.argmax(axis=1), minlength=proba.shape[1])
    return int(sizes.min())


def _held_out(model: LatentClassModel, sample: list[sp.csr_matrix], fold: np.ndarray,
              random_state: int) -> np.ndarray:
    """Each customer's log-likelihood under the model refitted without their fold (starting
    from `model`)."""
    out = np.empty(len(fold))
    for f in np.unique(fold):
        test = fold == f
        refit = LatentClassModel(len(model.weights_), alpha=model.alpha,
                                 random_state=random_state)
        refit.fit([b[~test] for b in sample], init=model)
        out[test] = _logsumexp(refit._joint([b[test] for b in sample], refit.weights_,
                                            refit.log_theta_))
    return out


def _choose(scores: dict[int, float], held: dict[int, np.ndarray], admissible: list[int],
            criterion: str) -> int:
    """The best admissible k; for "cv" the smallest within one standard error of it."""
    best = max(admissible, key=lambda k: scores[k])
    if criterion != "cv":
        return best
    for k in sorted(admissible):
        gap = held[best] - held[k]
        if scores[k] >= scores[best] - float(gap.std() * np.sqrt(len(gap))):
            return k
    return best


def select_classes(
    blocks: Blocks,
    *,
    min_k: int,
    max_k: int,
    min_size: int,
    criterion: str = "bic",
    folds: int = 3,
    sample_size: int = 20_000,
    patience: int = 2,
    n_init: int = 4,
    alpha: float = 0.1,
    random_state: int = 0,
) -> Selection:
    """Choose the number of classes (see the module docstring) and fit it on everybody."""
    if criterion not in CRITERIA:
        raise ConfigError(f"criterion {criterion!r} is not known; use one of {CRITERIA}.")
    n = _rows(blocks)
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(n, size=sample_size, replace=False)) if n > sample_size else None
    sample = [b[rows] for b in blocks] if rows is not None else list(blocks)
    fold = rng.permutation(np.arange(len(sample[0].indptr) - 1) % folds)
    scale = len(fold) / n
    scores: dict[int, float] = {}
    held: dict[int, np.ndarray] = {}
    smallest: dict[int, int] = {}
    models: dict[int, LatentClassModel] = {}
    best, worse = -np.inf, 0
    for k in range(min_k, max_k + 1):
        models[k] = LatentClassModel(k, alpha=alpha, n_init=n_init,
                                     random_state=random_state).fit(sample)
        smallest[k] = _smallest(models[k].predict_proba(sample))
        if criterion == "cv":
            held[k] = _held_out(models[k], sample, fold, random_state)
            scores[k] = float(held[k].sum())
        else:
            scores[k] = -models[k].bic(sample)
        if (k == 1 or smallest[k] >= min_size * scale) and scores[k] > best:
            best, worse = scores[k], 0
        else:
            worse += 1  # no better, or a class too small to be a persona
            if worse >= patience:
                break
    admissible = [k for k in scores if k == 1 or smallest[k] >= min_size * scale] or [min_k]
    model = models[_choose(scores, held, admissible, criterion)]
    if rows is not None:
        model = LatentClassModel(len(model.weights_), alpha=alpha,
                                 random_state=random_state).fit(blocks, init=model)
    model, proba = _enforce_min_size(model, blocks, min_size)
    return Selection(model, proba, criterion, scores, smallest, sampled=len(fold))


def _enforce_min_size(model: LatentClassModel, blocks: Blocks,
                      min_size: int) -> tuple[LatentClassModel, np.ndarray]:
    """Drop the smallest class and refit while any class holds fewer than `min_size`."""
    proba = model.predict_proba(blocks)
    while proba.shape[1] > 1:
        sizes = np.bincount(proba.argmax(axis=1), minlength=proba.shape[1])
        if sizes.min() >= min_size:
            break
        shrunk = model.drop(np.array([int(sizes.argmin())]))
        model = LatentClassModel(len(shrunk.weights_), alpha=model.alpha,
                                 random_state=model.random_state).fit(blocks, init=shrunk)
        proba = model.predict_proba(blocks)
    return model, proba
