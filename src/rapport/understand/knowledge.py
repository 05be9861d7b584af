"""The knowledge framework: the dimensions of knowing a customer or an account, read from an
editable TOML file (the default is `data/knowledge.toml`; the setting `understand.knowledge`
points at a user's copy). Malformed files get errors that name the dimension and the field."""

from __future__ import annotations

__all__ = [
    "EVIDENCE_KINDS",
    "LEVELS",
    "Dimension",
    "Evidence",
    "Framework",
    "SurveyItem",
    "load_framework",
]

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rapport import settings
from rapport.errors import ConfigError
from rapport.voice.facets import FACETS

LEVELS = ("customer", "account")
EVIDENCE_KINDS = ("record", "purchases", "behavior", "facets", "ratings", "opinion", "cues",
                  "contacts", "account")
METHODS = ("interview", "survey", "observation")
SURVEY_TYPES = ("open", "single", "multiple", "rating", "nps")


@dataclass(frozen=True)
class Evidence:
    """One rule that finds evidence for a dimension (see the file's header for the kinds)."""

    kind: str
    fields: tuple[str, ...] = ()
    attributes: tuple[str, ...] | None = None  # None: no attributes; ("*",): any
    columns: tuple[str, ...] = ()
    facets: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    min_orders: int = 1


@dataclass(frozen=True)
class SurveyItem:
    type: str
    text: str
    choices: tuple[str, ...] | str = ()  # a list, or "themes" (filled in from the data)


