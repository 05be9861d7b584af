"""The aspects of a purchase that customers judge, found in the words of a statement.

Holds `ASPECTS` (each normalised aspect with the words and phrases that name it) and
`find_aspects`, which returns where a statement names an aspect. Words that are aspects in their
own right ("fabric", "wifi", "legroom") keep their own name; words that judge an aspect without
naming it ("runs small", "overpriced", "on hold") give its normalised name ("fit", "price",
"wait").
"""

from __future__ import annotations

__all__ = ["ASPECTS", "find_aspects"]

import re

from rapport.voice.alternation import dispatched, expand, split_alternatives

# Normalised aspect → regular expression over lower-cased text. An empty name means "the word
# itself": "fabric" stays "fabric". Earlier aspects win where two could match at one place.
ASPECTS: dict[str, str] = {
    "fit": (
        r"runs? (?:\w+ )?(?:small|large|big|short|long|tight|narrow|wide|true to size)"
        r"|(?:too|way too|a bit too|a little too) (?:small|big|large|tight|loose|short|long|"
        r"baggy|boxy|wide|narrow)|true to size|fit|fits|fitting|fitted|sizing|size|sizes"
        r"|too small|too big"
    ),
    "customer service": (
        r"customer (?:service|care|support)|cust(?:omer)? serv|support team|help ?desk"
        r"|call cent(?:er|re)|service|support"
    ),
    "staff": (
        r"staff|crew|flight attendants?|cabin crew|employees?|agents?|representatives?|reps?"
        r"|waiters?|waitress(?:es)?|servers?|cashiers?|managers?|pilots?|captain|receptionists?"
        r"|driver|technicians?|gate agents?"
    ),
    "price": (
        r"prices?|pricing|priced|costs?|overpriced|expensive|pricey|affordable|value for money"
        r"|value|money|fees?|charges?|charged|refunds?|fares?|bill|billing|discount"
    ),
    "quality": (
        r"quality|stitching|seams?|construction|workmanship|durability|durable|flimsy"
        r"|fell apart|falls apart|pilling|pilled|holes?|craftsmanship|well made|poorly made"
        r"|cheaply made"
    ),
    "delivery": (
        r"delivery|delivered|shipping|shipped|shipment|package|parcel|courier|postage|arrived"
    ),
    "wait": r"on hold|wait(?:ing|ed)?|queues?|line|hold times?|response times?",
    "delay": r"delay(?:s|ed)?|late|cancell?ations?|cancell?ed|rescheduled|on time|on-time",
    "baggage": r"bags?|luggage|baggage|suitcases?|carry[ -]?ons?",
    "comfort": r"comfortable|comfort|comfy|uncomfortable|itchy|scratchy|cozy|cosy",
    "booking": r"booking|reservations?|tickets?|itinerary|check[ -]?in|boarding",
    "": (
        r"fabric|material|cotton|linen|silk|wool|knit|lining|colou?rs?|patterns?|print|style"
        r"|design|cut|length|waist|bust|sleeves?|neckline|zipper|buttons?|pockets?|legroom"
        r"|seats?|wifi|wi-fi|app|website|site|food|meal|drinks?|coffee|room|rooms|bed|beds"
        r"|breakfast|view|location|pool|menu|portions?|flight|flights|plane|aircraft"
        r"|entertainment|screen|battery|camera|signal|coverage|speed|interface|update|upgrade"
        r"|account|card|loan|interest rate|rates?|points|miles|rewards"
    ),
}

# One word-boundary check around all the alternatives, not one per alternative: positions
# inside a word fail at once (3 times faster, the same matches: a failed end check backtracks
# into the next alternative either way). The alternatives are dispatched on their first letter
# (`alternation.dispatched`; about twice as fast again, the same matches: every alternative
# starts with a letter once leading groups are distributed, and each keeps its order).
_NAMES = list(ASPECTS)
_ALTERNATION, _OWNERS = dispatched([
    (alternative, index)
    for index, pattern in enumerate(ASPECTS.values())
    for part in split_alternatives(pattern)
    for alternative in expand(part)
])
_PATTERN = re.compile(r"(?<![\w'’])" + _ALTERNATION + r"(?![\w'’])")


def find_aspects(text: str) -> list[tuple[str, int, int]]:
    """(aspect, start, end) for each place `text` names an aspect, once per aspect, in order."""
    lower = text.lower()
    if len(lower) != len(text):
        return []
    found: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    for match in _PATTERN.finditer(lower):
        name = _NAMES[_OWNERS[(match.lastindex or 1) - 1]] or match.group()
        if name not in seen:
            seen.add(name)
            found.append((name, match.start(), match.end()))
    return found
