"""Generate the demo business: who the customers are, what they buy, what they say, and the
truth behind it, written as the files a real shop would export.

The same seed gives byte-identical files. Each stage draws from its own random stream (spawned
from the seed), so changing one stage does not reshuffle the others.
"""

from __future__ import annotations

__all__ = ["DemoFiles", "generate_demo"]

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from rapport.errors import ConfigError

from .b2b import Account, build_accounts, write_notes
from .feedback import Feedback, write_feedback
from .orders import build_orders
from .people import People, draw_people
from .purchases import (
    BGNBDParams,
    Calendar,
    GammaGammaParams,
    IntArray,
    draw_first_purchases,
    draw_rates,
    draw_spend,
    simulate_purchases,
)
from .segments import OFFICE, SEGMENTS
from .truth import build_truth

PROSPECT_SHARE = 0.07
BGNBD = BGNBDParams()
GAMMA_GAMMA = GammaGammaParams()


@dataclass(frozen=True)
class DemoFiles:
    """The files `generate_demo` wrote, and how many rows of each kind."""

    out_dir: Path
    customers: Path
    transactions: Path
    feedback: Path
    accounts: Path
    contacts: Path
    ground_truth: Path
    n_customers: int
    n_prospects: int
    n_orders: int
    n_transactions: int  # rows of transactions.csv: order lines and returns
    n_feedback: int
    n_accounts: int
    n_contacts: int


def _assign_segments(rng: np.random.Generator, n: int) -> IntArray:
    """Segment of each customer: exact shares (largest remainder), in random order."""
    shares = np.array([s.share for s in SEGMENTS])
    counts = np.floor(shares * n).astype(np.int64)
    remainder = shares * n - counts
    counts[np.argsort(-remainder, kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(SEGMENTS)), counts)).astype(np.int64)


def _customer_frame(
    rng: np.random.Generator,
    calendar: Calendar,
    ids: list[str],
    people: People,
    first_order: IntArray,
    company: list[str],
) -> pd.DataFrame:
    n = len(ids)
    days_before = rng.integers(0, 31, size=n)
    days_before[rng.random(n) < 0.4] = 0
    signup_day = np.where(
        first_order >= 0,
        first_order // 86400 - days_before,
        rng.integers(0, calendar.days, size=n),
    )
    signup = np.datetime64(calendar.start.isoformat(), "D") + signup_day.astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "CustomerID": ids,
            "Full Name": [f"{f} {la}" for f, la in zip(people.first, people.last, strict=True)],
            "Email": people.email,
            "Phone": people.phone,
            "Age": ["" if a is None else str(a) for a in people.age],
            "Gender": people.gender,
            "Region": people.region,
            "City": people.city,
            "Signup Date": np.datetime_as_string(signup, unit="D"),
            "Company ID": company,
        }
    )


def _link_contacts(
    rnd: random.Random, accounts: list[Account], people: People, company: list[str]
) -> None:
    """Buying contacts are customers too: same mailbox (and phone), written differently."""
    for account in accounts:
        for contact in account.contacts:
            if contact.customer is None:
                continue
            c = contact.customer
            company[c] = account.account_id
            local, domain = contact.email.split("@")
            styles = (
                contact.email.upper(),
                ".".join(w.capitalize() for w in local.split(".")) + "@" + domain,
                contact.email,
            )
            people.email[c] = rnd.choice(styles)


