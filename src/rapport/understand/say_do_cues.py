"""Cue lists for say-vs-do: which way a stated intent points, and what a review blames.

A cue file is TOML: one table per group of cues, each with a `label` and any number of lists
named by language (all are used whatever the language of the text). A table with a `words`
list instead (`[negation]`) holds negation words: a cue of a group named in `negated_to` that
follows one of them within three words (and after any earlier cue) moves to another group,
e.g. "não chegou no prazo" turns the praise "no prazo" into lateness.

Matching ignores case and accents ("não" = "nao"), drops apostrophes ("didn't" = "didnt") and
treats other punctuation as a space. A cue matches whole words; a word ending in `*` matches
any ending ("atrasad*"); a word that is only `*` stands for any one word ("levou * dias").
Where cues overlap, the longest one at a position wins ("not on time" before "on time").
"""

from __future__ import annotations

__all__ = ["BLAME_NEGATED", "DATA", "INTENT_NEGATED", "CueSet", "load_cues", "normalise"]

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rapport.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data"
"""Where the default cue files are: intent_cues.toml and blame_cues.toml."""
INTENT_NEGATED = {"return": "leave", "recommend": ""}
"""A negated intent: "won't be back" is leaving; "wouldn't recommend" is no advocacy."""
BLAME_NEGATED = {"delivery_praise": "lateness", "lateness": "delivery_praise", "product": ""}
"""A negated blame: "não chegou no prazo" is lateness, "sem demora" praise, "sem avaria"
nothing."""
_WORD = re.compile(r"\w+")
_NEGATION_WINDOW = 3


def normalise(text: str) -> str:
    """Lower case, no accents or apostrophes, words separated by single spaces."""
    if text.isascii():  # nothing to fold (most feedback): skip the per-character pass
        plain = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text.lower())
        plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("’", "")
    return " ".join(_WORD.findall(plain))


def _pattern(cue: str) -> str:
    parts = []
    for word in cue.split():
        if word == "*":
            parts.append(r"\w+")
        elif word.endswith("*"):
            parts.append(re.escape(normalise(word[:-1])) + r"\w*")
        else:
            parts.append(re.escape(normalise(word)))
    return " ".join(parts)


@dataclass
class CueSet:
    """Compiled cue groups: `match(text)` gives, per group, the cue words found."""

    labels: dict[str, str]
    cues: list[tuple[str, str]]  # (group, cue), longest first
    negations: frozenset[str] = frozenset()
    negated_to: dict[str, str] = field(default_factory=dict)
    _by_word: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    _by_prefix: list[tuple[str, int]] = field(default_factory=list, init=False, repr=False)
    _patterns: list[re.Pattern[str]] = field(default_factory=list, init=False, repr=False)
    _seen: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # index the cues by their first word, so each word of a text tries only its own cues
        for i, (_, cue) in enumerate(self.cues):
            self._patterns.append(re.compile(_pattern(cue) + r"(?!\w)"))
            first = cue.split()[0]
            if first == "*":
                self._by_prefix.append(("", i))
            elif first.endswith("*"):
                self._by_prefix.append((normalise(first[:-1]), i))
            else:
                self._by_word.setdefault(normalise(first), []).append(i)

    def _candidates(self, word: str) -> list[int]:
        known = self._seen.get(word)  # words repeat: each is looked up once per cue set
        if known is not None:
            return known
        found = self._by_word.get(word, []) + [i for p, i in self._by_prefix
                                               if word.startswith(p)]
        ordered = sorted(found)  # longest cue first, as `cues` is ordered
        if len(self._seen) < 200_000:
            self._seen[word] = ordered
        return ordered

    def match(self, text: str | None) -> dict[str, list[str]]:
        """Group -> the cue words found in `text`, in order (empty when none)."""
        found: dict[str, list[str]] = {}
        if not text or not self.cues:
            return found
        plain = normalise(text)
        free_from = 0  # negation words are looked for after the previous cue only
        for w in _WORD.finditer(plain):
            if w.start() < free_from:
                continue
            for i in self._candidates(w.group(0)):
                m = self._patterns[i].match(plain, w.start())
                if m is None:
                    continue
                group = self.cues[i][0]
                # a cue that carries its own negation ("nao recebi") is not negated again
                negated = (m.group(0).split()[0] not in self.negations
                           and self._negated(plain[free_from : m.start()]))
                free_from = m.end()
                if group in self.negated_to and negated:
                    group = self.negated_to[group]
                    if group:  # "" drops a negated cue ("sem avaria": no damage)
                        found.setdefault(group, []).append("not " + m.group(0))
                    break
                found.setdefault(group, []).append(m.group(0))
                break
        return found

    def _negated(self, between: str) -> bool:
        before = between.split()[-_NEGATION_WINDOW:]
        return any(w in self.negations for w in before)


def load_cues(path: str | Path, negated_to: dict[str, str] | None = None,
              groups: set[str] | None = None, leave_out: set[str] | None = None) -> CueSet:
    """Read a cue file (see the module docstring); `negated_to` maps a group whose matches
    after a negation word belong to another group (e.g. delivery_praise -> lateness), or to
    none (""); `groups` keeps only those groups, `leave_out` drops those."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"cannot read the cue file {p}: {exc}. Fix the file or pass another path."
        ) from exc
    labels: dict[str, str] = {}
    cues: list[tuple[str, str]] = []
    negations: set[str] = set()
    for group, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{p}: `{group}` must be a table of cue lists, like [lateness].")
        if (groups is not None and group not in groups and "words" not in table) or (
                leave_out and group in leave_out):
            continue
        labels[group] = str(table.get("label", group))
        if "words" in table:
            negations |= {normalise(str(w)) for w in table["words"]}
            continue
        for key, values in table.items():
            if key == "label":
                continue
            if not isinstance(values, list):
                raise ConfigError(f"{p}: [{group}] {key} must be a list of words or phrases.")
            cues.extend((group, str(v)) for v in values if str(v).strip())
    cues = sorted(dict.fromkeys(cues), key=lambda gc: -len(_pattern(gc[1])))
    return CueSet(labels, cues, frozenset(negations), dict(negated_to or {}))
