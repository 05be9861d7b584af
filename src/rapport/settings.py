"""One registry of settings: name, default, help. The CLI, a config file and the API read it.

A setting's value comes from, in order: an explicit argument, the environment variable
`RAPPORT_<NAME>` (upper case, dots as underscores), else the default.
"""

from __future__ import annotations

__all__ = ["SETTINGS", "Setting", "get"]

import os
from dataclasses import dataclass
from typing import Any

from rapport.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "RAPPORT_" + self.name.upper().replace(".", "_")


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("store", "rapport.duckdb", "the DuckDB file that holds a workspace"),
        Setting("ingest.id_space", "default",
                "id space of customer ids: files of one business share customer numbers"),
        Setting("ingest.on_error", "fail",
                "fail: refuse a file with bad rows; skip: load the rest"),
        Setting("ingest.mode", "replace",
                "replace: a new version of a source's file replaces its rows; append: adds them"),
        Setting("demo.customers", 3000, "customers in the generated demo business"),
        Setting("demo.seed", 7, "random seed of the demo business"),
    ]
}


def get(name: str, override: Any = None) -> Any:
    """The value of a setting: `override` if given, else its environment variable, else default."""
    if name not in SETTINGS:
        raise ConfigError(f"unknown setting {name!r}; settings are: {', '.join(SETTINGS)}.")
    if override is not None:
        return override
    s = SETTINGS[name]
    raw = os.environ.get(s.env)
    if raw is None:
        return s.default
    if isinstance(s.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{s.env}={raw!r} must be a whole number.") from None
    return raw