@dataclass(frozen=True)
class Dimension:
    name: str
    level: str
    group: str
    label: str
    known_as: str
    weight: float
    enough: float
    half_life_days: float
    decisions: tuple[str, ...]
    method: str
    hypotheses: tuple[str, ...]
    interview: tuple[str, ...]
    survey: tuple[SurveyItem, ...]
    fallback: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Framework:
    dimensions: tuple[Dimension, ...]
    enough_sources: float
    triangulation_weight: float
    high_value_share: float
    path: str

    def at(self, level: str) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.level == level)

    def get(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise ConfigError(
            f"no knowledge dimension {name!r} in {self.path}; use one of "
            f"{', '.join(d.name for d in self.dimensions)}."
        )


def _strings(value: Any, where: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{field}` must be a list of strings, not {value!r}.")
    return tuple(value)


def _number(table: dict[str, Any], field: str, default: float, where: str) -> float:
    value = table.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where}: `{field}` must be a number ≥ 0, not {value!r}.")
    return float(value)


def _evidence(raw: Any, where: str) -> Evidence:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each [[dimension.evidence]] must be a table.")
    kind = raw.get("kind")
    if kind not in EVIDENCE_KINDS:
        raise ConfigError(
            f"{where}: evidence kind {kind!r} is unknown; use one of {', '.join(EVIDENCE_KINDS)}."
        )
    attributes = raw.get("attributes")
    facets = _strings(raw.get("facets"), where, "facets")
    for facet in facets:
        if facet not in FACETS:
            raise ConfigError(f"{where}: facet {facet!r} is unknown; use {', '.join(FACETS)}.")
    patterns = _strings(raw.get("patterns"), where, "patterns")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: pattern {pattern!r} is not a regular expression "
                              f"({exc}).") from None
    if kind == "cues" and not patterns:
        raise ConfigError(f"{where}: evidence of kind 'cues' needs `patterns`.")
    if kind == "facets" and not facets:
        raise ConfigError(f"{where}: evidence of kind 'facets' needs `facets`.")
    return Evidence(
        kind=kind,
        fields=_strings(raw.get("fields"), where, "fields"),
        attributes=None if attributes is None else _strings(attributes, where, "attributes"),
        columns=_strings(raw.get("columns"), where, "columns"),
        facets=facets,
        patterns=patterns,
        roles=_strings(raw.get("roles"), where, "roles"),
        min_orders=int(_number(raw, "min_orders", 1, where)),
    )


def _survey(raw: Any, where: str) -> tuple[SurveyItem, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: `survey` must be a list of {{type, text, choices}}.")
    items = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ConfigError(f"{where}: every survey question needs a `text`.")
        kind = item.get("type", "open")
        if kind not in SURVEY_TYPES:
            raise ConfigError(f"{where}: survey type {kind!r} is unknown; use "
                              f"{', '.join(SURVEY_TYPES)}.")
        choices = item.get("choices")
        parsed: tuple[str, ...] | str = (
            "themes" if choices == "themes" else _strings(choices, where, "choices")
        )
        if kind in ("single", "multiple") and not parsed:
            raise ConfigError(f"{where}: the {kind}-choice question {item['text']!r} needs "
                              f"`choices` (a list, or \"themes\").")
        items.append(SurveyItem(kind, item["text"], parsed))
    return tuple(items)


def _dimension(raw: Any, path: str, index: int) -> Dimension:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise ConfigError(f"{path}: dimension {index + 1} needs a `name`.")
    name = raw["name"]
    where = f"{path}: dimension {name!r}"
    level = raw.get("level", "customer")
    if level not in LEVELS:
        raise ConfigError(f"{where}: `level` must be customer or account, not {level!r}.")
    method = raw.get("method", "survey")
    if method not in METHODS:
        raise ConfigError(f"{where}: `method` must be one of {', '.join(METHODS)}.")
    evidence = raw.get("evidence")
    if not isinstance(evidence, list) or not evidence:
        raise ConfigError(f"{where}: add at least one [[dimension.evidence]] rule.")
    enough = _number(raw, "enough", 1, where)
    if enough <= 0:
        raise ConfigError(f"{where}: `enough` must be above 0.")
    return Dimension(
        name=name,
        level=level,
        group=str(raw.get("group", "inner" if level == "customer" else "account")),
        label=str(raw.get("label", name)),
        known_as=str(raw.get("known_as", raw.get("label", name))),
        weight=_number(raw, "weight", 1.0, where),
        enough=enough,
        half_life_days=_number(raw, "half_life_days", 0, where),
        decisions=_strings(raw.get("decisions"), where, "decisions"),
        method=method,
        hypotheses=_strings(raw.get("hypotheses"), where, "hypotheses"),
        interview=_strings(raw.get("interview"), where, "interview"),
        survey=_survey(raw.get("survey"), where),
        fallback=str(raw.get("fallback", "")),
        evidence=tuple(_evidence(e, where) for e in evidence),
    )


def load_framework(path: str | Path | None = None) -> Framework:
    """The knowledge framework from `path`, the setting `understand.knowledge`, or the default."""
    chosen = path or settings.get("understand.knowledge") or None
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigError(f"knowledge framework {file} does not exist; copy the default "
                              f"with `rapport knowledge --export {file}` and edit it.")
        stat = file.stat()
        text, where = _file_text(str(file), stat.st_mtime_ns, stat.st_size), str(file)
    else:
        text, where = default_text(), "knowledge.toml (default)"
    return _parse(text, where)


@functools.lru_cache(maxsize=16)
def _file_text(path: str, mtime_ns: int, size: int) -> str:
    """A framework file's text, read again only when its time or size changes."""
    return Path(path).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=16)
def _parse(text: str, where: str) -> Framework:
    """The framework in `text` (cached: a profile page asks for it on every request)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from None
    dims = raw.get("dimension")
    if not isinstance(dims, list) or not dims:
        raise ConfigError(f"{where}: add at least one [[dimension]].")
    dimensions = tuple(_dimension(d, where, i) for i, d in enumerate(dims))
    names = [d.name for d in dimensions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{where}: dimension names must be unique; repeated: "
                          f"{', '.join(duplicates)}.")
    scoring = raw.get("scoring", {})
    weight = _number(scoring, "triangulation_weight", 0.3, f"{where}: [scoring]")
    share = _number(scoring, "high_value_share", 0.2, f"{where}: [scoring]")
    if weight > 1 or not 0 < share < 1:
        raise ConfigError(f"{where}: [scoring] triangulation_weight must be in 0..1 and "
                          f"high_value_share between 0 and 1.")
    return Framework(
        dimensions=dimensions,
        enough_sources=max(1.0, _number(scoring, "enough_sources", 2, f"{where}: [scoring]")),
        triangulation_weight=weight,
        high_value_share=share,
        path=where,
    )


@functools.lru_cache(maxsize=1)
def default_text() -> str:
    """The default framework file's text (to copy and edit), read once: a profile page asks
    for the framework on every request."""
    return resources.files("rapport.understand").joinpath("data/knowledge.toml").read_text(
        encoding="utf-8")
