"""What customers say: feedback written sentence by sentence from a segment's needs.

Each sentence is built from a facet template (shared by all segments) filled with content (the
segment's own or generic), then roughened: openers, hedges, exclamation marks, typos, all
lower case, a missing final full stop. Every sentence keeps the facets it was written to
express, the aspects it is about and its intended sentiment, so later stages can be scored.

What a customer may promise depends on what they will do (`Future`): "I'll order again next
month" is only written by customers who do order within six weeks, "I'll cancel" only by
customers who never order again; planted contradictions override this on purpose.
"""

from __future__ import annotations

__all__ = ["FACETS", "Draft", "Future", "Sentence", "Tone", "Voice"]

import random
import re
from dataclasses import dataclass
from typing import Literal

from . import phrasebook as pb
from .catalog import Product
from .segments import Phrase, Segment

FACETS = (
    "job",
    "pain",
    "value",
    "hope",
    "fear",
    "perception",
    "competitor",
    "suggestion",
    "praise",
    "intent",
)

Tone = Literal["positive", "mixed", "negative"]
Stance = Literal["us", "them", "switch", "neutral"]
IntentKind = Literal["soon", "later", "quit"]

_KEEP_CAPITAL = re.compile(r"^(I\b|I'|Northwind)")
_FINAL = re.compile(r"[.!?]$")


@dataclass(frozen=True)
class Sentence:
    """One generated sentence and what it was written to express."""

    text: str
    facets: tuple[str, ...]
    aspects: tuple[str, ...]
    sentiment: int

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "facets": list(self.facets),
            "aspects": list(self.aspects),
            "sentiment": self.sentiment,
        }


@dataclass(frozen=True)
class Future:
    """What the customer does after speaking: orders within six weeks, orders again at all."""

    soon: bool
    again: bool


@dataclass(frozen=True)
class Draft:
    """A sentence before it is roughened into what a person types."""

    text: str  # natural case, with its final punctuation
    facets: tuple[str, ...]
    aspects: tuple[str, ...]
    sentiment: int
    lowerable: bool  # whether the first letter may be lower-cased after an opener


def _short_name(product: Product) -> str:
    """The product name as people say it: without the pack size."""
    return re.sub(r"\s+(\d+(\.\d+)?k?g|\(\d+\)|\(monthly\))$", "", product.name)


