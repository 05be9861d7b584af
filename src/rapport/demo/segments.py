"""The needs-based segments of Northwind Roasters' customers: what each wants, says and does.

The segments themselves are data, in `segments.toml` next to this module; this module gives
them their types.

A segment is defined by the job its members hire Northwind for, what they value, their pains,
hopes and fears, how they see the brand, whom they compare it with and the words they use; and by
behaviour: how often they buy (a multiplier on the BG/NBD purchase rate), how much they spend (a
multiplier on the Gamma-Gamma mean spend), which products and channels they favour and how often
they leave feedback. Demographics are deliberately not part of a segment: age, gender and region
are drawn from one distribution for everybody.

Every phrase is written to fit one grammatical slot (see `voice.py`):
jobs: what they buy *for* ("I mostly buy it for {job}"); values and praise: noun phrases;
pains: past-tense clauses; fears: present-tense clauses; hopes: noun phrases ("would love {hope}");
perceptions: what the brand is to them ("to me you're {perception}"); suggestions: imperatives;
competitor reasons: clauses that compare ("{reason}") in favour of us (+1) or of them (-1).
"""

from __future__ import annotations

__all__ = ["OFFICE", "SEGMENTS", "Competitor", "Phrase", "Segment"]

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Phrase:
    """A piece of content with the aspect it is about and the sentiment it carries."""

    text: str
    aspect: str
    sentiment: int = 0


@dataclass(frozen=True)
class Competitor:
    """A competitor as written in a sentence: `name` as a subject, `source` after 'buy from'."""

    name: str
    source: str


@dataclass(frozen=True)
class Segment:
    name: str
    share: float
    summary: str
    jobs: tuple[Phrase, ...]
    values: tuple[Phrase, ...]
    pains: tuple[Phrase, ...]
    hopes: tuple[Phrase, ...]
    fears: tuple[Phrase, ...]
    perceptions: tuple[Phrase, ...]
    competitors: tuple[Competitor, ...]
    reasons_for_us: tuple[Phrase, ...]
    reasons_for_them: tuple[Phrase, ...]
    suggestions: tuple[Phrase, ...]
    praise: tuple[Phrase, ...]
    vocabulary: tuple[str, ...]
    rate_multiplier: float
    spend_multiplier: float
    products: dict[str, float] = field(hash=False)
    channels: dict[str, float] = field(hash=False)
    feedback_mix: tuple[float, float, float]  # review, survey, ticket
    talkativeness: float


_SENTIMENT = {
    "pains": -1,
    "fears": -1,
    "reasons_for_them": -1,
    "praise": 1,
    "reasons_for_us": 1,
}
_PHRASES = (
    "jobs",
    "values",
    "pains",
    "hopes",
    "fears",
    "reasons_for_us",
    "reasons_for_them",
    "suggestions",
    "praise",
)


def _phrase(line: str, sentiment: int) -> Phrase:
    aspect, text = line.split(": ", 1)
    return Phrase(text, aspect, sentiment)


def _perception(line: str) -> Phrase:
    sentiment, rest = line.split(" ", 1)
    return _phrase(rest, int(sentiment))


def _segment(spec: dict[str, Any]) -> Segment:
    phrases = {
        key: tuple(_phrase(line, _SENTIMENT.get(key, 0)) for line in spec[key]) for key in _PHRASES
    }
    mix = spec["feedback_mix"]
    return Segment(
        name=spec["name"],
        share=float(spec["share"]),
        summary=spec["summary"],
        perceptions=tuple(_perception(line) for line in spec["perceptions"]),
        competitors=tuple(Competitor(*c.split(" | ")) for c in spec["competitors"]),
        vocabulary=tuple(spec["vocabulary"]),
        rate_multiplier=float(spec["rate_multiplier"]),
        spend_multiplier=float(spec["spend_multiplier"]),
        products={k: float(v) for k, v in spec["products"].items()},
        channels={k: float(v) for k, v in spec["channels"].items()},
        feedback_mix=(float(mix[0]), float(mix[1]), float(mix[2])),
        talkativeness=float(spec["talkativeness"]),
        **phrases,
    )


def _load() -> tuple[Segment, ...]:
    text = (
        resources.files(__package__ or "rapport.demo")
        .joinpath("segments.toml")
        .read_text(encoding="utf-8")
    )
    return tuple(_segment(spec) for spec in tomllib.loads(text)["segment"])


SEGMENTS: tuple[Segment, ...] = _load()
OFFICE: Segment = next(s for s in SEGMENTS if s.name == "Office coffee managers")
"""The B2B segment: its customers are contacts of accounts."""
