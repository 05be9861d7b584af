"""Sentence templates and content shared by every segment.

Templates are written per facet; `{x}` is a phrase of the matching slot (see `segments.py`),
`{name}`/`{source}` a competitor. Generic content is what any coffee customer might say
("arrived on time", "thanks!"), so it appears in every segment's feedback.
"""

from __future__ import annotations

__all__ = [
    "CLOSINGS",
    "COMPETITOR_FOR_THEM",
    "COMPETITOR_FOR_US",
    "COMPETITOR_NEUTRAL",
    "COMPETITOR_SWITCH",
    "GENERIC",
    "GENERIC_COMPETITORS",
    "GREETINGS",
    "HEDGES",
    "INTENSIFIERS",
    "INTENT_LATER",
    "INTENT_QUIT",
    "INTENT_SOON",
    "MIXED_JOINS",
    "NPS_QUESTIONS",
    "OPENERS",
    "OPEN_QUESTIONS",
    "PAIN_TIMES",
    "SIGNED_CLOSINGS",
    "STANDALONE",
    "TEMPLATES",
    "TICKET_PROBLEMS",
    "TICKET_REQUESTS",
    "TICKET_TEMPLATES",
    "TYPOS",
    "category_pains",
    "category_praise",
]

from .segments import Competitor, Phrase

TEMPLATES: dict[str, tuple[str, ...]] = {
    "job": (
        "I mostly buy it for {x}.",
        "It's my go-to for {x}.",
        "Bought it for {x}.",
        "I use it for {x}.",
        "Mainly ordering for {x}.",
        "We get it for {x}.",
        "It's for {x}, mostly.",
        "This is what I buy for {x}.",
    ),
    "value": (
        "{x} matters most to me.",
        "For me it's all about {x}.",
        "What I care about is {x}.",
        "I judge a coffee company on {x}.",
        "{x} is the main thing for me.",
        "The big thing for me is {x}.",
        "{x} is non-negotiable for me.",
        "Honestly I just want {x}.",
    ),
    "pain": (
        "{x}.",
        "Unfortunately {x}.",
        "Only complaint is that {x}.",
        "Bit annoyed that {x}.",
        "The problem was that {x}.",
        "Not great that {x}.",
        "{very} disappointed that {x}.",
        "Frustrating that {x}.",
        "I was {very} annoyed that {x}.",
    ),
    "hope": (
        "Would love to see {x}.",
        "I wish you offered {x}.",
        "Hoping for {x} at some point.",
        "It would be great to have {x}.",
        "Really hope you add {x}.",
        "One day I'd love {x}.",
        "Fingers crossed for {x}.",
    ),
    "fear": (
        "I worry that {x}.",
        "My worry is that {x}.",
        "Always a bit nervous that {x}.",
        "I'm afraid {x}.",
        "Part of me fears {x}.",
        "My biggest concern is that {x}.",
        "I'm {very} worried that {x}.",
    ),
    "perception": (
        "To me you're {x}.",
        "Northwind has become {x} for me.",
        "I see Northwind Roasters as {x}.",
        "You've always struck me as {x}.",
        "Honestly you come across as {x}.",
        "In my head Northwind is {x}.",
        "I'd describe you as {x}.",
    ),
    "suggestion": (
        "Please {x}.",
        "Could you {x}?",
        "Suggestion: {x}.",
        "It would help if you could {x}.",
        "Maybe {x}?",
        "You should really {x}.",
        "Would be nice if you could {x}.",
        "Any chance you could {x}?",
    ),
    "praise": (
        "Love {x}!",
        "{x} is excellent.",
        "{very} happy with {x}.",
        "Big fan of {x}.",
        "{x} was spot on.",
        "Can't fault {x}.",
        "{x} is {very} good.",
        "{very} impressed with {x}.",
        "I'm {very} pleased with {x}.",
    ),
    "intent+": (
        "I'll {x}.",
        "Will definitely {x}.",
        "Planning to {x}.",
        "I'm going to {x} for sure.",
        "Definitely going to {x}.",
        "I'll {x}, no question.",
    ),
    "intent-": (
        "I'm going to {x}.",
        "Think I'll {x}.",
        "Probably going to {x}.",
        "I'll have to {x}.",
        "Going to {x}, sadly.",
    ),
}

COMPETITOR_FOR_US = (
    "I used to buy from {source} but {x}.",
    "Switched over from {name} because {x}.",
    "I gave {name} a go, but {x}.",
    "Tried {name} for a while; {x}.",
    "Compared to {name}, {x}.",
    "Went back and forth with {name}, but {x}.",
)
COMPETITOR_FOR_THEM = (
    "Been tempted by {name} lately because {x}.",
    "A friend swears by {name}, and {x}.",
    "I've started buying from {source} too, since {x}.",
    "Honestly {name} has the edge: {x}.",
    "Still buy from {source} now and then because {x}.",
)
COMPETITOR_SWITCH = (
    "Thinking about going back to {name} since {x}.",
    "I'll probably switch to {name}; {x}.",
    "Might move to {name} because {x}.",
)
COMPETITOR_NEUTRAL = (
    "I also buy from {source} when I run low.",
    "I sometimes get {name} as well.",
    "I alternate between you and {name}.",
)

