"""What the report's readers (viewers) may not see: the names of the store's own people.

Statement text is redacted when it is stored, but a name the redactor did not recognise
("hosted by Riley Perez") can still reach a quote, a theme label or a persona. `NameMask`
replaces, in any text the report shows, every full name (two to four words) that a customer,
a contact or a feedback author has in the store with "[name]", and any e-mail address with
"[email]", matching case and spacing loosely.
"""

from __future__ import annotations

__all__ = ["NameMask"]

import re
from collections.abc import Iterator
from typing import Any, TypeVar, cast

from rapport.workspace import Workspace

T = TypeVar("T")

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_SPAN = (2, 4)  # words in a full name
_PEOPLE = (("customers", "name"), ("contacts", "name"), ("feedback", "author"))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _ngrams(texts: list[str]) -> list[str]:
    """Every run of two to four words in `texts`, lower case, single-spaced."""
    found: set[str] = set()
    for text in texts:
        words = [w.lower() for w in _WORD.findall(text)]
        for n in range(_SPAN[0], _SPAN[1] + 1):
            found.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return sorted(found)


def _pattern(names: list[str]) -> re.Pattern[str]:
    """The names, longest first, as whole words, any case, any spacing."""
    alternatives = [r"\s+".join(re.escape(w) for w in name.split())
                    for name in sorted(names, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _replace(value: Any, pattern: re.Pattern[str] | None) -> Any:
    if isinstance(value, str):
        masked = _EMAIL.sub("[email]", value)
        return pattern.sub("[name]", masked) if pattern else masked
    if isinstance(value, dict):
        return {key: _replace(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, pattern) for item in value]
    if isinstance(value, tuple):
        return tuple(_replace(item, pattern) for item in value)
    return value


class NameMask:
    """Call it on any value read from the store (dicts, lists, strings) to get the same value
    with the names of the store's people and any e-mail address masked."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        tables = {str(r["table_name"]): {str(c) for c in r["columns"]} for r in ws.sql(
            "SELECT table_name, list(column_name) AS columns FROM information_schema.columns "
            "GROUP BY 1").to_pylist()}
        self._sources = [(t, c) for t, c in _PEOPLE if c in tables.get(t, set())]

    def known(self, candidates: list[str]) -> list[str]:
        """Those of `candidates` (lower case, single-spaced) that are a person's name."""
        if not candidates or not self._sources:
            return []
        names = " UNION ALL ".join(
            f"SELECT lower(regexp_replace(trim({c}), '\\s+', ' ', 'g')) AS n FROM {t}"
            for t, c in self._sources)
        rows = self._ws.sql(f"SELECT DISTINCT n FROM ({names}) WHERE n IN "
                            f"(SELECT unnest(?::VARCHAR[]))", [candidates])
        return [str(n) for n in rows.column(0).to_pylist()]

    def __call__(self, value: T) -> T:
        names = self.known(_ngrams(list(_strings(value))))
        return cast(T, _replace(value, _pattern(names) if names else None))
