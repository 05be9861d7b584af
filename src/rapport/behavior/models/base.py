"""The maximum-likelihood base shared by every BTYD model.

`MaximumLikelihoodModel` holds everything that is not a model's own mathematics: scikit-learn's
estimator contract (`__init__` only stores its arguments, `get_params`/`set_params`, `fit` returns
self, fitted attributes end in `_`), compression of the data to distinct rows with weights, the
optimisation of the penalised log-likelihood over log-parameters, standard errors from the
Hessian, and saving to and loading from JSON. A model supplies its parameter names, starting
points and its per-row log-likelihood with its exact gradient.

The penalty is `penalizer × Σ (log θ)²` added to the mean negative log-likelihood per customer:
an L2 penalty on the log-parameters that pulls every parameter towards 1 and keeps it positive.
It is independent of the number of customers, so one penalizer means the same on any data set.
"""

from __future__ import annotations

__all__ = ["MaximumLikelihoodModel"]

import abc
import inspect
import itertools
import json
import math
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

import numpy as np
from scipy import optimize

from rapport.behavior.models._inputs import FloatArray, unique_rows
from rapport.errors import ConfigError, ConvergenceError, InputError, NotFittedError
from rapport.memory import retain_freed_memory
from rapport.threads import cpus, single_threaded

DataT = TypeVar("DataT")

_JSON_FORMAT = 1
_LOG_BOUND = 30.0  # log-parameters stay within e^±30
_HESSIAN_STEP = 1e-6  # step in log-parameters for the Hessian (differences of the gradient)
_POLISH_STEPS = 3
_WARM_START_ROWS = 50_000  # above this many distinct rows, start from a subsample's fit
_WARM_START_SAMPLE = 20_000
_WARM_NEWTON_STEPS = 20
_WARM_START_TOL = 1e-5  # a rough optimum of the subsample is start enough
_SEEN_POINTS = 8  # evaluations a fit remembers: the estimate's, past the Hessian's k more
_PART_ROWS = 200_000  # distinct rows per part when a fit evaluates parts side by side

_REGISTRY: dict[str, type[MaximumLikelihoodModel[Any]]] = {}

