"""The planted ground truth of the demo business, as written to `ground_truth.json`.

Keys (times are weeks; "seconds" are never exposed; dates and timestamps are ISO strings):

- `generator`: {seed, customers, version} that made the files.
- `business`: the business's name.
- `time_unit`: "weeks". `start`, `end`: first and last day of the observation period (the
  period ends at the end of `end`). `horizon_weeks`: its length (130).
- `bgnbd`: {r, alpha, a, b}: λ ~ Gamma(r, rate alpha) per week before the segment multiplier,
  p ~ Beta(a, b). Each segment's own parameters are under `segments[].behaviour.bgnbd`
  (alpha divided by the segment's rate multiplier); the pooled population is their mixture.
- `gamma_gamma`: {p, q, gamma}: order value z ~ Gamma(p, rate ν), ν ~ Gamma(q, rate gamma)
  before the segment's spend multiplier (segment values under `segments[].behaviour`).
- `seasonality`: {monthly, acquisition, method}: monthly purchase-rate multipliers (January
  first, mean 1 over a year) applied as a change of time, and the monthly density of first
  purchases; `method` says how (see `purchases.py`).
- `segments`: list of {name, share, customers, summary, jobs, values, pains, hopes, fears,
  perception [{text, sentiment}], competitors, vocabulary, behaviour {rate_multiplier,
  spend_multiplier, bgnbd, gamma_gamma, products, channels, feedback_mix}}.
- `customer_segment`: customer_id → segment name (prospects included).
- `prospects`: customer_ids who never bought.
- `customers`: customer_id → {lambda (effective, per week), p, mean_spend (p/ν, dollars),
  first_purchase, T_weeks (calendar weeks from first purchase to the end), exposure_weeks
  (the same span in seasonality-adjusted weeks: E[X | λ, p] = (1 - exp(-λ p τ)) / p),
  repeat_purchases, alive_at_end, dropout_week (weeks from start to the purchase after which
  the customer dropped out; null if alive at the end)} for every buyer.
- `contradictions`: list of {customer_id, type, feedback_id, said, did, score, orders_after,
  weeks_after}; type ∈ promoter_lapsed, detractor_stays, intent_unfulfilled (see `feedback.py`).
- `rating_text_mismatch`: list of {feedback_id, customer_id, score, scale, text_sentiment}:
  reviews whose stars contradict their text on purpose.
- `statements`: response_id → list of {text, facets, aspects, sentiment} for every feedback
  item, in order (empty for an empty comment); the comment is the texts joined by spaces.
  facets ⊆ {job, pain, value, hope, fear, perception, competitor, suggestion, praise, intent};
  a mixed sentence ("love the taste but the bag arrived torn") has facets [praise, pain], two
  aspects and sentiment 0. In notes the aspect is the dossier dimension (business, plans, …).
- `accounts`: account_id → {company, industry, employees, manager, decision_maker, champion
  (contact ids), contacts [{contact_id, name, title, role, customer_id}], opinion_of_us
  (sentiment), competitors, facts [{dimension, text, facets, sentiment, feedback_ids}], notes}.
  A fact with no feedback_ids was never mentioned: the dossier cannot know it.
"""

from __future__ import annotations

__all__ = ["VERSION", "build_truth"]

import numpy as np

from .b2b import Account
from .catalog import BUSINESS
from .feedback import WEEK, Feedback, FeedbackPlan
from .orders import Orders
from .purchases import (
    ACQUISITION,
    SEASONALITY,
    BGNBDParams,
    Calendar,
    FloatArray,
    GammaGammaParams,
    IntArray,
    PurchaseHistory,
)
from .segments import SEGMENTS, Segment

VERSION = 1


def _num(x: float) -> float:
    return float(f"{x:.6g}")


def _segment(
    segment: Segment, count: int, bgnbd: BGNBDParams, gg: GammaGammaParams
) -> dict[str, object]:
    m, s = segment.rate_multiplier, segment.spend_multiplier
    return {
        "name": segment.name,
        "share": segment.share,
        "customers": count,
        "summary": segment.summary,
        "jobs": [p.text for p in segment.jobs],
        "values": [p.text for p in segment.values],
        "pains": [p.text for p in segment.pains],
        "hopes": [p.text for p in segment.hopes],
        "fears": [p.text for p in segment.fears],
        "perception": [{"text": p.text, "sentiment": p.sentiment} for p in segment.perceptions],
        "competitors": [c.name for c in segment.competitors],
        "vocabulary": list(segment.vocabulary),
        "behaviour": {
            "rate_multiplier": m,
            "spend_multiplier": s,
            "bgnbd": {"r": bgnbd.r, "alpha": _num(bgnbd.alpha / m), "a": bgnbd.a, "b": bgnbd.b},
            "gamma_gamma": {"p": gg.p, "q": gg.q, "gamma": _num(gg.gamma * s)},
            "products": dict(segment.products),
            "channels": dict(segment.channels),
            "feedback_mix": dict(
                zip(("review", "survey", "ticket"), segment.feedback_mix, strict=True)
            ),
        },
    }


