"""Splitting feedback into statements: sentences, then contrastive clauses, with offsets.

Holds `Span` (a stretch of the original text and its character offsets) and `split_sentences`,
`split_clauses` and `split_statements`. Every span's text is exactly `original[start:end]`.
"""

from __future__ import annotations

__all__ = ["MAX_SPAN_CHARS", "Span", "split_clauses", "split_sentences", "split_statements"]

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_SPAN_CHARS = 2000


@dataclass(frozen=True)
class Span:
    """A stretch of the original text: `text == original[start:end]`, no outer whitespace."""

    start: int
    end: int
    text: str


# Stretches inside which a sentence never ends: URLs and e-mail addresses.
_PROTECTED = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"]+|(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)
_URL_TAIL = ".,!?;:)]}'\"”’…"

# Sentence ends: a run of terminal punctuation with any closing quotes or brackets; or a line break.
_STOPS = ".!?…‼⁇⁈⁉"
_TERMINAL = re.compile(
    rf"(?P<stop>[{_STOPS}]+)(?P<close>[\"'”’»)\]]*)|(?P<nl>\r\n?|\n|\u2028|\u2029)"
)
# The characters a `_TERMINAL` match starts with: a search for one of them skips ahead at
# once, where `_TERMINAL`'s own search tries every position (it starts with a group).
_TERMINAL_START = re.compile(f"[{_STOPS}\r\n\u2028\u2029]")

# Emoticons and emoji that can close a sentence, or trail its punctuation.
_EMOTICON = (
    r"(?:[:;][-'^o]?[)(\]\[DPpO/\\|*3@]+|<3+|xD+|XD+|"
    r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2764][\ufe0f\u200d\U0001F3FB-\U0001F3FF]*)"
)
_TRAILING_EMOTICONS = re.compile(rf"(?:[ \t]*{_EMOTICON})+(?=\s|$)")
_EMOTICON_STOP = re.compile(rf"(?<=\s){_EMOTICON}+(?=[ \t]+[\"'“‘(]?[A-Z])")

# Abbreviations that never end a sentence, and those that end one only before a capital letter.
_NEVER_END = frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "prof", "st", "vs", "e.g", "i.e", "cf", "approx", "appt"}
    | {"apt", "dept", "est", "fig", "gen", "gov", "capt", "lt", "sgt", "col", "rev", "mt", "hon"}
    | {"pres", "ave", "blvd", "rd", "ext", "tel", "viz", "al"}
)
_END_BEFORE_CAPITAL = frozenset(
    {"etc", "a.m", "p.m", "pm", "u.s", "u.k", "u.s.a", "inc", "ltd", "co", "corp", "jr", "sr"}
    | {"oz", "lbs", "lb", "min", "mins", "hrs", "hr", "sec", "yrs", "jan", "feb", "apr", "jun"}
    | {"jul", "aug", "sep", "sept", "oct", "nov", "dec", "tue", "tues", "thu", "thurs", "fri"}
)
_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "num", "vol", "pg", "pp", "p", "ch", "art", "sec"})
_ACRONYM = re.compile(r"(?:[a-z]\.)+[a-z]")
_OPENERS = "\"'“‘(["

# Contrastive points inside a sentence.
_CONTRAST = re.compile(
    r";|\b(?:(?:even\s+|and\s+)?(?:though|yet)|but|however|although|whereas)\b",
    re.IGNORECASE,
)
# Every word `_CONTRAST` can match holds one of these ("although" and "even though" hold
# "though", "and yet" holds "yet").
_CONTRAST_WORDS = ("but", "though", "yet", "however", "whereas")
_WORD = re.compile(r"[\w'’]+")
_NEXT_WORD = re.compile(r"\s*([\w'’]+|\S)")
_ENTITY_END = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+)$")  # "&amp" before its ";"
_HAS_ALNUM = re.compile(r"[^\W_]")
_BUT_NOT_AFTER = frozenset({"all", "anything", "nothing", "everything", "none", "cannot"})
_YET_NOT_AFTER = frozenset({"not", "as", "nor", "never", "have", "has", "had", "been"})
_HOWEVER_NOT_BEFORE = frozenset({"much", "many", "long", "far", "often", "hard", "big", "little"})
_LEFT_TRIM = " \t\r\n,;:—–-"
_MIN_CLAUSE_WORDS = 3


def _span(text: str, start: int, end: int, offset: int = 0) -> Span | None:
    """The span of `text[start:end]` without outer whitespace, or None when nothing is left."""
    piece = text[start:end]
    inner = piece.strip()  # strips exactly what str.isspace() calls whitespace
    if not inner:
        return None
    start += len(piece) - len(piece.lstrip())
    return Span(start + offset, start + len(inner) + offset, inner)