class Voice:
    """Writes feedback texts; all randomness comes from the `random.Random` it is given."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # -- sentences ---------------------------------------------------------------------------

    def _draft(self, template: str, phrase: Phrase, facets: tuple[str, ...], **names: str) -> Draft:
        text = template.format(x=phrase.text, very=self.rng.choice(pb.INTENSIFIERS), **names)
        starts_with_slot = template.startswith("{")
        lowerable = not _KEEP_CAPITAL.match(text) and not (starts_with_slot and text[0].isupper())
        return Draft(text, facets, (phrase.aspect,), phrase.sentiment, lowerable)

    def _content(self, segment: Segment, facet: str, sentiment: int | None = None) -> Phrase:
        own: dict[str, tuple[Phrase, ...]] = {
            "job": segment.jobs,
            "value": segment.values,
            "pain": segment.pains,
            "hope": segment.hopes,
            "fear": segment.fears,
            "perception": segment.perceptions,
            "suggestion": segment.suggestions,
            "praise": segment.praise,
            "for_us": segment.reasons_for_us,
            "for_them": segment.reasons_for_them,
        }
        pools = [own[facet], pb.GENERIC[facet]]
        if self.rng.random() < 0.3:
            pools.reverse()
        for pool in pools:
            fitting = [p for p in pool if sentiment is None or p.sentiment == sentiment]
            if fitting:
                return self.rng.choice(fitting)
        raise KeyError(f"no {facet} content with sentiment {sentiment}")

    def say(self, segment: Segment, facet: str, sentiment: int | None = None) -> Draft:
        """A sentence expressing one facet (not competitor or intent) in the segment's words."""
        return self.phrase(facet, self._content(segment, facet, sentiment))

    def phrase(self, facet: str, phrase: Phrase) -> Draft:
        """A sentence expressing `facet` with the given content."""
        if facet == "pain" and self.rng.random() < 0.3:
            phrase = Phrase(phrase.text + self.rng.choice(pb.PAIN_TIMES), phrase.aspect, -1)
        return self._draft(self.rng.choice(pb.TEMPLATES[facet]), phrase, (facet,))

    def promise(self, phrase: Phrase) -> Draft:
        """A sentence promising to buy again, with the given content."""
        return self._draft(self.rng.choice(pb.TEMPLATES["intent+"]), phrase, ("intent",))

    def competitor(self, segment: Segment, stance: Stance) -> Draft:
        rival = self.rng.choice(
            segment.competitors if self.rng.random() < 0.8 else pb.GENERIC_COMPETITORS
        )
        names = {"name": rival.name, "source": rival.source}
        if stance == "neutral":
            template = self.rng.choice(pb.COMPETITOR_NEUTRAL)
            return self._draft(template, Phrase("", "general", 0), ("competitor",), **names)
        if stance == "us":
            reason = self._content(segment, "for_us")
            return self._draft(
                self.rng.choice(pb.COMPETITOR_FOR_US), reason, ("competitor",), **names
            )
        reason = self._content(segment, "for_them")
        if stance == "them":
            template = self.rng.choice(pb.COMPETITOR_FOR_THEM)
            return self._draft(template, reason, ("competitor",), **names)
        template = self.rng.choice(pb.COMPETITOR_SWITCH)
        return self._draft(template, reason, ("competitor", "intent"), **names)

    def intent(self, kind: IntentKind) -> Draft:
        pool = {"soon": pb.INTENT_SOON, "later": pb.INTENT_LATER, "quit": pb.INTENT_QUIT}[kind]
        template = self.rng.choice(pb.TEMPLATES["intent+" if kind != "quit" else "intent-"])
        return self._draft(template, self.rng.choice(pool), ("intent",))

    def mixed(self, praise: Phrase, pain: Phrase) -> Draft:
        """'love the taste but the bag arrived torn': praise and pain in one sentence."""
        liked = self.phrase("praise", praise)
        join = self.rng.choice(pb.MIXED_JOINS)
        text = _FINAL.sub("", liked.text) + join + pain.text + "."
        aspects = tuple(dict.fromkeys((praise.aspect, pain.aspect)))
        return Draft(text, ("praise", "pain"), aspects, 0, liked.lowerable)

    def standalone(self) -> Draft:
        text, facets, aspect, sentiment = self.rng.choice(pb.STANDALONE)
        return Draft(text, facets, (aspect,), sentiment, True)

    # -- whole texts -------------------------------------------------------------------------

    def _maybe(self, probability: float) -> bool:
        return self.rng.random() < probability

    def review(
        self,
        segment: Segment,
        product: Product,
        tone: Tone,
        future: Future,
        promise: Draft | None = None,
    ) -> list[Sentence]:
        """A product review; `promise` forces an intent sentence (planting)."""
        liked = self.rng.choice(
            pb.category_praise(product.category, _short_name(product), product.aspect)
        )
        disliked = self.rng.choice(pb.category_pains(product.category) + segment.pains)
        lead: list[Draft] = []
        body: list[Draft] = []
        tail: list[Draft] = []
        if tone == "positive":
            lead.append(self.phrase("praise", liked))
            if self._maybe(0.5):
                body.append(self.say(segment, self.rng.choice(("job", "value"))))
            if self._maybe(0.3):
                body.append(self.say(segment, "praise"))
            if future.again and self._maybe(0.25):
                tail.append(self.intent("soon" if future.soon and self._maybe(0.5) else "later"))
            if self._maybe(0.15):
                tail.append(self.standalone())
        elif tone == "mixed":
            if self._maybe(0.6):
                lead.append(self.mixed(liked, disliked))
            else:
                lead += [self.phrase("praise", liked), self.phrase("pain", disliked)]
            if self._maybe(0.35):
                body.append(self.say(segment, "suggestion"))
            if self._maybe(0.25):
                body.append(self.say(segment, self.rng.choice(("job", "value", "hope"))))
        else:
            lead.append(self.phrase("pain", disliked))
            if self._maybe(0.4):
                body.append(self.say(segment, "pain"))
            if self._maybe(0.3):
                body.append(self.say(segment, "suggestion"))
            if self._maybe(0.2):
                body.append(self.say(segment, "fear"))
            if self._maybe(0.15):
                body.append(self.competitor(segment, "them"))
            if not future.again and self._maybe(0.3):
                tail.append(self.intent("quit"))
        return self.finish(self._arrange(lead, body, tail, promise))

    def survey(
        self, segment: Segment, tone: Tone, future: Future, promise: Draft | None = None
    ) -> list[Sentence]:
        """The comment under an NPS score; `promise` forces an intent sentence (planting)."""
        lead: list[Draft] = []
        body: list[Draft] = []
        tail: list[Draft] = []
        if tone == "positive":
            if self._maybe(0.5):
                lead.append(self.say(segment, "perception", 1))
            else:
                lead.append(self.say(segment, "praise"))
            if self._maybe(0.7):
                body.append(self.say(segment, self.rng.choice(("job", "value"))))
            if self._maybe(0.3):
                body.append(self.competitor(segment, "us"))
            if self._maybe(0.3):
                body.append(self.say(segment, "hope"))
            if future.again and self._maybe(0.35):
                tail.append(self.intent("soon" if future.soon and self._maybe(0.5) else "later"))
            if self._maybe(0.1):
                tail.append(self.standalone())
        elif tone == "mixed":
            liked = self._content(segment, "praise")
            disliked = self._content(segment, "pain")
            if self._maybe(0.5):
                lead.append(self.mixed(liked, disliked))
            else:
                lead += [self.phrase("praise", liked), self.phrase("pain", disliked)]
            if self._maybe(0.5):
                body.append(self.say(segment, self.rng.choice(("hope", "suggestion"))))
            if self._maybe(0.3):
                body.append(self.say(segment, "perception", 0))
            if self._maybe(0.25):
                body.append(self.competitor(segment, self.rng.choice(("neutral", "them"))))
            if self._maybe(0.2):
                body.append(self.say(segment, "fear"))
            if self._maybe(0.2):
                body.append(self.say(segment, "value"))
        else:
            lead.append(self.say(segment, "pain"))
            if self._maybe(0.5):
                body.append(self.say(segment, "perception", -1))
            if self._maybe(0.4):
                body.append(self.say(segment, "pain"))
            if self._maybe(0.4):
                switching = not future.again and self._maybe(0.4)
                body.append(self.competitor(segment, "switch" if switching else "them"))
            if self._maybe(0.3):
                body.append(self.say(segment, "fear"))
            if self._maybe(0.2):
                body.append(self.say(segment, "suggestion"))
            if not future.again and self._maybe(0.4):
                tail.append(self.intent("quit"))
        return self.finish(self._arrange(lead, body, tail, promise))

    def open_survey(self, segment: Segment, future: Future) -> list[Sentence]:
        """The answer to 'what could we do better?': suggestions, hopes, a pain or two."""
        lead = [self.say(segment, "suggestion")]
        body: list[Draft] = []
        if self._maybe(0.5):
            body.append(self.say(segment, "hope"))
        if self._maybe(0.4):
            body.append(self.say(segment, "pain"))
        if self._maybe(0.3):
            body.append(self.say(segment, "value"))
        if self._maybe(0.15):
            body.append(self.competitor(segment, "neutral"))
        tail = [self.intent("later")] if future.again and self._maybe(0.1) else []
        return self.finish(self._arrange(lead, body, tail))

    def ticket(self, segment: Segment, future: Future, name: str) -> list[Sentence]:
        """A support ticket: a problem, perhaps a worry, usually a request, perhaps signed."""
        problem = self.rng.choice(pb.TICKET_PROBLEMS if self._maybe(0.6) else segment.pains)
        lead = [self._draft(self.rng.choice(pb.TICKET_TEMPLATES), problem, ("pain",))]
        body: list[Draft] = []
        tail: list[Draft] = []
        if self._maybe(0.25):
            body.append(self.say(segment, "pain"))
        if self._maybe(0.25):
            body.append(self.say(segment, "fear"))
        if self._maybe(0.7):
            request = self.rng.choice(pb.TICKET_REQUESTS)
            tail.append(self.phrase("suggestion", request))
        if not future.again and self._maybe(0.1):
            tail.append(self.intent("quit"))
        if self._maybe(0.5):
            closing = self.rng.choice(pb.SIGNED_CLOSINGS if self._maybe(0.6) else pb.CLOSINGS)
            tail.append(Draft(closing.format(name=name), (), ("general",), 0, False))
        drafts = self._arrange(lead, body, tail)
        greeting = self.rng.choice(pb.GREETINGS) if self._maybe(0.5) else ""
        return self.finish(drafts, greeting=greeting)

    def _arrange(
        self,
        lead: list[Draft],
        body: list[Draft],
        tail: list[Draft],
        promise: Draft | None = None,
    ) -> list[Draft]:
        """Lead first, at most three body sentences in random order, then the tail; a forced
        `promise` replaces any other intent."""
        if promise is not None:
            body = [d for d in body if "intent" not in d.facets]
            tail = [d for d in tail if "intent" not in d.facets] + [promise]
        self.rng.shuffle(body)
        return lead + body[:3] + tail

    # -- roughening --------------------------------------------------------------------------

    def finish(
        self, drafts: list[Draft], greeting: str = "", casual: bool = True
    ) -> list[Sentence]:
        """Turn drafts into the sentences a person would type."""
        rng = self.rng
        lower_case = casual and rng.random() < 0.08  # the whole text in lower case
        out: list[Sentence] = []
        for i, draft in enumerate(drafts):
            text = draft.text
            if casual and text.endswith(".") and rng.random() < 0.07:
                text = text[:-1] + rng.choice(pb.HEDGES) + "."
            if casual and draft.sentiment > 0 and text.endswith(".") and rng.random() < 0.2:
                text = text[:-1] + "!"
            prefix = greeting if i == 0 else ""
            if not prefix and i > 0 and casual and rng.random() < 0.15:
                prefix = rng.choice(pb.OPENERS)
            if prefix and draft.lowerable:
                text = prefix + text[0].lower() + text[1:]
            elif prefix:
                text = prefix + text
            else:
                text = text[0].upper() + text[1:]
            if casual and rng.random() < 0.06:
                text = self._typo(text)
            if lower_case:
                text = text.lower()
            if casual and i == len(drafts) - 1 and rng.random() < 0.12:
                text = _FINAL.sub("", text)
            out.append(Sentence(text, draft.facets, draft.aspects, draft.sentiment))
        return out

    def _typo(self, text: str) -> str:
        words = text.split(" ")
        for i, word in enumerate(words):
            stem = word.lower().strip(".,!?;:")
            if stem in pb.TYPOS and word[: len(stem)].lower() == stem:
                words[i] = pb.TYPOS[stem] + word[len(stem) :]
                return " ".join(words)
        long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        if not long:
            return text
        i = self.rng.choice(long)
        w = words[i]
        j = self.rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words)