def _customers(
    calendar: Calendar,
    customer_ids: list[str],
    buyers: IntArray,
    lam: FloatArray,
    p: FloatArray,
    mean_spend: FloatArray,
    history: PurchaseHistory,
    orders: Orders,
) -> dict[str, dict[str, object]]:
    offsets = orders.customer_offsets(len(customer_ids))
    horizon = calendar.horizon_seconds
    out: dict[str, dict[str, object]] = {}
    for j, c in enumerate(buyers.tolist()):
        first = int(orders.ts[offsets[c]])
        last = int(orders.ts[offsets[c + 1] - 1])
        alive = bool(history.alive_at_end[j])
        out[customer_ids[c]] = {
            "lambda": _num(lam[j]),
            "p": _num(p[j]),
            "mean_spend": round(float(mean_spend[j]), 2),
            "first_purchase": calendar.timestamp(first),
            "T_weeks": _num((horizon - first) / WEEK),
            "exposure_weeks": _num(history.exposure_weeks[j]),
            "repeat_purchases": int(history.repeat_purchases[j]),
            "alive_at_end": alive,
            "dropout_week": None if alive else _num(last / WEEK),
        }
    return out


def _text_sentiment(item: Feedback) -> int:
    return int(np.sign(sum(s.sentiment for s in item.sentences)))


def _accounts(accounts: list[Account], customer_ids: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for account in accounts:
        dm, champion = account.role("decision maker"), account.role("champion")
        opinion = next(f for f in account.facts if f.dimension == "opinion of us")
        notes = sorted({n.response_id for ns in account.notes.values() for n in ns})
        out[account.account_id] = {
            "company": account.company,
            "industry": account.industry,
            "employees": account.employees,
            "manager": account.manager,
            "decision_maker": dm.contact_id if dm else None,
            "champion": champion.contact_id if champion else None,
            "contacts": [
                {
                    "contact_id": c.contact_id,
                    "name": c.name,
                    "title": c.title,
                    "role": c.role,
                    "customer_id": None if c.customer is None else customer_ids[c.customer],
                }
                for c in account.contacts
            ],
            "opinion_of_us": opinion.sentiment,
            "competitors": [account.competitor],
            "facts": [
                {
                    "dimension": f.dimension,
                    "text": f.text,
                    "facets": list(f.facets),
                    "sentiment": f.sentiment,
                    "feedback_ids": [n.response_id for n in account.notes.get(f.dimension, [])],
                }
                for f in account.facts
            ],
            "notes": notes,
        }
    return out


def build_truth(
    *,
    seed: int,
    calendar: Calendar,
    bgnbd: BGNBDParams,
    gamma_gamma: GammaGammaParams,
    customer_ids: list[str],
    segment_of: IntArray,
    buyers: IntArray,
    lam: FloatArray,
    p: FloatArray,
    mean_spend: FloatArray,
    history: PurchaseHistory,
    orders: Orders,
    plan: FeedbackPlan,
    notes: list[Feedback],
    accounts: list[Account],
) -> dict[str, object]:
    """Everything a test needs to check that later stages recover what was planted."""
    counts = np.bincount(segment_of, minlength=len(SEGMENTS))
    is_buyer = np.zeros(len(customer_ids), dtype=bool)
    is_buyer[buyers] = True
    contradictions = [
        {
            "customer_id": customer_ids[x.customer],
            "type": x.type,
            "feedback_id": x.feedback.response_id,
            "said": x.said,
            "did": (
                f"{x.orders_after} orders in the {x.weeks_after} weeks after"
                if x.orders_after
                else f"no orders in the {x.weeks_after} weeks after"
            ),
            "score": x.feedback.score,
            "orders_after": x.orders_after,
            "weeks_after": x.weeks_after,
        }
        for x in sorted(plan.planted, key=lambda x: x.feedback.response_id)
    ]
    mismatches = [
        {
            "feedback_id": f.response_id,
            "customer_id": None if f.customer is None else customer_ids[f.customer],
            "score": f.score,
            "scale": f.scale,
            "text_sentiment": _text_sentiment(f),
        }
        for f in sorted(plan.mismatches, key=lambda f: f.response_id)
    ]
    items = sorted(plan.items + notes, key=lambda f: f.response_id)
    return {
        "generator": {"seed": seed, "customers": len(customer_ids), "version": VERSION},
        "business": BUSINESS,
        "time_unit": "weeks",
        "start": calendar.start.isoformat(),
        "end": calendar.end.isoformat(),
        "horizon_weeks": calendar.weeks,
        "bgnbd": {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b},
        "gamma_gamma": {"p": gamma_gamma.p, "q": gamma_gamma.q, "gamma": gamma_gamma.gamma},
        "seasonality": {
            "monthly": list(SEASONALITY),
            "acquisition": list(ACQUISITION),
            "method": "change of time: purchases are BG/NBD in exposure weeks "
            "S(t) = integral of the monthly multiplier; see customers[].exposure_weeks",
        },
        "segments": [
            _segment(s, int(counts[i]), bgnbd, gamma_gamma) for i, s in enumerate(SEGMENTS)
        ],
        "customer_segment": {
            cid: SEGMENTS[int(s)].name for cid, s in zip(customer_ids, segment_of, strict=True)
        },
        "prospects": [cid for cid, b in zip(customer_ids, is_buyer, strict=True) if not b],
        "customers": _customers(
            calendar, customer_ids, buyers, lam, p, mean_spend, history, orders
        ),
        "contradictions": contradictions,
        "rating_text_mismatch": mismatches,
        "statements": {f.response_id: [s.to_json() for s in f.sentences] for f in items},
        "accounts": _accounts(accounts, customer_ids),
    }