Objective = Callable[[FloatArray], tuple[float, FloatArray]]
Part = tuple[DataT, FloatArray]  # prepared distinct rows and their counts

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The threads that evaluate the parts of a large fit (made on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(cpus(), thread_name_prefix="rapport-fit")
        return _POOL


class MaximumLikelihoodModel(abc.ABC, Generic[DataT]):
    """A model fitted by maximum likelihood, with the scikit-learn estimator contract.

    Fitted attributes: `params_` (parameter name → estimate), `log_likelihood_` (the total
    log-likelihood, with every constant term, at the estimate), `standard_errors_` (name → the
    asymptotic standard error from the inverse Hessian of the penalised negative
    log-likelihood; NaN where that Hessian is not positive definite), `n_customers_` (the number
    of customers the fit used, i.e. the sum of the weights), `converged_` and `n_iter_`.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    # Whether a fit first merges identical rows into one with their summed weight. It pays
    # where an evaluation costs more than hashing a row (BG/NBD, Pareto/NBD); Gamma-Gamma's
    # evaluation is cheaper: merging 954,509 repeat customers into 596,029 rows cost 0.06 s
    # and saved under 0.01 s of evaluations (the fit 0.115 -> 0.085 s without it).
    _merge_rows: ClassVar[bool] = True

    params_: dict[str, float]
    log_likelihood_: float
    standard_errors_: dict[str, float]
    n_customers_: float
    converged_: bool
    n_iter_: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def __init__(self, penalizer: float = 0.0, tol: float = 1e-8, max_iter: int = 1000) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter

    # -- the estimator contract ------------------------------------------------------------

    @classmethod
    def _setting_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, by name (scikit-learn's contract)."""
        return {name: getattr(self, name) for name in self._setting_names()}

    def set_params(self, **params: Any) -> Self:
        """Change constructor arguments; returns self (scikit-learn's contract)."""
        valid = self._setting_names()
        for name, value in params.items():
            if name not in valid:
                raise ConfigError(
                    f"{type(self).__name__} has no setting {name!r}; its settings are "
                    f"{', '.join(valid)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if defaults.get(name) != value
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_settings(self) -> None:
        penalizer = self.penalizer
        if isinstance(penalizer, bool) or not isinstance(penalizer, int | float):
            raise ConfigError(f"penalizer must be a number >= 0, not {penalizer!r}.")
        if not (math.isfinite(penalizer) and penalizer >= 0):
            raise ConfigError(f"penalizer must be a finite number >= 0, not {penalizer!r}.")
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 < tol < 1:
            raise ConfigError(f"tol must be a number between 0 and 1, not {tol!r}.")
        max_iter = self.max_iter
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise ConfigError(f"max_iter must be a whole number >= 1, not {max_iter!r}.")

    def _is_fitted(self) -> bool:
        return hasattr(self, "params_")

    def _fitted_params(self) -> FloatArray:
        """The fitted parameters in `param_names` order; NotFittedError before `fit`."""
        if not self._is_fitted():
            name = type(self).__name__
            raise NotFittedError(
                f"This {name} is not fitted yet: call fit() first, or load a fitted model with "
                f"{name}.from_json()."
            )
        return np.array([self.params_[name] for name in self.param_names], dtype=np.float64)

    # -- what a model supplies -------------------------------------------------------------

    @abc.abstractmethod
    def _prepare(self, columns: list[FloatArray], counts: FloatArray) -> DataT:
        """Per-data-set precomputation over the distinct rows and their counts (once per fit)."""

    @abc.abstractmethod
    def _log_likelihood(
        self, params: FloatArray, data: DataT, gradient: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        """Log-likelihood of each distinct row and, when asked for, its gradient with respect
        to the parameters (rows × parameters)."""

    @abc.abstractmethod
    def _initial_params(self, data: DataT, weights: FloatArray) -> list[FloatArray]:
        """Starting points, best first."""

    # -- fitting ---------------------------------------------------------------------------

    def _weighted_log_likelihood(
        self, params: FloatArray, data: DataT, counts: FloatArray
    ) -> tuple[float, FloatArray]:
        """Σ counts · log-likelihood and its gradient in the parameters. Models may override
        this with sufficient statistics; it must equal the per-row sums (tests check)."""
        ll, grad = self._log_likelihood(params, data, gradient=True)
        assert grad is not None
        return float(counts @ ll), np.asarray(counts @ grad, dtype=np.float64)

    def _fit_rows(self, columns: Sequence[FloatArray], weights: FloatArray) -> Self:
        """Fit on rows given as columns, each row standing for `weights` customers."""
        self._check_settings()
        # Freed temporaries kept for reuse, not faulted in afresh: the first BG/NBD fit on
        # 1,000,000 customers in a process 0.36-0.45 -> 0.27 s (see rapport.memory).
        retain_freed_memory()
        # The fit's products are vectors of at most a few million rows: BLAS threads would
        # only contend with each other and with the rest of the fit (0.72 -> 0.45-0.49 s for
        # the BG/NBD and Gamma-Gamma fits on 1,000,000 customers on two cores).
        with single_threaded():
            return self._fit_distinct(columns, weights)

    def _fit_distinct(self, columns: Sequence[FloatArray], weights: FloatArray) -> Self:
        """`_fit_rows` without the thread limit: compress to distinct rows, optimise."""
        keep = weights > 0
        if self._merge_rows:
            distinct, inverse = unique_rows(*(column[keep] for column in columns))
            counts = np.asarray(
                np.bincount(inverse, weights=weights[keep], minlength=distinct[0].shape[0]),
                dtype=np.float64,
            )
        else:
            distinct = [np.ascontiguousarray(column[keep], dtype=np.float64) for column in columns]
            counts = np.ascontiguousarray(weights[keep], dtype=np.float64)
        parts = self._parts(distinct, counts)
        total = float(counts.sum())
        seen: dict[bytes, tuple[float, FloatArray]] = {}
        objective = self._objective(parts, total, seen)
        found = None
        warm = self._warm_start(distinct, counts) if counts.size > _WARM_START_ROWS else None
        if warm is not None:
            # From the subsample's optimum, Newton steps with the subsample's Hessian (one
            # evaluation each) converge in a few steps.
            theta, hessian, gradient, steps = _polish(
                objective, warm[0], 1e-3 * float(self.tol), _WARM_NEWTON_STEPS, warm[1]
            )
            if self._stationary(theta, gradient):
                found = (theta, hessian, steps)
        if found is None:
            whole = parts[0][0] if len(parts) == 1 else self._prepare(distinct, counts)
            starts = self._starting_points(whole, counts)
            if warm is not None:
                starts.insert(0, warm[0])
            found = self._optimise(objective, starts)
        theta, hessian, n_iter = found
        params = np.exp(theta)
        self.params_ = {name: float(v) for name, v in zip(self.param_names, params, strict=True)}
        known = seen.get(np.asarray(theta, dtype=np.float64).tobytes())
        value, grad = known or self._weighted_sum(params, parts)
        self.log_likelihood_ = value
        # Gradient of the total penalised negative log-likelihood in θ (≈ 0 at the optimum).
        gradient = -grad * params + 2.0 * float(self.penalizer) * total * theta
        self.standard_errors_ = self._standard_errors(theta, hessian * total, gradient)
        self.n_customers_ = round(total) if total.is_integer() else total
        self.converged_ = True
        self.n_iter_ = n_iter
        return self

    def _parts(self, distinct: list[FloatArray], counts: FloatArray) -> list[Part[DataT]]:
        """The distinct rows prepared in consecutive parts of at least `_PART_ROWS` rows, one
        per CPU at most, which `_weighted_sum` evaluates side by side."""
        n_parts = max(1, min(cpus(), counts.size // _PART_ROWS))
        bounds = np.linspace(0, counts.size, n_parts + 1).astype(np.intp)
        return [
            (self._prepare([column[lo:hi] for column in distinct], counts[lo:hi]), counts[lo:hi])
            for lo, hi in itertools.pairwise(bounds)
        ]

    def _weighted_sum(
        self, params: FloatArray, parts: list[Part[DataT]]
    ) -> tuple[float, FloatArray]:
        """`_weighted_log_likelihood` summed over the parts, each on a thread of its own when
        there are several (NumPy and SciPy release the GIL in their loops)."""

        def one(part: Part[DataT]) -> tuple[float, FloatArray]:
            with np.errstate(all="ignore"):  # error states are per thread
                return self._weighted_log_likelihood(params, part[0], part[1])

        if len(parts) == 1:
            return one(parts[0])
        results = list(_pool().map(one, parts))
        value = math.fsum(result[0] for result in results)
        grad = np.sum([result[1] for result in results], axis=0)
        return value, np.asarray(grad, dtype=np.float64)

    def _starting_points(self, data: DataT, counts: FloatArray) -> list[FloatArray]:
        """Log-parameter starting points: the model's own, all ones, then random variations."""
        starts = [
            np.log(np.asarray(p, dtype=np.float64)) for p in self._initial_params(data, counts)
        ]
        starts.append(np.zeros(len(self.param_names)))
        rng = np.random.default_rng(20050101)
        starts += [starts[0] + rng.normal(0.0, 1.0, starts[0].shape) for _ in range(3)]
        return starts

    def _warm_start(
        self, distinct: list[FloatArray], counts: FloatArray
    ) -> tuple[FloatArray, FloatArray] | None:
        """The estimate on a random subsample of about `_WARM_START_SAMPLE` customers (rows kept
        with probability ∝ their count, reweighted to stay unbiased): a close starting point
        that saves most iterations on large data sets, with the subsample objective's Hessian.
        None if that fit fails."""
        rng = np.random.default_rng(19870101)
        chance = np.minimum(1.0, counts * (_WARM_START_SAMPLE / float(counts.sum())))
        chosen = rng.random(counts.size) < chance
        sample_counts = counts[chosen] / chance[chosen]
        sample = self._prepare([column[chosen] for column in distinct], sample_counts)
        objective = self._objective([(sample, sample_counts)], float(sample_counts.sum()))
        try:
            starts = self._starting_points(sample, sample_counts)
            theta, hessian, _ = self._optimise(objective, starts, tol=_WARM_START_TOL)
        except ConvergenceError:
            return None
        return theta, hessian

    def _objective(
        self,
        parts: list[Part[DataT]],
        total: float,
        seen: dict[bytes, tuple[float, FloatArray]] | None = None,
    ) -> Objective:
        """Mean penalised negative log-likelihood and its gradient, over log-parameters.
        With `seen`, the weighted log-likelihood and gradient of the last few points are
        kept there by the bytes of their log-parameters (the fit reads its estimate's back
        instead of evaluating it once more)."""
        penalizer = float(self.penalizer)

        def objective(theta: FloatArray) -> tuple[float, FloatArray]:
            params = np.exp(theta)
            value, grad = self._weighted_sum(params, parts)
            if seen is not None:
                if len(seen) >= _SEEN_POINTS:
                    del seen[next(iter(seen))]
                seen[np.asarray(theta, dtype=np.float64).tobytes()] = (value, grad)
            mean = -value / total + penalizer * float(theta @ theta)
            gradient = -grad * params / total + 2.0 * penalizer * theta
            if not (math.isfinite(mean) and np.all(np.isfinite(gradient))):
                return math.inf, np.zeros_like(theta)
            return mean, gradient

        return objective

    def _optimise(
        self, objective: Objective, starts: list[FloatArray], tol: float | None = None
    ) -> tuple[FloatArray, FloatArray, int]:
        """The log-parameters that minimise the objective (to gradient `tol`, by default the
        model's), the objective's Hessian there and the number of iterations, trying the next
        starting point whenever one fails."""
        tol = float(self.tol) if tol is None else tol
        bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(self.param_names)
        reasons: list[str] = []
        for start in starts:
            start = np.clip(start, -_LOG_BOUND + 1.0, _LOG_BOUND - 1.0)
            if not math.isfinite(objective(start)[0]):
                reasons.append("the log-likelihood is not finite at the starting point")
                continue
            result = optimize.minimize(
                objective,
                start,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": self.max_iter, "gtol": tol, "ftol": 1e-15},
            )
            theta, hessian, gradient, _ = _polish(
                objective, np.asarray(result.x, dtype=np.float64), 1e-3 * tol
            )
            if self._stationary(theta, gradient, tol):
                return theta, hessian, int(result.nit)
            reasons.append(str(result.message))
        raise ConvergenceError(
            f"{type(self).__name__} did not converge from {len(starts)} starting points "
            f"(last: {reasons[-1] if reasons else 'no usable start'}). Try measuring time in "
            "a larger unit (weeks instead of days) so rates are not tiny, a small penalizer "
            "(e.g. penalizer=0.001), a larger max_iter, or check the data: a few customers "
            "with extreme frequency or identical recency and T for everyone are suspect."
        )

    def _stationary(
        self, theta: FloatArray, gradient: FloatArray, tol: float | None = None
    ) -> bool:
        """Whether the projected gradient (zero where a bound holds) is within tol (by default
        the model's `tol`)."""
        at_lower = (theta <= -_LOG_BOUND + 1e-9) & (gradient > 0)
        at_upper = (theta >= _LOG_BOUND - 1e-9) & (gradient < 0)
        projected = np.where(at_lower | at_upper, 0.0, gradient)
        limit = float(self.tol) if tol is None else tol
        return bool(np.all(np.isfinite(projected)) and np.max(np.abs(projected)) <= limit)

    def _standard_errors(
        self, theta: FloatArray, hessian_theta: FloatArray, gradient_theta: FloatArray
    ) -> dict[str, float]:
        """Standard errors of the natural parameters from the inverse Hessian, given the
        Hessian and gradient of the total penalised negative log-likelihood in θ = log p."""
        params = np.exp(theta)
        # Hessian in natural parameters: (H_θ − diag(∇_θ)) / (p pᵀ).
        hessian = (hessian_theta - np.diag(gradient_theta)) / np.outer(params, params)
        errors = np.full(params.shape, np.nan)
        try:
            np.linalg.cholesky(hessian)
            errors = np.sqrt(np.diag(np.linalg.inv(hessian)))
        except np.linalg.LinAlgError:
            warnings.warn(
                f"{type(self).__name__}: the Hessian at the estimate is not positive definite, "
                "so standard errors are NaN; a parameter may be unidentified on this data.",
                RuntimeWarning,
                stacklevel=3,
            )
        return {name: float(e) for name, e in zip(self.param_names, errors, strict=True)}

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> str:
        """The model's settings and, when fitted, its fitted attributes, as a JSON text."""
        fitted: dict[str, Any] | None = None
        if self._is_fitted():
            fitted = {
                "params_": self.params_,
                "log_likelihood_": _json_number(self.log_likelihood_),
                "standard_errors_": {k: _json_number(v) for k, v in self.standard_errors_.items()},
                "n_customers_": self.n_customers_,
                "converged_": self.converged_,
                "n_iter_": self.n_iter_,
            }
        payload = {
            "model": type(self).__name__,
            "format": _JSON_FORMAT,
            "settings": self.get_params(),
            "fitted": fitted,
        }
        return json.dumps(payload, indent=2, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """A model from `to_json()`'s text; called on the base class it returns whichever model
        the text holds."""
        try:
            payload = json.loads(text)
            name = payload["model"]
            settings = payload["settings"]
            fitted = payload["fitted"]
        except (json.JSONDecodeError, TypeError, KeyError) as exc:
            raise InputError(f"not a saved Rapport model: {exc}") from None
        if payload.get("format") != _JSON_FORMAT:
            raise InputError(
                f"saved model format {payload.get('format')!r} is not supported; "
                f"this Rapport reads format {_JSON_FORMAT}."
            )
        target = _REGISTRY.get(name)
        if target is None or not issubclass(target, cls):
            raise InputError(f"the saved model is a {name!r}, not a {cls.__name__}.")
        try:
            model = target(**settings)
        except TypeError as exc:
            raise InputError(
                f"the saved {name} has settings this Rapport does not know: {exc}"
            ) from None
        if fitted is not None:
            try:
                params = {k: float(fitted["params_"][k]) for k in target.param_names}
                model.params_ = params
                model.log_likelihood_ = _from_json_number(fitted["log_likelihood_"])
                model.standard_errors_ = {
                    k: _from_json_number(fitted["standard_errors_"][k]) for k in target.param_names
                }
                model.n_customers_ = fitted["n_customers_"]
                model.converged_ = bool(fitted["converged_"])
                model.n_iter_ = int(fitted["n_iter_"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"the saved {name} has incomplete fitted values: {exc}") from None
        return model


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _from_json_number(value: object) -> float:
    return math.nan if value is None else float(cast(float, value))


def _hessian(objective: Objective, theta: FloatArray, gradient: FloatArray) -> FloatArray:
    """Hessian of the objective by forward differences of its gradient, symmetrised."""
    k = theta.size
    hessian = np.empty((k, k))
    for j in range(k):
        shift = np.zeros(k)
        shift[j] = _HESSIAN_STEP
        hessian[:, j] = (objective(theta + shift)[1] - gradient) / _HESSIAN_STEP
    return 0.5 * (hessian + hessian.T)


def _polish(
    objective: Objective,
    theta: FloatArray,
    target: float,
    max_steps: int = _POLISH_STEPS,
    fixed_hessian: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """Newton steps from theta until the gradient is below target (or a step stops helping);
    returns the final theta, the Hessian and the gradient there, and the steps taken.

    With fixed_hessian the steps start from that approximation and improve it by BFGS updates
    instead of recomputing the Hessian (one evaluation per step rather than k + 1); the Hessian
    returned is computed at the end either way.
    """
    value, gradient = objective(theta)
    hessian = fixed_hessian if fixed_hessian is not None else _hessian(objective, theta, gradient)
    steps = 0
    while steps < max_steps:
        if not math.isfinite(value) or np.max(np.abs(gradient)) <= target:
            break
        try:
            np.linalg.cholesky(hessian)
            step = -np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        for scale in (1.0, 0.5, 0.25):
            candidate = np.clip(theta + scale * step, -_LOG_BOUND, _LOG_BOUND)
            new_value, new_gradient = objective(candidate)
            # Near the optimum the value changes less than its rounding (a mean over up to
            # millions of rows, noisy to about 1e-12 relative): then a smaller gradient is
            # what counts.
            rounding = 1e-12 * max(abs(value), 1.0)
            if math.isfinite(new_value) and (
                new_value <= value
                or (
                    new_value <= value + rounding
                    and np.max(np.abs(new_gradient)) < np.max(np.abs(gradient))
                )
            ):
                break
        else:
            break
        moved, change = candidate - theta, new_gradient - gradient
        theta, value, gradient = candidate, new_value, new_gradient
        if fixed_hessian is None:
            hessian = _hessian(objective, theta, gradient)
        elif change @ moved > 0:  # BFGS update of the approximate Hessian
            pushed = hessian @ moved
            hessian = (
                hessian
                + np.outer(change, change) / (change @ moved)
                - np.outer(pushed, pushed) / (moved @ pushed)
            )
        steps += 1
    if fixed_hessian is not None:
        hessian = _hessian(objective, theta, gradient)
    return theta, hessian, gradient, steps
