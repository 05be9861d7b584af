"""Prototype sentences per facet, for the facet detector's optional embedding match.

A statement whose embedding lies close enough to one of a facet's prototypes (see
`PROTOTYPE_SIMILARITY` in facets.py) carries that facet. The sentences are written for Rapport
across businesses (airlines, clothing, banking, retail, delivery), a few per facet.
"""

from __future__ import annotations

__all__ = ["PROTOTYPES"]

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "job": (
        "I need to get to the city for my sister's wedding next week.",
        "I bought this dress to wear to the office and to dinner parties.",
        "We use the account to pay our staff and suppliers.",
        "I'm travelling abroad for work and need my card to work there.",
        "I was looking for something to wear on our honeymoon.",
        "I need this for a funeral on Saturday.",
    ),
    "pain": (
        "My flight was delayed for hours and nobody told us anything.",
        "I've been on hold for two hours and still no answer.",
        "The fabric is itchy and it runs really small.",
        "I was charged a fee I didn't expect.",
        "My package never arrived and the app keeps crashing.",
        "The staff were rude and unhelpful.",
    ),
    "value": (
        "Comfort is the most important thing for me.",
        "I care about quality more than price.",
        "I prefer clothes that don't cling to my body.",
        "It's not worth it at full price.",
        "What matters to me is being on time.",
        "I'd pay more for a company that treats its customers well.",
    ),
    "hope": (
        "I wish it came in more colours.",
        "Hopefully they will fix this soon.",
        "I would love to see this in a petite size.",
        "I hope I make my connection.",
        "What I would like is a refund.",
    ),
    "fear": (
        "I'm worried it will shrink in the wash.",
        "I'm afraid I'll miss my connection.",
        "I'm scared my money is gone.",
        "I was nervous about ordering the smaller size.",
        "What if my card gets used by someone else?",
    ),
    "perception": (
        "You are the worst company I have ever dealt with.",
        "This brand never disappoints.",
        "You guys always lose my luggage.",
        "They clearly don't care about their customers.",
        "This is the best airline in the business.",
    ),
    "competitor": (
        "I'm flying with another airline next time.",
        "I switched to a different bank.",
        "Your competitor offers this for free.",
        "Other brands fit much better than this one.",
        "I found it cheaper elsewhere.",
    ),
    "suggestion": (
        "Please add wifi on all flights.",
        "You should offer this in more sizes.",
        "It would be nice if the app showed the fees upfront.",
        "Why don't you open a route to Austin?",
        "You need more staff at the counter.",
    ),
    "praise": (
        "I love this top, it's so soft.",
        "Thanks for the quick help!",
        "The crew were amazing and friendly.",
        "Great service, very happy.",
        "Beautiful colour and a perfect fit.",
    ),
    "intent": (
        "I'm never flying with you again.",
        "I'm returning it.",
        "I will definitely buy this again.",
        "I highly recommend this.",
        "I want to close my account.",
        "I'm cancelling my subscription.",
    ),
}
