"""The theme codebook: an editable TOML file of themes (name, description, example
statements, key phrases, parent, pinned) that fixes how feedback is coded.

Once a codebook exists, analysis assigns each statement to the codebook theme whose examples
it is closest to (the same text always gets the same theme), and clusters what fits none of
them into *emerging* themes. Users rename a theme by editing `name`, merge two by moving one's
examples into the other and deleting it, split one by adding a theme with examples of the new
part, and pin a theme (`pinned = true`) to keep it even while nothing is assigned to it.
"""

from __future__ import annotations

__all__ = ["Codebook", "CodebookTheme", "read_codebook", "write_codebook"]

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rapport.errors import ConfigError

_HEADER = """\
# Rapport theme codebook.
# Each [[theme]] is one theme. Edit freely, then run `rapport analyze`:
#   rename: change `name`;   pin: `pinned = true` keeps a theme even when nothing matches it;
#   merge:  move one theme's `examples` into the other and delete it;
#   split:  add a new [[theme]] with `examples` of the part to split off;
#   nest:   set `parent` to another theme's `id`.
# Statements are coded to the theme whose examples they are closest to, when at least
# `min_similarity` close; what fits no theme is reported as emerging themes.
"""


@dataclass
class CodebookTheme:
    """One theme of a codebook."""

    id: str
    name: str
    description: str = ""
    examples: list[str] = field(default_factory=list)
    key_phrases: list[str] = field(default_factory=list)
    parent: str = ""
    pinned: bool = False


@dataclass
class Codebook:
    """Themes and the similarity a statement needs to be coded to one."""

    themes: list[CodebookTheme]
    min_similarity: float = 0.5
    path: Path | None = None

    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def centres(self, embed: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
        """One unit vector per theme: the mean of its examples' (and key phrases') vectors."""
        rows = []
        for theme in self.themes:
            texts = theme.examples or theme.key_phrases or [theme.name]
            v = embed(texts).mean(axis=0)
            rows.append(v / max(float(np.linalg.norm(v)), 1e-12))
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 1), np.float32)

    def assign(self, vectors: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the codebook theme of each row (-1: none close enough) and similarity."""
        if not len(self.themes) or not len(vectors):
            return np.full(len(vectors), -1, dtype=np.int64), np.zeros(len(vectors))
        sims = vectors @ centres.T
        best = np.argmax(sims, axis=1)
        score = sims[np.arange(len(vectors)), best]
        return np.where(score >= self.min_similarity, best, -1).astype(np.int64), score


def _text_list(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings in quotes; fix the codebook.")
    return list(value)


def read_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file; errors name the theme and field to fix."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"codebook {file} does not exist; write one with `rapport themes --export-codebook`."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"codebook {file} is not valid TOML ({exc}); fix the line named."
        ) from None
    raw = data.get("theme", [])
    if not isinstance(raw, list):
        raise ConfigError(f"codebook {file}: themes must be [[theme]] tables.")
    themes: list[CodebookTheme] = []
    seen: set[str] = set()
    for n, item in enumerate(raw, start=1):
        where = f"codebook {file}, theme {n}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: must be a [[theme]] table.")
        tid = str(item.get("id") or "").strip()
        name = str(item.get("name") or "").strip()
        if not tid or not name:
            raise ConfigError(f"{where}: every theme needs an `id` and a `name`.")
        if tid in seen:
            raise ConfigError(f"{where}: id {tid!r} is used twice; ids must be unique.")
        seen.add(tid)
        theme = CodebookTheme(
            id=tid,
            name=name,
            description=str(item.get("description") or ""),
            examples=_text_list(item.get("examples"), f"{where} ({tid}) `examples`"),
            key_phrases=_text_list(item.get("key_phrases"), f"{where} ({tid}) `key_phrases`"),
            parent=str(item.get("parent") or ""),
            pinned=bool(item.get("pinned", False)),
        )
        if not (theme.examples or theme.key_phrases):
            raise ConfigError(
                f"{where} ({tid}): give `examples` or `key_phrases` so that "
                "statements can be matched to it."
            )
        themes.append(theme)
    for theme in themes:
        if theme.parent and theme.parent not in seen:
            raise ConfigError(
                f"codebook {file}, theme {theme.id}: parent {theme.parent!r} is "
                "not a theme id in this codebook."
            )
    threshold = data.get("min_similarity", 0.5)
    if not isinstance(threshold, (int, float)) or not 0 <= float(threshold) <= 1:
        raise ConfigError(f"codebook {file}: min_similarity must be a number from 0 to 1.")
    return Codebook(themes=themes, min_similarity=float(threshold), path=file)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _list(values: Sequence[str]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {_quote(v)},\n" for v in values) + "]"


def write_codebook(codebook: Codebook, path: str | Path) -> Path:
    """Write a codebook as commented TOML that `read_codebook` reads back unchanged."""
    lines = [_HEADER, f"min_similarity = {codebook.min_similarity}\n"]
    for t in codebook.themes:
        lines.append(
            "\n[[theme]]\n"
            f"id = {_quote(t.id)}\n"
            f"name = {_quote(t.name)}\n"
            f"description = {_quote(t.description)}\n"
            f"parent = {_quote(t.parent)}\n"
            f"pinned = {'true' if t.pinned else 'false'}\n"
            f"key_phrases = {_list(t.key_phrases)}\n"
            f"examples = {_list(t.examples)}\n"
        )
    target = Path(path)
    target.write_text("".join(lines), encoding="utf-8")
    return target
