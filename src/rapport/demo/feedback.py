"""Who says what, when: reviews, surveys and tickets of buyers, and the planted contradictions.

Feedback follows purchases: each item is anchored to one of the customer's orders and dated
shortly after it, so it always falls after the first purchase. What a customer says agrees with
what they go on to do, except where a contradiction is planted:

- an NPS of 9-10 is given only by customers who order again afterwards, an NPS of 0-6 only by
  customers who order at most once more, and an overall negative text likewise;
- "I'll order again next month" only from customers who order within six weeks, "I'll keep
  ordering" only from customers who order again, "I'll cancel" only from those who never do.

Planted (about 4% of customers each; see `truth.py`): `promoter_lapsed` (an NPS 9-10 with a
promise to order again, dated just after the last order of a customer whose simulated purchase
process has ended, i.e. who dropped out), `intent_unfulfilled` (a promise to order within weeks
from such a dropped-out customer, with a passive score or a good review), `detractor_stays` (an
NPS 0-6 with a complaint, dated right after an order that is followed by at least three more).
Planting picks customers and dates; it never changes the simulated purchases.
About 4% of positive or negative reviews get a star rating that contradicts their text
(`rating_text_mismatch`).
"""

from __future__ import annotations

__all__ = ["Feedback", "FeedbackPlan", "Planted", "write_feedback"]

import random
from dataclasses import dataclass, field

import numpy as np

from . import phrasebook as pb
from .catalog import PRODUCTS
from .orders import Orders
from .purchases import BoolArray, IntArray
from .segments import Segment
from .voice import Future, Sentence, Tone, Voice

DAY = 86400
WEEK = 7 * DAY
SOON = 6 * WEEK
PLANT_SHARE = 0.04
MISMATCH_SHARE = 0.04  # of positive and negative reviews


