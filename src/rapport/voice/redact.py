"""Redacting personal data from feedback text before it is stored or shown.

Holds `redact` (the text with placeholders such as "[email]") and `redact_spans` (where each
piece of personal data is and its label). Finds e-mail addresses, phone numbers, payment cards
(Luhn-checked), URLs that carry secrets or personal data, long account numbers and IBANs, and
people's names after cues ("my name is", "spoke to"), honorifics or as "First Last".
"""

from __future__ import annotations

__all__ = ["LABELS", "KnownNames", "known_names", "redact", "redact_spans"]

import re

from rapport.voice._names import COMMON_WORD_NAMES, FIRST_NAMES, NOT_PEOPLE, NOT_SURNAMES

LABELS: tuple[str, ...] = ("url", "email", "card", "phone", "id", "name")
_PRIORITY = {label: rank for rank, label in enumerate(LABELS)}

_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"']+|\bwww\.[^\s<>\"']+", re.IGNORECASE)
_URL_TAIL = ".,!?;:)]}'\"”’…"
_URL_SECRET = re.compile(
    r"[?&#;](?:[\w.-]*[_.-])?(?:token|key|apikey|password|passwd|pwd|secret|sig|signature|auth"
    r"|session|sessionid|sid|code|email|e-mail)=[^&#\s]"
    r"|access_token|://[^/\s@:]+:[^/\s@]+@|[\w.+-]@[\w-]+\.[\w.-]+|%40",
    re.IGNORECASE,
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# Amounts, paths, versions and longer numbers must not lead into a number we match.
_NUMBER_BEFORE = r"(?<![\w$€£¥#/:+-])(?<!\d[.,])"
_NUMBER_AFTER = r"(?![\w/-]|[.,]\d)"

_CARD = re.compile(rf"{_NUMBER_BEFORE}[2-6]\d{{2,5}}(?:[ -]?\d{{3,6}}){{2,4}}{_NUMBER_AFTER}")

_PHONE = re.compile(
    _NUMBER_BEFORE
    + r"""(?:
        \+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]?\d{2,5}){1,4}  # +44 20 7946 0958
      | (?:1[\s.-]?)?(?:\(\d{3}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]\d{4}         # (555) 123-4567
      | (?:1[\s.-]?)?\(\d{3}\)\d{3}-?\d{4}                                    # (555)123-4567
      | 1?[2-9]\d{2}[2-9]\d{6}                                                # 5551234567
      | \(\d{2}\)\s?\d{4,5}-?\d{4}                                            # (11) 91234-5678
      | \d{2}\s\d{4,5}-\d{4}                                                  # 11 91234-5678
      | 0[1-9]\d{1,3}[\s-]\d{3,4}[\s-]?\d{3,4}                                # 020 7946 0958
    )"""
    + _NUMBER_AFTER,
    re.VERBOSE,
)
# A seven-digit local number counts only after a word that says it is one.
_LOCAL_PHONE = re.compile(
    r"(?i:\b(?:call|phone|tel|telephone|text|cell|mobile|number|fax)\b"
    r"(?:\s+(?:me|us|him|her|them))?(?:\s+(?:at|on))?[\s:#.]*)"
    r"(\d{3}[\s.-]\d{4})" + _NUMBER_AFTER
)

_LONG_NUMBER = re.compile(rf"(?<![\w$€£¥/-])(?<!\d[.,])\d{{8,}}{_NUMBER_AFTER}")
_SSN = re.compile(rf"{_NUMBER_BEFORE}\d{{3}}-\d{{2}}-\d{{4}}{_NUMBER_AFTER}")  # US social security
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")

# Names. The cue is matched in any case, the name itself must be capitalised.
_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
_SURNAME_WORD = r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_CUE = re.compile(
    r"(?i:\b(?:my\s+name\s+is|my\s+name['’]s|name['’]s|i\s+am\s+called|i['’]m\s+called"
    r"|i['’]m|i\s+am"
    r"|this\s+is|ask(?:ed)?\s+for|spoke\s+(?:to|with)|speaking\s+(?:to|with)"
    r"|talked\s+(?:to|with)|agent|rep|representative|attendant|pilot|captain|manager"
    r"|thanks(?:\s+to)?|thank\s+you|shout\s*out\s+to|kudos\s+to|props\s+to|dear|hi|hello)"
    r"[\s,:]+)"
    rf"(?P<first>{_NAME_WORD})(?:\s+(?P<last>{_SURNAME_WORD}))?"
)
# A sign-off at the very end: "Thanks, Mateo" or "Regards, Tom Becker". The comma after the
# sign-off and the end of the text make a name likely even when it is not in the name list.
_SIGN_OFF = re.compile(
    r"(?i:\b(?:thanks(?:\s+again|\s+so\s+much|\s+in\s+advance)?|thank\s+you|many\s+thanks"
    r"|cheers|(?:best|kind|warm)\s+regards|regards|best(?:\s+wishes)?|sincerely|warmly"
    r"|yours(?:\s+truly|\s+sincerely)?|all\s+the\s+best|take\s+care)[!.]?\s*,\s*)"
    rf"(?P<first>{_NAME_WORD})(?:\s+(?P<last>{_SURNAME_WORD}))?\s*[.!]?\s*$"
)
# Cues too weak for a first name that is also a common word ("I'm Will-ing", "this is May").
_WEAK_CUES = frozenset({"i'm", "i’m", "i am", "this is", "hi", "hello", "dear"})
_HONORIFIC = re.compile(
    rf"(?<![\w@#])(?:Mr|Mrs|Ms|Mx|Dr|Miss|Mister)\.?\s+(?P<first>{_SURNAME_WORD})"
    rf"(?:\s+(?P<last>{_SURNAME_WORD}))?"
)
_NOT_AFTER_HONORIFIC = frozenset(
    {"Martens", "Pepper", "Scholl", "Scholls", "Coffee", "Clean", "Fields", "Selfridge", "Me"}
    | {"America", "Universe", "World", "Right", "Wrong", "Who", "Potato", "Bean", "Goodwrench"}
)
# A first name (common words too) that says or asks something is a person: "Jack says their
# business is growing", "Grace Lee told me", "Will asked for a quote". Only things people do
# with words, so "Bill says $40" (an invoice) is rare enough to accept.
_SAID = re.compile(
    rf"(?<![\w@#'’.-])(?P<first>{_NAME_WORD})(?:\s+(?P<last>{_SURNAME_WORD}))?"
    r"\s+(?:says|said|told|tells|mentioned|mentions|explained|explains|asked|asks|wrote|writes"
    r"|confirmed|confirms|promised|promises|reminded|reminds|complained|complains|replied"
    r"|thinks|thought|admitted|admits)\b"
)
# "the staff at Logan told me": a place that speaks for the people in it
_PLACE_BEFORE = re.compile(r"(?i:\b(?:at|in|from|to|via|of)\s+)$")
# The surname sits in a lookahead so that "Thanks Sarah Johnson" can match at "Sarah".
_FULL_NAME = re.compile(
    rf"(?<![\w@#'’.-])(?P<first>{_NAME_WORD})(?=\s+(?P<last>{_SURNAME_WORD})\b)"
)

# Words that end a sign-off without being anybody's name ("Thanks, Everyone!").
_NOT_SIGNED = frozenset({"All", "Everyone", "Everybody", "Guys", "Team", "Folks", "Again", "Bye",
                         "Love", "Me", "Us", "You", "Sir", "Madam", "Mate", "Friends"})
_NAMES = frozenset(FIRST_NAMES)
_PLAIN_NAMES = _NAMES - COMMON_WORD_NAMES
# Quick checks that let most texts skip the slower searches.
_SEVEN_DIGITS = re.compile(r"\d(?:[\s().+-]{0,3}\d){6}")
# "\b[A-Z][a-z]+" with the boundary checked after the capital: a regex that starts with a
# character class lets the engine skip ahead to capitals (a third faster, the same words).
_CAPITALISED = re.compile(r"[A-Z](?<!\w[A-Z])[a-z]+")
_NAME_TRIGGERS = _NAMES | {"Mr", "Mrs", "Ms", "Mx", "Dr", "Miss", "Mister"}


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def _urls(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TAIL:
            end -= 1
        if _URL_SECRET.search(text, start, end):
            found.append((start, end, "url"))
    return found


def _numbers(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.append((match.start(), match.end(), "card"))
    for match in _PHONE.finditer(text):
        if 8 <= sum(char.isdigit() for char in match.group()) <= 15:
            found.append((match.start(), match.end(), "phone"))
    for match in _LOCAL_PHONE.finditer(text):
        found.append((match.start(1), match.end(1), "phone"))
    for match in _LONG_NUMBER.finditer(text):
        found.append((match.start(), match.end(), "id"))
    for match in _SSN.finditer(text):
        found.append((match.start(), match.end(), "id"))
    for match in _IBAN.finditer(text):
        if _iban_valid(match.group()):
            found.append((match.start(), match.end(), "id"))
    return found


def _name_end(match: re.Match[str]) -> int:
    """Where the name ends: after the surname when a likely one follows the first name."""
    last = match.group("last")
    return (
        match.end("last") if last is not None and last not in NOT_SURNAMES else match.end("first")
    )


def _names(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _CUE.finditer(text):
        first = match.group("first")
        cue = " ".join(text[match.start() : match.start("first")].lower().split()).rstrip(",:")
        weak = cue in _WEAK_CUES
        if first in _PLAIN_NAMES or (first in _NAMES and not weak):
            found.append((match.start("first"), _name_end(match), "name"))
    for match in _SIGN_OFF.finditer(text):
        if match.group("first") not in NOT_PEOPLE and match.group("first") not in _NOT_SIGNED:
            found.append((match.start("first"), _name_end(match), "name"))
    for match in _HONORIFIC.finditer(text):
        if match.group("first") not in _NOT_AFTER_HONORIFIC:
            found.append((match.start("first"), _name_end(match), "name"))
    for match in _SAID.finditer(text):
        if match.group("first") in _NAMES and not _PLACE_BEFORE.search(text, 0, match.start()):
            found.append((match.start("first"), _name_end(match), "name"))
    for match in _FULL_NAME.finditer(text):
        if match.group("first") in _PLAIN_NAMES and match.group("last") not in NOT_SURNAMES:
            found.append((match.start(), match.end("last"), "name"))
    return [
        (start, end, label)
        for start, end, label in found
        if text[start:end] not in NOT_PEOPLE
        and not any(text[start:end].startswith(pair) for pair in NOT_PEOPLE)
    ]


class KnownNames:
    """The names of the store's own people (customers, contacts, authors of feedback), so
    that "hosted by Riley Perez" or "Harper reminded me" are redacted even where no cue says
    a name follows. First names that are also common words ("Will", "May") count only
    before a known surname."""

    def __init__(self, full: set[tuple[str, str]], first: frozenset[str],
                 last: frozenset[str]) -> None:
        self.full, self.first, self.last = full, first, last

    def __bool__(self) -> bool:
        return bool(self.full or self.first or self.last)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        if not self:
            return []
        found = []
        words = list(_WORD.finditer(text))
        skip = -1
        for i, word in enumerate(words):
            if i <= skip:
                continue
            token = word.group()
            after = words[i + 1] if i + 1 < len(words) else None
            joined = after is not None and text[word.end():after.start()].strip() == ""
            if joined and after is not None and (token, after.group()) in self.full:
                found.append((word.start(), after.end(), "name"))
                skip = i + 1
            elif (token in self.first and token not in COMMON_WORD_NAMES) or token in self.last:
                found.append((word.start(), word.end(), "name"))
        return found


_WORD = re.compile(r"(?<![\w@#])[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?")


def known_names(names: list[str | None]) -> KnownNames:
    """KnownNames from full names as written ("Riley Perez"); parts shorter than three letters,
    and words that name no one (brands, places) are left out."""
    full: set[tuple[str, str]] = set()
    first: set[str] = set()
    last: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        parts = [p for p in _WORD.findall(name) if len(p) >= 3]
        if not parts:
            continue
        first.add(parts[0])
        if len(parts) > 1:
            full.add((parts[0], parts[-1]))
            if parts[-1] not in NOT_SURNAMES and parts[-1] not in COMMON_WORD_NAMES:
                last.add(parts[-1])
    banned = set(NOT_PEOPLE)
    return KnownNames(full, frozenset(first - banned), frozenset(last - banned))


_LOWER = "abcdefghijklmnopqrstuvwxyz"


def _may_sign_off(text: str) -> bool:
    """False where `_SIGN_OFF` cannot match, cheaply: it needs a comma, and a capitalised
    name as the last word (before one "." or "!" and spaces). Most statements end otherwise,
    and the full pattern took half of redaction's time."""
    if "," not in text:
        return False
    tail = text.rstrip()
    if tail.endswith((".", "!")):
        tail = tail[:-1].rstrip()
    start = len(tail.rstrip(_LOWER))
    return 0 < start < len(tail) and "A" <= tail[start - 1] <= "Z"


def redact_spans(text: str, known: KnownNames | None = None) -> list[tuple[int, int, str]]:
    """Where `text` holds personal data: (start, end, label) in order, never overlapping.

    Labels are those in LABELS; where two finds overlap, the earlier label in LABELS wins.
    `known` adds the names of the store's own people.
    """
    found = _urls(text) if "://" in text or "www." in text.lower() else []
    if "@" in text:
        found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    if _SEVEN_DIGITS.search(text):
        found += _numbers(text)
    if any(word in _NAME_TRIGGERS for word in _CAPITALISED.findall(text)) or (
        _may_sign_off(text) and _SIGN_OFF.search(text)
    ):
        found += _names(text)
    if known is not None:
        found += known.spans(text)
    found.sort(key=lambda item: (_PRIORITY[item[2]], item[0], item[0] - item[1]))
    kept: list[tuple[int, int, str]] = []
    for start, end, label in found:
        if all(end <= lo or start >= hi for lo, hi, _ in kept):
            kept.append((start, end, label))
    return sorted(kept)


def redact(text: str, known: KnownNames | None = None) -> str:
    """`text` with each piece of personal data replaced by its placeholder, such as "[email]";
    `known` adds the names of the store's own people."""
    pieces = []
    previous = 0
    for start, end, label in redact_spans(text, known):
        pieces.append(text[previous:start])
        pieces.append(f"[{label}]")
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)