GENERIC_COMPETITORS = (
    Competitor("supermarket coffee", "the supermarket"),
    Competitor("BeanBox", "BeanBox"),
    Competitor("Crema Club", "Crema Club"),
)


def _phs(sentiment: int, *pairs: tuple[str, str]) -> tuple[Phrase, ...]:
    return tuple(Phrase(text, aspect, sentiment) for text, aspect in pairs)


GENERIC: dict[str, tuple[Phrase, ...]] = {
    "job": _phs(
        0,
        ("my everyday coffee at home", "general"),
        ("weekend brunches with friends", "taste"),
        ("working from home", "convenience"),
        ("the afternoon pick-me-up", "convenience"),
    ),
    "value": _phs(
        0,
        ("good customer service", "customer service"),
        ("fast delivery", "delivery"),
        ("great taste", "taste"),
        ("fresh beans", "freshness"),
        ("a fair price", "price"),
    ),
    "pain": _phs(
        -1,
        ("the parcel arrived two days late", "delivery"),
        ("the bag was torn when it arrived", "packaging"),
        ("I waited a week for a reply from support", "customer service"),
        ("the tracking link never updated", "delivery"),
        ("the website crashed at checkout", "website"),
        ("I was charged twice", "billing"),
        ("the beans tasted stale", "freshness"),
    ),
    "hope": _phs(
        0,
        ("more decaf options", "taste"),
        ("a loyalty scheme", "price"),
        ("faster shipping", "delivery"),
        ("a proper mobile app", "website"),
    ),
    "fear": _phs(
        -1,
        ("my order will get lost in the post", "delivery"),
        ("the quality will drop", "taste"),
        ("prices will go up again", "price"),
    ),
    "perception": (
        Phrase("a great little company", "general", 1),
        Phrase("a brand I trust", "general", 1),
        Phrase("a friendly independent roaster", "general", 1),
        Phrase("an okay shop, nothing more", "general", 0),
        Phrase("a company that's going downhill", "general", -1),
        Phrase("just another online coffee shop", "general", -1),
    ),
    "for_us": _phs(
        1,
        ("your coffee simply tastes better", "taste"),
        ("your customer service is so much friendlier", "customer service"),
    ),
    "for_them": _phs(
        -1,
        ("they're cheaper", "price"),
        ("their delivery is quicker", "delivery"),
    ),
    "suggestion": _phs(
        0,
        ("offer a loyalty discount", "price"),
        ("add live order tracking", "delivery"),
        ("make the app easier to use", "website"),
        ("answer emails a bit faster", "customer service"),
    ),
    "praise": _phs(
        1,
        ("the coffee", "taste"),
        ("the quick delivery", "delivery"),
        ("the customer service", "customer service"),
        ("the packaging", "packaging"),
        ("the taste", "taste"),
        ("the fast shipping", "delivery"),
        ("the whole experience", "general"),
    ),
}

INTENT_SOON = _phs(
    1,
    ("order again next month", "general"),
    ("order again soon", "general"),
    ("be back for another bag next week", "general"),
    ("reorder in a couple of weeks", "general"),
)
INTENT_LATER = _phs(
    1,
    ("keep ordering from you", "general"),
    ("recommend you to my friends", "general"),
    ("stick with you", "general"),
    ("order from you again", "general"),
    ("keep my subscription going", "subscription"),
)
INTENT_QUIT = _phs(
    -1,
    ("cancel my subscription", "subscription"),
    ("stop ordering for a while", "general"),
    ("look elsewhere next time", "general"),
    ("take my business elsewhere", "general"),
)

STANDALONE: tuple[tuple[str, tuple[str, ...], str, int], ...] = (
    ("Arrived on time.", ("praise",), "delivery", 1),
    ("Thanks!", ("praise",), "general", 1),
    ("Thank you!", ("praise",), "general", 1),
    ("Great coffee.", ("praise",), "taste", 1),
    ("Fast shipping.", ("praise",), "delivery", 1),
    ("Keep up the good work.", ("praise",), "general", 1),
    ("All good.", ("praise",), "general", 1),
    ("Nothing else to add.", (), "general", 0),
)

INTENSIFIERS = ("really", "very", "so", "super", "genuinely", "pretty", "quite")
PAIN_TIMES = (" again", " this time", " on my last order", " twice now")
"""Suffixes that fit any past-tense pain clause."""

MIXED_JOINS = (" but ", ", but ", ", shame that ", ", although ", ", only thing is ", "; sadly ")