@dataclass
class Feedback:
    """One feedback item; `response_id` is given once all items are known and sorted."""

    customer: int | None
    ts: int
    kind: str
    channel: str
    question: str | None
    sentences: list[Sentence]
    score: int | None
    scale: str
    product: str | None = None
    account_id: str | None = None
    author: str | None = None
    response_id: str = ""

    @property
    def comment(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Planted:
    """A planted say-vs-do contradiction."""

    type: str
    customer: int
    feedback: Feedback
    said: str
    orders_after: int
    weeks_after: float


@dataclass
class FeedbackPlan:
    items: list[Feedback] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    mismatches: list[Feedback] = field(default_factory=list)


def _pick(rnd: random.Random, weighted: dict[str, float]) -> str:
    return rnd.choices(list(weighted), weights=list(weighted.values()))[0]


class _Writer:
    def __init__(
        self,
        rnd: random.Random,
        orders: Orders,
        segments: list[Segment],
        first_names: list[str],
        horizon: int,
    ) -> None:
        self.rnd = rnd
        self.first_names = first_names
        self.voice = Voice(rnd)
        self.orders = orders
        self.segments = segments
        self.horizon = horizon
        self.offsets = orders.customer_offsets(len(segments))
        self.line_offsets = orders.line_offsets()

    def order_times(self, customer: int) -> IntArray:
        return self.orders.ts[self.offsets[customer] : self.offsets[customer + 1]]

    def future(self, customer: int, ts: int) -> tuple[int, Future]:
        times = self.order_times(customer)
        after = times[times > ts]
        soon = bool(len(after)) and int(after[0]) <= ts + SOON
        return len(after), Future(soon=soon, again=len(after) > 0)

    def product_of(self, order: int) -> int:
        lo, hi = self.line_offsets[order], self.line_offsets[order + 1]
        return int(self.orders.line_product[self.rnd.randrange(lo, hi)])

    # -- scores ------------------------------------------------------------------------------

    def nps(self, tone: Tone, n_after: int) -> int:
        rnd = self.rnd
        if tone == "positive":
            return rnd.choices((8, 9, 10), weights=(0.15, 0.4, 0.45))[0] if n_after else 8
        if tone == "mixed":
            return rnd.choices((6, 7, 8), weights=(0.15 if n_after <= 1 else 0, 0.5, 0.35))[0]
        return rnd.choices(range(7), weights=(0.06, 0.05, 0.08, 0.12, 0.17, 0.24, 0.28))[0]

    def stars(self, tone: Tone) -> int:
        weights = {
            "positive": (0, 0, 0, 0.3, 0.7),
            "mixed": (0, 0.1, 0.55, 0.35, 0),
            "negative": (0.5, 0.5, 0, 0, 0),
        }[tone]
        return self.rnd.choices(range(1, 6), weights=weights)[0]

    def tone(self, kind: str, n_after: int) -> Tone:
        """Positive, mixed or negative; negative only from customers who buy at most once more."""
        weights = {
            ("survey", 0): (0.25, 0.40, 0.35),
            ("survey", 1): (0.50, 0.35, 0.15),
            ("survey", 2): (0.65, 0.35, 0.0),
            ("review", 0): (0.45, 0.30, 0.25),
            ("review", 1): (0.60, 0.28, 0.12),
            ("review", 2): (0.75, 0.25, 0.0),
        }[kind, min(n_after, 2)]
        tones: tuple[Tone, Tone, Tone] = ("positive", "mixed", "negative")
        return self.rnd.choices(tones, weights=weights)[0]

    # -- items -------------------------------------------------------------------------------

    def regular(self, customer: int, order: int, latest: int) -> tuple[Feedback, bool]:
        """One feedback item about `order`, dated before `latest`; and whether its rating was
        planted to disagree with its text."""
        rnd = self.rnd
        segment = self.segments[customer]
        mix = dict(zip(("review", "survey", "ticket"), segment.feedback_mix, strict=True))
        kind = _pick(rnd, mix)
        anchor = int(self.orders.ts[order])
        delay = {"review": (3, 20), "survey": (1, 10), "ticket": (0.1, 7)}[kind]
        ts = anchor + int(rnd.uniform(*delay) * DAY)
        ts = min(ts, anchor + (latest - anchor) * 9 // 10)
        n_after, future = self.future(customer, ts)
        mismatch = False
        if kind == "ticket":
            channel = _pick(rnd, {"email": 0.5, "chat": 0.35, "phone": 0.15})
            sentences = self.voice.ticket(segment, future, self.first_names[customer])
            return Feedback(customer, ts, kind, channel, None, sentences, None, "none"), False
        tone = self.tone(kind, n_after)
        if kind == "review":
            product = PRODUCTS[self.product_of(order)]
            channel = _pick(rnd, {"website": 0.6, "app": 0.25, "marketplace": 0.15})
            sentences = self.voice.review(segment, product, tone, future)
            score = self.stars(tone)
            if tone != "mixed" and rnd.random() < MISMATCH_SHARE:
                score, mismatch = (1 if tone == "positive" else 5), True
            item = Feedback(
                customer, ts, kind, channel, None, sentences, score, "stars5", product.name
            )
            return item, mismatch
        channel = _pick(rnd, {"email": 0.8, "in-app": 0.2})
        if rnd.random() < 0.15:
            question = rnd.choice(pb.OPEN_QUESTIONS)
            sentences = self.voice.open_survey(segment, future)
            return Feedback(customer, ts, kind, channel, question, sentences, None, "none"), False
        question = rnd.choice(pb.NPS_QUESTIONS)
        sentences = [] if rnd.random() < 0.04 else self.voice.survey(segment, tone, future)
        score = self.nps(tone, n_after)
        return Feedback(customer, ts, kind, channel, question, sentences, score, "nps"), False

    def planted(self, kind: str, customer: int, ts: int) -> Planted:
        rnd, voice = self.rnd, self.voice
        segment = self.segments[customer]
        n_after, future = self.future(customer, ts)
        question = rnd.choice(pb.NPS_QUESTIONS)
        if kind == "detractor_stays":
            score = rnd.choice((0, 2, 3, 4, 5, 5, 6, 6))
            sentences = voice.survey(segment, "negative", future)
            item = Feedback(customer, ts, "survey", "email", question, sentences, score, "nps")
            said = f"NPS {score}: {sentences[0].text}"
        elif kind == "promoter_lapsed":
            score = rnd.choice((9, 10, 10))
            repurchase = [p for p in pb.INTENT_LATER if "recommend" not in p.text]
            promise = voice.promise(rnd.choice(repurchase))
            sentences = voice.survey(segment, "positive", future, promise=promise)
            item = Feedback(customer, ts, "survey", "email", question, sentences, score, "nps")
            said = f"NPS {score}: {sentences[-1].text}"
        else:
            promise = voice.promise(rnd.choice(pb.INTENT_SOON))
            if rnd.random() < 0.7:
                score = rnd.choice((7, 8))
                tone: Tone = rnd.choice(("positive", "mixed"))
                sentences = voice.survey(segment, tone, future, promise=promise)
                item = Feedback(customer, ts, "survey", "email", question, sentences, score, "nps")
                said = f"NPS {score}: {sentences[-1].text}"
            else:
                order = int(self.offsets[customer + 1] - 1)
                product = PRODUCTS[self.product_of(order)]
                score = rnd.choice((4, 5))
                sentences = voice.review(segment, product, "positive", future, promise=promise)
                item = Feedback(
                    customer,
                    ts,
                    "review",
                    "website",
                    None,
                    sentences,
                    score,
                    "stars5",
                    product.name,
                )
                said = f"{score} stars: {sentences[-1].text}"
        weeks_after = (self.horizon - ts) / WEEK
        return Planted(kind, customer, item, said, n_after, round(weeks_after, 1))


def write_feedback(
    rng: np.random.Generator,
    rnd: random.Random,
    orders: Orders,
    segments: list[Segment],
    first_names: list[str],
    alive_at_end: BoolArray,
    horizon: int,
) -> FeedbackPlan:
    """Feedback of every buyer, the planted contradictions among it.

    `segments[i]` is customer i's segment, `first_names[i]` how they sign their tickets,
    `alive_at_end[i]` whether their simulated purchase process was still running at the end
    (False for prospects too); times are seconds since the start, `horizon` is the end.
    """
    n = len(segments)
    writer = _Writer(rnd, orders, segments, first_names, horizon)
    offsets = writer.offsets
    n_orders = np.diff(offsets)
    last = orders.last_activity(n)
    plan = FeedbackPlan()
    n_plant = round(PLANT_SHARE * n)

    # -- planted contradictions --------------------------------------------------------------
    lapsed = np.flatnonzero((n_orders >= 2) & ~alive_at_end & (last <= horizon - 22 * WEEK))
    lapsed = rng.permutation(lapsed)
    take = min(n_plant, len(lapsed) // 2)
    planted_at: dict[int, int] = {}
    for kind, chosen in (
        ("promoter_lapsed", lapsed[:take]),
        ("intent_unfulfilled", lapsed[take : 2 * take]),
    ):
        for c in sorted(int(c) for c in chosen):
            ts = int(last[c]) + int(rnd.uniform(1, 10) * DAY)
            plan.planted.append(writer.planted(kind, c, ts))
            planted_at[c] = ts
    stayers = np.flatnonzero(n_orders >= 4)
    stayers = rng.permutation(stayers[~np.isin(stayers, lapsed[: 2 * take])])
    for c in sorted(int(c) for c in stayers[:n_plant]):
        times = writer.order_times(c)
        gaps = np.diff(times)[: len(times) - 3]
        room = np.flatnonzero(gaps >= 7200)  # orders followed by three more, and a gap
        if not len(room):
            continue
        k = int(room[rnd.randrange(len(room))])
        ts = int(times[k]) + min(int(rnd.uniform(1, 5) * DAY), int(gaps[k]) // 2)
        plan.planted.append(writer.planted("detractor_stays", c, ts))
    plan.items.extend(p.feedback for p in plan.planted)

    # -- everybody else's feedback -----------------------------------------------------------
    talk = np.array([s.talkativeness for s in segments])
    engaged = rng.random(n) < np.minimum(0.95, (0.26 + 0.035 * np.minimum(n_orders, 6)) * talk)
    engaged &= n_orders > 0
    count = 1 + np.minimum(rng.poisson(0.12 * np.minimum(n_orders, 10)), 5)
    for c in (int(i) for i in np.flatnonzero(engaged)):
        latest = planted_at.get(c, horizon) - 3600
        for _ in range(int(count[c])):
            order = int(offsets[c] + rnd.randrange(int(n_orders[c])))
            if int(orders.ts[order]) >= latest - 7200:
                continue
            item, mismatch = writer.regular(c, order, latest)
            plan.items.append(item)
            if mismatch:
                plan.mismatches.append(item)
    return plan