def _account_frames(accounts: list[Account]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of accounts.csv and contacts.csv."""
    account_frame = pd.DataFrame(
        {
            "Account ID": [a.account_id for a in accounts],
            "Company": [a.company for a in accounts],
            "Industry": [a.industry for a in accounts],
            "Employees": [a.employees for a in accounts],
        }
    )
    contacts = [(a, c) for a in accounts for c in a.contacts]
    contact_frame = pd.DataFrame(
        {
            "Contact ID": [c.contact_id for _, c in contacts],
            "Account ID": [a.account_id for a, _ in contacts],
            "Name": [c.name for _, c in contacts],
            "Job Title": [c.title for _, c in contacts],
            "Buying Role": [c.role for _, c in contacts],
            "Email": [c.email for _, c in contacts],
            "Phone": [c.phone for _, c in contacts],
        }
    )
    return account_frame, contact_frame


def _write_feedback(path: Path, items: list[Feedback], calendar: Calendar, ids: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for item in items:
            row: dict[str, object] = {
                "response_id": item.response_id,
                "customer_id": None if item.customer is None else ids[item.customer],
            }
            if item.kind == "note":
                row["account_id"] = item.account_id
            row |= {
                "created_at": calendar.timestamp(item.ts),
                "type": item.kind,
                "channel": item.channel,
                "question": item.question,
                "comment": item.comment,
                "score": item.score,
                "scale": item.scale,
            }
            if item.product is not None:
                row["product"] = item.product
            if item.author is not None:
                row["author"] = item.author
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _json_lines(truth: dict[str, object]) -> str:
    """JSON with one line per top-level key, and per entry of the top-level lists and maps:
    readable and diffable, and fast to write."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for key, value in truth.items():
        if isinstance(value, dict) and value:
            inner = ",\n".join(f"  {dump(k)}: {dump(v)}" for k, v in value.items())
            parts.append(f"{dump(key)}: {{\n{inner}\n }}")
        elif isinstance(value, list) and value:
            inner = ",\n".join(f"  {dump(v)}" for v in value)
            parts.append(f"{dump(key)}: [\n{inner}\n ]")
        else:
            parts.append(f"{dump(key)}: {dump(value)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def generate_demo(
    out_dir: Path,
    customers: int = 3000,
    seed: int = 7,
    end: date = date(2026, 6, 30),
) -> DemoFiles:
    """Write the Northwind Roasters demo files for `customers` customers into `out_dir`.

    The period is the 130 weeks that end on `end`. Returns the paths written and row counts.
    """
    if customers < 1:
        raise ConfigError(f"customers must be at least 1, not {customers}; try --customers 3000")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    rnd = random.Random(seed)
    calendar = Calendar(end)
    horizon = calendar.horizon_seconds
    n = customers
    ids = [f"C{10001 + i}" for i in range(n)]

    segment_of = _assign_segments(streams[0], n)
    office = SEGMENTS.index(OFFICE)
    consumers = np.flatnonzero(segment_of != office)
    n_prospects = min(round(PROSPECT_SHARE * n), len(consumers))
    prospect = np.zeros(n, dtype=bool)
    prospect[streams[0].choice(consumers, size=n_prospects, replace=False)] = True
    buyers = np.flatnonzero(~prospect).astype(np.int64)
    people = draw_people(streams[1], n)

    rate = np.array([s.rate_multiplier for s in SEGMENTS])[segment_of[buyers]]
    spend = np.array([s.spend_multiplier for s in SEGMENTS])[segment_of[buyers]]
    lam, p = draw_rates(streams[2], rate, BGNBD)
    first_week = draw_first_purchases(streams[2], calendar, len(buyers))
    history = simulate_purchases(streams[2], lam, p, first_week, calendar)
    mean_spend, value = draw_spend(streams[3], spend, history.event_customer, GAMMA_GAMMA)
    orders = build_orders(
        streams[4],
        buyers[history.event_customer],
        history.event_week,
        value,
        segment_of,
        SEGMENTS,
        calendar.days,
    )
    offsets = orders.customer_offsets(n)
    first_order = np.where(
        np.diff(offsets) > 0, orders.ts[np.minimum(offsets[:-1], len(orders.ts) - 1)], -1
    )

    office_buyers = [int(c) for c in buyers if segment_of[c] == office]
    accounts = build_accounts(
        streams[5],
        rnd,
        office_buyers,
        {c: int(first_order[c]) for c in office_buyers},
        people,
        n,
        calendar.start,
    )
    company = [""] * n
    _link_contacts(rnd, accounts, people, company)

    alive = np.zeros(n, dtype=bool)
    alive[buyers] = history.alive_at_end
    segments = [SEGMENTS[int(s)] for s in segment_of]
    plan = write_feedback(streams[6], rnd, orders, segments, people.first, alive, horizon)
    notes = write_notes(
        streams[7], rnd, accounts, {int(c): int(first_order[c]) for c in buyers}, horizon
    )
    items = sorted(
        plan.items + notes,
        key=lambda f: (f.ts, f.kind, -1 if f.customer is None else f.customer),
    )
    for i, item in enumerate(items):
        item.response_id = f"FB-{i + 1:06d}"

    paths = {
        name: out / f"{name}.{ext}"
        for name, ext in (
            ("customers", "csv"),
            ("transactions", "csv"),
            ("feedback", "jsonl"),
            ("accounts", "csv"),
            ("contacts", "csv"),
            ("ground_truth", "json"),
        )
    }
    _csv(
        _customer_frame(streams[0], calendar, ids, people, first_order, company), paths["customers"]
    )
    transactions = orders.frame(calendar.start, ids)
    _csv(transactions, paths["transactions"])
    _write_feedback(paths["feedback"], items, calendar, ids)
    account_frame, contact_frame = _account_frames(accounts)
    _csv(account_frame, paths["accounts"])
    _csv(contact_frame, paths["contacts"])
    truth = build_truth(
        seed=seed,
        calendar=calendar,
        bgnbd=BGNBD,
        gamma_gamma=GAMMA_GAMMA,
        customer_ids=ids,
        segment_of=segment_of,
        buyers=buyers,
        lam=lam,
        p=p,
        mean_spend=mean_spend,
        history=history,
        orders=orders,
        plan=plan,
        notes=notes,
        accounts=accounts,
    )
    paths["ground_truth"].write_text(_json_lines(truth), encoding="utf-8")
    return DemoFiles(
        out_dir=out,
        customers=paths["customers"],
        transactions=paths["transactions"],
        feedback=paths["feedback"],
        accounts=paths["accounts"],
        contacts=paths["contacts"],
        ground_truth=paths["ground_truth"],
        n_customers=n,
        n_prospects=n_prospects,
        n_orders=len(orders.ts),
        n_transactions=len(transactions),
        n_feedback=len(items),
        n_accounts=len(accounts),
        n_contacts=len(contact_frame),
    )
