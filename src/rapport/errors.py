"""The exception tree: every error Rapport raises on purpose derives from `RapportError`.

Messages say what went wrong, where (file, row, column, value) and what to do next, so the
CLI can print them as they are (`Error: …`) and the web API can return them as one JSON shape.
"""

from __future__ import annotations

__all__ = [
    "AccessError",
    "ConfigError",
    "ConvergenceError",
    "ExpressionError",
    "IngestError",
    "InputError",
    "MappingError",
    "NotAnalyzedError",
    "NotFittedError",
    "RapportError",
    "RowError",
    "SchemaError",
    "StoreError",
    "WorkerError",
]

from dataclasses import dataclass


class RapportError(Exception):
    """Base of every error Rapport raises on purpose."""


class AccessError(RapportError):
    """Who may do what: a wrong password or token, or a role that may not do this."""


class StoreError(RapportError):
    """The store (a DuckDB file) cannot be opened, is locked, or is from a newer Rapport."""


class SchemaError(StoreError):
    """The store's schema version is unknown or a migration failed."""


class ConfigError(RapportError):
    """A setting or an argument has a value Rapport cannot use."""


class InputError(RapportError):
    """An input file or table cannot be read or holds values that cannot be loaded."""


class MappingError(InputError):
    """Columns of the input cannot be mapped to the fields a kind of data needs."""


class ExpressionError(MappingError):
    """A `--map field=EXPRESSION` is not a valid expression over the input's columns."""


class NotAnalyzedError(RapportError):
    """A derived table was asked for before `rapport analyze` built it."""


class NotFittedError(RapportError, ValueError, AttributeError):
    """A model was asked to predict before `fit` (scikit-learn's contract: also a ValueError
    and an AttributeError, like sklearn.exceptions.NotFittedError)."""


class ConvergenceError(RapportError):
    """A model's maximum-likelihood fit did not converge; the message says what to try."""


class WorkerError(RapportError):
    """A worker process stopped before it finished its share of the work (killed, or out of
    memory); the message says how to run the work in one process instead."""


@dataclass(frozen=True)
class RowError:
    """One rejected value: where it is and why it cannot be loaded."""

    row: int
    column: str
    value: str | None
    reason: str

    def describe(self, path: str) -> str:
        if self.value is None or self.value == "":
            return f"{path}, row {self.row}, column {self.column!r}: {self.reason}"
        return f"{path}, row {self.row}, column {self.column!r}: value {self.value!r} {self.reason}"


class IngestError(InputError):
    """Rows of an input failed validation; nothing was loaded.

    `errors` holds the first rejected values (row numbers count data rows from 1, after any
    header line); `total` is how many rows were rejected in all.
    """

    def __init__(self, path: str, errors: list[RowError], total: int, hint: str) -> None:
        self.path = path
        self.errors = errors
        self.total = total
        self.hint = hint
        shown = "\n".join("  " + e.describe(path) for e in errors)
        more = f"\n  … and {total - len(errors)} more rejected rows" if total > len(errors) else ""
        super().__init__(
            f"{total} row{'s' if total != 1 else ''} of {path} cannot be loaded; nothing was "
            f"loaded.\n{shown}{more}\n{hint}"
        )
