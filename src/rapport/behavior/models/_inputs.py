"""Input checks shared by the models: arrays of customers, weights, time units, compression.

Every check raises `InputError` (bad data) or `ConfigError` (a bad setting) with a message that
says which values are wrong, where the first one is, and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "DAYS_PER_UNIT",
    "FloatArray",
    "IntArray",
    "as_float_array",
    "check_customers",
    "check_horizon",
    "check_time_unit",
    "check_weights",
    "unique_rows",
    "value_index",
]

import numpy as np
import numpy.typing as npt

from rapport.errors import ConfigError, InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

DAYS_PER_UNIT: dict[str, float] = {
    "days": 1.0,
    "weeks": 7.0,
    "months": 365.25 / 12.0,
    "years": 365.25,
}


def check_time_unit(unit: object, name: str = "time_unit") -> str:
    """The unit itself, if it is one of DAYS_PER_UNIT's keys."""
    if not isinstance(unit, str) or unit not in DAYS_PER_UNIT:
        raise ConfigError(
            f"{name} must be one of {', '.join(DAYS_PER_UNIT)}, not {unit!r}; it is the unit "
            "in which recency, T and prediction horizons are measured."
        )
    return unit


def as_float_array(values: npt.ArrayLike, name: str) -> FloatArray:
    """values as a float64 array; InputError if they are not numbers."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must hold numbers only: {exc}") from None
    if array.ndim > 1:
        raise InputError(
            f"{name} must be one-dimensional (one value per customer), got shape {array.shape}."
        )
    return array


def _first(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask.ravel())[0])


def _where(mask: npt.NDArray[np.bool_], values: FloatArray, name: str) -> str:
    count = int(mask.sum())
    position = _first(mask)
    noun = "value" if count == 1 else "values"
    return f"{count} {noun} of {name} (first at position {position}: {values.ravel()[position]!r})"


def _check_finite(values: FloatArray, name: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"{name} has {_where(bad, values, name)} that are missing or infinite; drop or fill "
            "those customers before fitting or predicting."
        )


def check_customers(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    *,
    for_fit: bool,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated (frequency, recency, T): finite, non-negative, whole frequencies, recency ≤ T,
    recency 0 where frequency is 0. For a fit they must be non-empty 1-D arrays of one length;
    for predictions they broadcast against each other."""
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    t_cal = as_float_array(T, "T")
    if for_fit:
        lengths = {len(np.atleast_1d(v)) for v in (x, t_x, t_cal)}
        if x.ndim != 1 or t_x.ndim != 1 or t_cal.ndim != 1 or len(lengths) != 1:
            raise InputError(
                f"frequency, recency and T must have one value per customer and the same length; "
                f"got lengths {x.size}, {t_x.size} and {t_cal.size}."
            )
        if x.size == 0:
            raise InputError("no customers to fit: frequency, recency and T are empty.")
    else:
        try:
            x, t_x, t_cal = (np.array(v) for v in np.broadcast_arrays(x, t_x, t_cal))
        except ValueError:
            raise InputError(
                f"frequency, recency and T must have the same length; got shapes {x.shape}, "
                f"{t_x.shape} and {t_cal.shape}."
            ) from None
    for values, name in ((x, "frequency"), (t_x, "recency"), (t_cal, "T")):
        _check_finite(values, name)
        negative = values < 0
        if negative.any():
            raise InputError(
                f"{name} has {_where(negative, values, name)} below zero; counts "
                "and durations cannot be negative."
            )
    fractional = x != np.floor(x)
    if fractional.any():
        raise InputError(
            f"frequency has {_where(fractional, x, 'frequency')} that are not whole numbers; "
            "frequency is the number of repeat purchases (purchase days after the first)."
        )
    late = t_x > t_cal * (1.0 + 1e-9) + 1e-12
    if late.any():
        position = _first(late)
        raise InputError(
            f"recency is greater than T for {int(late.sum())} customers (first at position "
            f"{position}: recency={t_x.ravel()[position]!r}, T={t_cal.ravel()[position]!r}); "
            "recency (first to last purchase) cannot exceed T (first purchase to the end of the "
            "observation period). Check that both are measured in the same time unit."
        )
    orphan = (x == 0) & (t_x > 0)
    if orphan.any():
        raise InputError(
            f"{int(orphan.sum())} customers have frequency 0 but recency > 0 (first at position "
            f"{_first(orphan)}); with no repeat purchase the last purchase is the first, so "
            "recency must be 0."
        )
    return x, np.minimum(t_x, t_cal), t_cal


def check_weights(weights: npt.ArrayLike | None, size: int) -> FloatArray:
    """Validated weights (ones when None): finite, non-negative, one per customer, not all 0."""
    if weights is None:
        return np.ones(size)
    w = as_float_array(weights, "weights")
    if w.ndim != 1 or w.size != size:
        raise InputError(
            f"weights must have one value per customer: got {w.size} weights for {size} customers."
        )
    _check_finite(w, "weights")
    negative = w < 0
    if negative.any():
        raise InputError(
            f"weights has {_where(negative, w, 'weights')} below zero; a weight is "
            "the number of customers a row stands for."
        )
    if not w.sum() > 0:
        raise InputError("all weights are zero: there is nothing to fit.")
    return w


