"""Alternations dispatched on their first letter match what the plain alternation matches."""

from __future__ import annotations

import random
import re

import pandas as pd

from conftest import DATASETS
from rapport.voice.alternation import dispatchable, dispatched, expand, split_alternatives


def test_split_and_expand_keep_the_order_of_the_alternatives() -> None:
    assert split_alternatives(r"a(?:b|c)|[|]d|e\|f") == ["a(?:b|c)", "[|]d", r"e\|f"]
    assert expand("(?:too|way too) (?:small|big)") == ["too (?:small|big)",
                                                       "way too (?:small|big)"]
    assert expand("(?:a|b)?c") == ["ac", "bc", "c"]
    assert expand("(?:a|b)+c") == ["(?:a|b)+c"]  # a repeated group cannot be distributed
    # what `dispatched` can bucket: a letter or digit (or one of `also`) matching itself once
    assert dispatchable("ab") and dispatchable("9 lives") and dispatchable("#x", also="#")
    assert not dispatchable(r"\w+") and not dispatchable("a?b") and not dispatchable("")
    assert not dispatchable("#x") and not dispatchable("(?:a|b)")


def test_dispatched_matches_as_the_plain_alternation_on_real_text() -> None:
    owned = {
        "fit": r"runs? (?:\w+ )?(?:small|large)|(?:too|a bit too) (?:small|big)|fit|fits|size",
        "fabric": r"fabric|fab|material|cotton",
        "price": r"prices?|price point|value|valued|costs?",
        "colour": r"colou?rs?|(?:navy )?blue",
    }
    plain = re.compile(
        r"(?<![\w'])(?:" + "|".join(f"(?P<g{i}>{p})" for i, p in enumerate(owned.values()))
        + r")(?![\w'])"
    )
    body, owners = dispatched([(alt, i) for i, p in enumerate(owned.values())
                               for part in split_alternatives(p) for alt in expand(part)])
    fast = re.compile(r"(?<![\w'])" + body + r"(?![\w'])")
    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv", nrows=3000)
    texts = [t.lower() for t in reviews["Review Text"].dropna()]
    matched = 0
    for text in texts:
        want = [(int(m.lastgroup[1:]), m.span()) for m in plain.finditer(text)]  # type: ignore[index]
        got = [(owners[m.lastindex - 1], m.span()) for m in fast.finditer(text)]  # type: ignore[operator]
        assert got == want, text
        matched += len(want)
    assert matched > 3000


def test_the_trie_keeps_the_matches_of_the_plain_alternation() -> None:
    """Below the first character, runs of alternatives are regrouped by their next one, and an
    alternative that does not start with a literal keeps its place between runs: on random
    text over a small alphabet every match, and which alternative made it, stays the same."""
    alternatives = [
        "ab", "a\\w", "ac", "abc", "a b", "a  *bd", "b", "ba?c", "bab", "b(?:a|c)b", "bc",
        "cab", "ca", "c", "cb+", "c'a", "c-a", "",
    ]
    owned = [(alt, i) for i, alt in enumerate(alternatives) if alt]
    plain = re.compile("|".join(f"(?P<g{i}>{alt})" for alt, i in owned))
    body, owners = dispatched(owned)
    trie = re.compile(body)
    unmarked, _ = dispatched(owned, marked=False)
    assert re.compile(unmarked).groups == 0
    assert "(?:" in body[4:]  # buckets are split again below their first letter
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice("abc '-") for _ in range(rng.randint(0, 12)))
        want = [(int(m.lastgroup[1:]), m.span()) for m in plain.finditer(text)]  # type: ignore[index]
        got = [(owners[m.lastindex - 1], m.span()) for m in trie.finditer(text)]  # type: ignore[operator]
        assert got == want, text
        at = [m.start() for m in re.finditer(f"(?={plain.pattern})", text)]
        assert [m.start() for m in re.finditer(f"(?={unmarked})", text)] == at, text