OPENERS = (
    "Honestly, ",
    "To be fair, ",
    "Tbh ",
    "Overall, ",
    "Also, ",
    "And ",
    "So ",
    "Oh and ",
    "I have to say, ",
    "Well, ",
)
HEDGES = (", I think", " tbh", " to be honest", ", honestly", " imo", " really")

TYPOS: dict[str, str] = {
    "definitely": "definately",
    "really": "realy",
    "coffee": "cofee",
    "delivery": "delivey",
    "subscription": "subscripton",
    "because": "becuase",
    "arrived": "arived",
    "though": "tho",
    "probably": "prolly",
    "recommend": "reccomend",
}

GREETINGS = ("Hi, ", "Hello, ", "Hi there, ", "Hey, ", "Good morning, ")
TICKET_TEMPLATES = (
    "{x}.",
    "It looks like {x}.",
    "Just letting you know {x}.",
    "{x} and I'm not happy about it.",
    "{x} - second time this month.",
    "Writing because {x}.",
)
TICKET_PROBLEMS = _phs(
    -1,
    ("my order hasn't arrived yet", "delivery"),
    ("the tracking says delivered but nothing came", "delivery"),
    ("I was charged twice for the same order", "billing"),
    ("the grinder stopped working after two weeks", "equipment"),
    ("the kettle leaks from the lid", "equipment"),
    ("the bag was split open when it arrived", "packaging"),
    ("I got decaf instead of the espresso roast I ordered", "delivery"),
    ("my discount code didn't apply", "price"),
    ("I can't log in to change my delivery date", "website"),
    ("my subscription renewed after I cancelled it", "subscription"),
    ("the refund for my return hasn't come through", "billing"),
)
TICKET_REQUESTS = (
    _phs(
        0,
        ("send a replacement", "delivery"),
        ("refund the extra charge", "billing"),
        ("check where my parcel is", "delivery"),
        ("cancel the duplicate order", "billing"),
        ("reset my password", "website"),
        ("pause my subscription until next month", "subscription"),
    )
    + GENERIC["suggestion"]
)
CLOSINGS = ("Thanks in advance.", "Cheers.", "Regards.", "Let me know.")
SIGNED_CLOSINGS = (
    "Thanks, {name}",
    "Cheers, {name}",
    "Best, {name}",
    "{name}",
    "Thank you, {name}",
)

NPS_QUESTIONS = (
    "How likely are you to recommend Northwind Roasters to a friend? Why?",
    "On a scale from 0 to 10, how likely are you to recommend us to a friend or colleague? "
    "What is the main reason for your score?",
    "How likely is it that you would recommend Northwind Roasters? Tell us why.",
)
OPEN_QUESTIONS = (
    "What is one thing we could do better?",
    "Is there anything you would like us to add or change?",
)

_CATEGORY_PRAISE: dict[str, tuple[Phrase, ...]] = {
    "Coffee Beans": _phs(
        1,
        ("the flavour", "taste"),
        ("the aroma when you open the bag", "freshness"),
        ("the roast level", "taste"),
    ),
    "Subscriptions": _phs(1, ("the subscription", "subscription"), ("the variety", "taste")),
    "Brewing Equipment": _phs(1, ("the build quality", "equipment"), ("the design", "equipment")),
    "Accessories": _phs(1, ("the quality", "equipment")),
    "Gifts": _phs(1, ("the presentation", "packaging"), ("the selection", "gift")),
    "Office Coffee": _phs(1, ("the office plan", "office coffee")),
}
_CATEGORY_PAINS: dict[str, tuple[Phrase, ...]] = {
    "Coffee Beans": _phs(
        -1,
        ("the beans tasted a bit stale", "freshness"),
        ("it was more bitter than I expected", "taste"),
        ("the bag arrived torn", "packaging"),
    ),
    "Subscriptions": _phs(
        -1,
        ("one delivery was skipped without notice", "subscription"),
        ("the same origin came three months running", "subscription"),
    ),
    "Brewing Equipment": _phs(
        -1,
        ("the handle came loose after a few weeks", "equipment"),
        ("it arrived with a scratch on the side", "packaging"),
    ),
    "Accessories": _phs(-1, ("the lid doesn't seal properly", "equipment")),
    "Gifts": _phs(
        -1,
        ("the box was smaller than the photos suggest", "gift"),
        ("one of the bags inside was crushed", "packaging"),
    ),
    "Office Coffee": _phs(-1, ("the order was short by two bags", "delivery")),
}


def category_praise(category: str, short_name: str, aspect: str) -> tuple[Phrase, ...]:
    """What a review of a product of `category` can praise, the product itself included."""
    return (Phrase(f"the {short_name}", aspect, 1), *_CATEGORY_PRAISE[category])


def category_pains(category: str) -> tuple[Phrase, ...]:
    return _CATEGORY_PAINS[category]