def _protected(text: str) -> list[tuple[int, int]]:
    """The stretches of `text` taken by URLs and e-mail addresses."""
    if "@" not in text and "://" not in text and "www." not in text.lower():
        return []
    ranges = []
    for match in _PROTECTED.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _URL_TAIL:
            end -= 1
        ranges.append((match.start(), end))
    return ranges


def _inside(ranges: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    index = bisect.bisect_right(starts, pos) - 1
    return index >= 0 and ranges[index][0] <= pos < ranges[index][1]


def _word_before(text: str, pos: int) -> str:
    """The lower-cased word that ends at `pos` (exclusive), without opening quotes or brackets."""
    start = pos
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:pos].lstrip(_OPENERS).lower()


def _next_char(text: str, pos: int) -> str:
    """The first character at or after `pos` that is not a space or an opening quote."""
    while pos < len(text) and (text[pos].isspace() or text[pos] in _OPENERS):
        if text[pos] in "\r\n":
            return ""
        pos += 1
    return text[pos] if pos < len(text) else ""


def _starts_item(text: str, pos: int) -> bool:
    """Whether `pos` starts a line or follows the end of a sentence, where lists number items."""
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos == 0 or text[pos - 1] in "\r\n.!?"


def _period_ends(text: str, dot: int, after: int) -> bool:
    """Whether a lone period at `dot` ends its sentence; `after` is where the next text starts."""
    word = _word_before(text, dot)
    following = _next_char(text, after)
    if not word:
        return True
    if word in _NEVER_END:
        return False
    if word in _BEFORE_NUMBER and (following.isdigit() or following == "#"):
        return False
    if word.isdigit() and len(word) <= 2 and _starts_item(text, dot - len(word)):
        return False  # an enumerator such as "1. Go to the gate"
    if word in _END_BEFORE_CAPITAL or _ACRONYM.fullmatch(word):
        return following.isupper()
    if len(word) == 1 and word.isalpha() and text[dot - 1].isupper():
        return not following.isupper()  # an initial, as in "J. Smith"
    return True


def _stop_ends(text: str, match: re.Match[str]) -> bool:
    """Whether a run of terminal punctuation (with any closing quotes) ends its sentence."""
    stop = match.group("stop")
    end = match.end()
    nxt = text[end] if end < len(text) else ""
    following = _next_char(text, end)
    if stop == "…" or (len(stop) > 1 and set(stop) == {"."}):
        # An ellipsis before lower case is a pause ("I waited... and waited"); before a letter
        # it ends the sentence even without a space ("Sorry...We").
        if following.islower() or following.isdigit():
            return False
        return not nxt or nxt.isspace() or nxt.isalpha()
    if nxt and not nxt.isspace():
        return False
    if match.group("close") and following.islower():
        return False
    return stop != "." or _period_ends(text, match.start(), end)


def _may_hold_emoticon(text: str) -> bool:
    """False where `_EMOTICON` cannot match: plain ASCII text without ":", ";", "<3", "xD" or
    "XD" (most sentences; the scan for emoticons took a quarter of finding sentence ends)."""
    if not text.isascii():
        return True
    return ":" in text or ";" in text or "<3" in text or "xD" in text or "XD" in text


def _may_turn(text: str) -> bool:
    """False where `_CONTRAST` cannot match: plain ASCII text without ";" or any of its words
    (nine sentences in ten; the full search took a quarter of splitting at contrasts)."""
    if not text.isascii() or ";" in text:
        return True
    lower = text.lower()
    return any(word in lower for word in _CONTRAST_WORDS)


def _terminals(text: str) -> Iterator[re.Match[str]]:
    """`_TERMINAL.finditer(text)`, about twice as fast: each match starts at the next
    character of `_TERMINAL_START`, where `_TERMINAL` always matches."""
    find, match = _TERMINAL_START.search, _TERMINAL.match
    at = find(text)
    while at is not None:
        found = match(text, at.start())
        assert found is not None, "every character of _TERMINAL_START starts a _TERMINAL"
        yield found
        at = find(text, found.end())


def _boundaries(text: str) -> list[int]:
    """Offsets where sentences end (exclusive)."""
    ranges = _protected(text)
    starts = [start for start, _ in ranges]
    ends: list[int] = []
    for match in _terminals(text):
        if match.group("nl"):
            ends.append(match.start())
            continue
        if _inside(ranges, starts, match.start()) or not _stop_ends(text, match):
            continue
        trailing = _TRAILING_EMOTICONS.match(text, match.end())
        ends.append(trailing.end() if trailing else match.end())
    if _may_hold_emoticon(text):
        for match in _EMOTICON_STOP.finditer(text):
            if not _inside(ranges, starts, match.start()):
                ends.append(match.end())
    ends.append(len(text))
    return sorted(set(ends))


