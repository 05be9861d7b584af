"""Large alternations of words and phrases, laid out so that Python's regular expression
engine can dispatch on their first character.

`split_alternatives` cuts a pattern at its top-level "|"; `expand` distributes a leading group
over the rest; `dispatched` joins alternatives into one group bucketed by first character
(a one-level trie), each ending with an empty marker group so that `match.lastindex` tells
which one matched. The facet cues and the aspects are laid out this way:
trying the alternatives of one first letter instead of all of them at every position made
finding aspects about twice as fast, with the same matches (alternatives keep their order
within a letter, and only one letter applies at a position).
"""

from __future__ import annotations

__all__ = ["dispatched", "expand", "split_alternatives"]

import re
from collections.abc import Sequence
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


def dispatched(
    alternatives: Sequence[tuple[str, T]], also: str = ""
) -> tuple[str, list[T]]:
    """One non-capturing group of `(pattern, owner)` alternatives, bucketed by first character
    (a letter or digit, or one of `also`), and the owner of each marker group in it, in group
    order. The alternatives may hold only non-capturing groups; one that does not start with
    such a literal character keeps its own place after the buckets, so give such alternatives
    only where no bucketed one could match at the same place (or check that none is left)."""
    buckets: dict[str, list[tuple[str, T]]] = {}
    others: list[tuple[str, T]] = []
    for pattern, owner in alternatives:
        first = pattern[:1]
        literal = first.isalnum() or (first != "" and first in also)
        if literal and pattern[1:2] not in ("?", "*", "+", "{"):
            buckets.setdefault(first, []).append((pattern[1:], owner))
        else:
            others.append((pattern, owner))
    parts: list[str] = []
    owners: list[T] = []
    for first, rests in buckets.items():
        parts.append(re.escape(first) + "(?:" + "|".join(f"{rest}()" for rest, _ in rests) + ")")
        owners.extend(owner for _, owner in rests)
    for pattern, owner in others:
        parts.append(f"{pattern}()")
        owners.append(owner)
    return "(?:" + "|".join(parts) + ")", owners