def check_horizon(t: npt.ArrayLike, name: str = "t") -> FloatArray:
    """A finite, non-negative prediction horizon (array)."""
    values = as_float_array(t, name)
    _check_finite(values, name)
    negative = values < 0
    if negative.any():
        raise InputError(
            f"{name} has {_where(negative, values, name)} below zero; a horizon cannot be negative."
        )
    return values


def check_horizon_customers(
    t: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """A horizon and customers, validated and broadcast against each other (one horizon, or
    one per customer)."""
    horizon = check_horizon(t)
    x, t_x, t_cal = check_customers(frequency, recency, T, for_fit=False)
    try:
        h, x, t_x, t_cal = (np.array(v) for v in np.broadcast_arrays(horizon, x, t_x, t_cal))
    except ValueError:
        raise InputError(
            f"t (shape {horizon.shape}) does not broadcast against the customers "
            f"(shape {x.shape}); give one horizon or one per customer."
        ) from None
    return h, x, t_x, t_cal


def unique_rows(*columns: FloatArray) -> tuple[list[FloatArray], IntArray]:
    """The distinct rows of equally long columns (in order of first appearance) and, for each
    input row, the index of its distinct row.

    Each row's bits are mixed into one 64-bit hash, the hashes are factorised
    (pandas.factorize), and every row is then checked against its distinct row, so the result
    is exact: should two different rows ever share a hash, the columns are factorised one by
    one instead (`_unique_rows_exact`). About four times faster than that on a million rows,
    which is three times faster than sorting with np.unique.
    """
    import pandas as pd

    clean = [np.ascontiguousarray(column, dtype=np.float64) + 0.0 for column in columns]
    key = np.zeros(clean[0].shape[0], dtype=np.uint64)
    for column in clean:  # + 0.0 above merges -0.0 into 0.0
        key ^= column.view(np.uint64)
        key = _mix(key)
    inverse, distinct = pd.factorize(key)
    first = _first_rows(inverse, len(distinct))
    rows = [column[first] for column in clean]
    if all(np.array_equal(column, row[inverse]) for column, row in zip(clean, rows, strict=True)):
        return rows, np.asarray(inverse, dtype=np.intp)
    return _unique_rows_exact(clean)


def value_index(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """The distinct values of a column in increasing order and, for each row, the index of its
    value: np.unique's answer. Whole numbers from 0 to a few million (frequencies) are counted
    instead of sorted: 0.022 s instead of 0.061 s on a million frequencies."""
    if values.size:
        high = float(values.max())
        if float(values.min()) >= 0.0 and high <= 4.0 * values.size + 1024.0:
            whole = values.astype(np.intp)
            if np.array_equal(whole, values):
                present = np.zeros(int(high) + 1, dtype=np.intp)
                present[whole] = 1
                found = np.flatnonzero(present)
                present[found] = np.arange(found.size)
                return found.astype(np.float64), present[whole]
    found_values, index = np.unique(values, return_inverse=True)
    return found_values, index.ravel().astype(np.intp)


def _mix(key: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit finaliser (splitmix64's): every input bit moves every output bit."""
    key ^= key >> np.uint64(30)
    key *= np.uint64(0xBF58476D1CE4E5B9)
    key ^= key >> np.uint64(27)
    key *= np.uint64(0x94D049BB133111EB)
    key ^= key >> np.uint64(31)
    return key


def _first_rows(inverse: npt.NDArray[np.integer], n_distinct: int) -> IntArray:
    """For each distinct row, the index of its first input row."""
    first = np.empty(n_distinct, dtype=np.intp)
    first[inverse[::-1]] = np.arange(inverse.size - 1, -1, -1, dtype=np.intp)
    return first


def _unique_rows_exact(columns: list[FloatArray]) -> tuple[list[FloatArray], IntArray]:
    """`unique_rows` without hashing rows: each column factorised on its own and the codes
    combined into one integer key (np.unique over the stacked codes if that overflows)."""
    import pandas as pd

    codes: list[npt.NDArray[np.int64]] = []
    sizes: list[int] = []
    for column in columns:
        code, values = pd.factorize(column)
        codes.append(np.asarray(code, dtype=np.int64))
        sizes.append(len(values))
    key = np.zeros(columns[0].shape[0], dtype=np.int64)
    capacity = 1
    for code, size in zip(codes, sizes, strict=True):
        if capacity * size >= 2**62:  # too many combinations for one integer key
            stacked = np.column_stack(codes)
            _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
            return [column[first] for column in columns], inverse.ravel().astype(np.intp)
        key = key * size + code
        capacity *= size
    inverse, distinct = pd.factorize(key)
    first = _first_rows(inverse, len(distinct))
    return [column[first] for column in columns], np.asarray(inverse, dtype=np.intp)