def split_sentences(text: str) -> list[Span]:
    """The sentences of `text`, in order, as spans of the original text."""
    spans = []
    previous = 0
    for end in _boundaries(text):
        if end <= previous:
            continue
        span = _span(text, previous, end)
        if span is not None:
            spans.append(span)
        previous = end
    return spans


def _contrast_point(text: str, match: re.Match[str], ranges: list[tuple[int, int]]) -> int | None:
    """Where a clause would start at this contrastive word, or None when it is not a split."""
    start = match.start()
    if match.group() == ";":
        return None if _ENTITY_END.search(text, max(0, start - 12), start) else start + 1
    if start > 0 and text[start - 1] in "#@/-_":
        return None
    if any(lo <= start < hi for lo, hi in ranges):
        return None
    word = match.group().lower().split()
    before_end = start
    while before_end > 0 and text[before_end - 1].isspace():
        before_end -= 1
    before = _word_before(text, before_end).strip(",:;—–-")
    after_match = _NEXT_WORD.match(text, match.end())
    after = after_match.group(1).lower() if after_match else ""
    head = word[-1]
    if head == "but" and (before in _BUT_NOT_AFTER or after == "also"):
        return None
    if head == "though" and len(word) == 1 and (before == "as" or not after[:1].isalnum()):
        return None
    if head == "yet" and len(word) == 1 and (before in _YET_NOT_AFTER or before.endswith("n't")):
        return None
    if head == "yet" and not after[:1].isalnum():
        return None
    if head == "however" and after in _HOWEVER_NOT_BEFORE:
        return None
    return start


def split_clauses(span: Span) -> list[Span]:
    """`span` split where it turns on a contrast ("but", "however", ";"...), offsets kept.

    A split happens only when both sides keep at least three words; the conjunction stays with
    the second clause.
    """
    text = span.text
    if not _may_turn(text) or _CONTRAST.search(text) is None:
        return [span]
    word_starts = [match.start() for match in _WORD.finditer(text)]

    def words_between(lo: int, hi: int) -> int:
        return bisect.bisect_left(word_starts, hi) - bisect.bisect_left(word_starts, lo)

    ranges = _protected(text)
    cuts: list[tuple[int, int]] = []  # (end of the left clause, start of the right one)
    previous = 0
    for match in _CONTRAST.finditer(text):
        point = _contrast_point(text, match, ranges)
        if point is None or point <= previous:
            continue
        left_end = match.start() if match.group() == ";" else point
        if (
            words_between(previous, left_end) >= _MIN_CLAUSE_WORDS
            and words_between(point, len(text)) >= _MIN_CLAUSE_WORDS
        ):
            cuts.append((left_end, point))
            previous = point
    if not cuts:
        return [span]
    pieces = []
    start = 0
    for left_end, right_start in [*cuts, (len(text), len(text))]:
        end = left_end
        while end > start and text[end - 1] in _LEFT_TRIM:
            end -= 1
        piece = _span(text, start, end, span.start)
        if piece is not None:
            pieces.append(piece)
        start = right_start
    return pieces


def _capped(text: str, span: Span) -> list[Span]:
    """`span` cut at whitespace into pieces of at most MAX_SPAN_CHARS characters."""
    pieces = []
    start, end = span.start, span.end
    while end - start > MAX_SPAN_CHARS:
        limit = start + MAX_SPAN_CHARS
        cut = max(text.rfind(" ", start + 1, limit + 1), text.rfind("\t", start + 1, limit + 1))
        if cut <= start:
            cut = limit
        piece = _span(text, start, cut)
        if piece is not None:
            pieces.append(piece)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    piece = _span(text, start, end)
    if piece is not None:
        pieces.append(piece)
    return pieces


def split_statements(text: str) -> list[Span]:
    """The statements of `text`: its sentences, split where they turn on a contrast.

    Spans without a letter or digit are dropped; longer ones than MAX_SPAN_CHARS are cut at
    whitespace.
    """
    statements: list[Span] = []
    for sentence in split_sentences(text):
        for clause in split_clauses(sentence):
            pieces = _capped(text, clause) if len(clause.text) > MAX_SPAN_CHARS else [clause]
            statements.extend(piece for piece in pieces if _HAS_ALNUM.search(piece.text))
    return statements
