"""Large alternations of words and phrases, laid out so that Python's regular expression
engine can dispatch on their first characters.

`split_alternatives` cuts a pattern at its top-level "|"; `expand` distributes a leading group
over the rest; `dispatched` joins alternatives into one group bucketed by first character,
each bucket a trie of what follows, each alternative ending with an empty marker group so that
`match.lastindex` tells which one matched. The facet cues and the aspects are laid out this
way: trying the alternatives of one first letter instead of all of them at every position made
finding aspects about twice as fast, with the same matches (alternatives keep their order
within a letter, and only one letter applies at a position). The trie below the first letter
made the facet cues' regexes about 10% faster again; it is what makes one unmarked regex of
all ten facets' cues quick enough to find where any cue could start (`facets._starts`).
"""

from __future__ import annotations

__all__ = ["dispatchable", "dispatched", "expand", "split_alternatives"]

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern (outside groups and character classes)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def expand(alternative: str) -> list[str]:
    """Distribute a leading `(?:a|b)` or `(?:a|b)?` over the rest, so that alternatives start
    with a literal character the regex engine can dispatch on."""
    if not alternative.startswith("(?:"):
        return [alternative]
    depth, i = 0, 0
    while i < len(alternative):
        c = alternative[i]
        if c == "\\":
            i += 2
            continue
        depth += (c == "(") - (c == ")")
        if depth == 0:
            break
        i += 1
    inner, rest = alternative[3:i], alternative[i + 1 :]
    optional = rest.startswith("?")
    if optional:
        rest = rest[1:]
    if rest[:1] in ("*", "+", "{", "?"):
        return [alternative]
    out = [x for a in split_alternatives(inner) for x in expand(a + rest)]
    return out + expand(rest) if optional else out


# Characters an alternative may be dispatched on below its first one: besides letters and
# digits, these are literal in a pattern wherever they stand outside a class.
_INNER_LITERALS = " '’-#@&"
_QUANTIFIERS = ("?", "*", "+", "{")


def _literal_first(pattern: str, chars: str) -> str | None:
    """The first character of `pattern` if it matches just itself, once, else None."""
    first = pattern[:1]
    if first and (first.isalnum() or first in chars) and pattern[1:2] not in _QUANTIFIERS:
        return first
    return None


def dispatchable(pattern: str, also: str = "") -> bool:
    """Whether `dispatched` puts this alternative in a bucket: it starts with a letter or
    digit (or one of `also`) that matches just itself, once."""
    return _literal_first(pattern, also) is not None


def _trie(items: Sequence[tuple[str, T]], owners: list[T], mark: str) -> str:
    """`items`' alternatives as one group, bucketed by first character again and again (a
    trie), in an order that keeps every match: alternatives with different literal first
    characters cannot match at the same place, so a run of them may be regrouped, and within
    a bucket they keep their order; one that does not start with a literal character ends
    the run, keeping its place between the runs before and after it."""
    parts: list[str] = []
    run: dict[str, list[tuple[str, T]]] = {}

    def close_run() -> None:
        for first, rests in run.items():
            if len(rests) == 1:
                parts.append(re.escape(first) + rests[0][0] + mark)
                owners.append(rests[0][1])
            else:
                parts.append(re.escape(first) + _trie(rests, owners, mark))
        run.clear()

    for pattern, owner in items:
        first = _literal_first(pattern, _INNER_LITERALS)
        if first is None:
            close_run()
            parts.append(pattern + mark)
            owners.append(owner)
        else:
            run.setdefault(first, []).append((pattern[1:], owner))
    close_run()
    return "(?:" + "|".join(parts) + ")"


def dispatched(
    alternatives: Sequence[tuple[str, T]],
    also: str = "",
    *,
    marked: bool = True,
    guard: Callable[[str], str] | None = None,
) -> tuple[str, list[T]]:
    """One non-capturing group of `(pattern, owner)` alternatives, bucketed by first character
    (a letter or digit, or one of `also`), each bucket a trie of the rest (`_trie`), and the
    owner of each marker group in it, in group order (`marked=False`: no marker groups, for a
    pattern that only says whether any alternative matches). `guard(c)`, if given, goes right
    after each first character `c` (a look-behind that would otherwise stand in front of the
    whole group, where it keeps the engine from skipping ahead to those characters). The
    alternatives may hold only non-capturing groups; one that does not start with such a
    literal character keeps its own place after the buckets, so give such alternatives only
    where no bucketed one could match at the same place (or check that none is left)."""
    mark = "()" if marked else ""
    buckets: dict[str, list[tuple[str, T]]] = {}
    others: list[tuple[str, T]] = []
    for pattern, owner in alternatives:
        first = _literal_first(pattern, also)
        if first is not None:
            buckets.setdefault(first, []).append((pattern[1:], owner))
        else:
            others.append((pattern, owner))
    parts: list[str] = []
    owners: list[T] = []
    for first, rests in buckets.items():
        after = guard(first) if guard is not None else ""
        parts.append(re.escape(first) + after + _trie(rests, owners, mark))
    for pattern, owner in others:
        parts.append(pattern + mark)
        owners.append(owner)
    return "(?:" + "|".join(parts) + ")", owners
