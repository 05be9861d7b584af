"""The B2B slice: office-coffee accounts, their contacts, and our account managers' notes.

Every account has at least one buying contact (a customer of the "Office coffee managers"
segment, whose Company ID is the account), a decision maker, often a finance contact and
sometimes a blocker. Each account gets a set of planted facts, one per dossier dimension
(business, their customers, trends, allies, history, plans, technology, competitors, decision
makers, politics, procedures, job, pains, hopes, fears, suggestions, opinion of us); 2-5 notes
written by the account manager after meetings and calls mention some of them, so some
dimensions stay unknown, as in life. The ground truth lists every fact with the notes that
mention it.
"""

from __future__ import annotations

__all__ = ["Account", "Contact", "Fact", "build_accounts", "write_notes"]

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from . import dossier as d
from .feedback import Feedback
from .people import People, draw_people, format_phone
from .voice import Draft, Sentence, Voice


@dataclass(frozen=True)
class Contact:
    contact_id: str
    name: str
    title: str
    role: str
    email: str
    phone: str
    customer: int | None  # index of the customer who is this contact, if they buy


@dataclass(frozen=True)
class Fact:
    dimension: str
    text: str
    sentiment: int

    @property
    def facets(self) -> tuple[str, ...]:
        return d.DIMENSIONS[self.dimension][0]


@dataclass
class Account:
    account_id: str
    company: str
    industry: str
    employees: int
    manager: str
    contacts: list[Contact]
    facts: list[Fact]
    first_order: int  # seconds since the start, earliest order of any buying contact
    competitor: str = ""
    notes: dict[str, list[Feedback]] = field(default_factory=dict)  # dimension → notes

    def role(self, role: str) -> Contact | None:
        return next((c for c in self.contacts if c.role == role), None)


def _company_names(rnd: random.Random, industries: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for industry in industries:
        suffixes = d.INDUSTRIES[industry]["suffix"]
        name = ""
        for attempt in range(50):
            second = rnd.choice(d.SECONDS) if attempt < 40 else f" {attempt}"
            name = f"{rnd.choice(d.PREFIXES)}{second} {rnd.choice(suffixes)}"
            if name not in seen:
                break
        seen.add(name)
        names.append(name)
    return names


def build_accounts(
    rng: np.random.Generator,
    rnd: random.Random,
    buyers: list[int],
    first_order: dict[int, int],
    people: People,
    n_customers: int,
    start: date,
) -> list[Account]:
    """Accounts for the office-segment `buyers` (customer indices into `people`, with their
    first-order times); about one account per 45 customers, each with at least one buyer."""
    n_accounts = min(len(buyers), max(1, round(n_customers / 45))) if buyers else 0
    if not n_accounts:
        return []
    shuffled = [buyers[i] for i in rng.permutation(len(buyers))]
    owner = list(range(n_accounts)) + [rnd.randrange(n_accounts) for _ in shuffled[n_accounts:]]
    members_of: list[list[int]] = [[] for _ in range(n_accounts)]
    for c, o in zip(shuffled, owner, strict=True):
        members_of[o].append(c)
    industries = [rnd.choice(list(d.INDUSTRIES)) for _ in range(n_accounts)]
    companies = _company_names(rnd, industries)
    extra = draw_people(rng, 3 * n_accounts, exchange=1)
    accounts: list[Account] = []
    next_contact = 2001
    for a in range(n_accounts):
        company = companies[a]
        domain = re.sub(r"[^a-z0-9]+", "", company.lower()) + ".example"
        members = members_of[a]
        who: list[tuple[People, int, str, int | None]] = [
            (people, c, "champion" if k == 0 else "user", c) for k, c in enumerate(members)
        ]
        roles = ["decision maker"] + ["finance"] * (rnd.random() < 0.6)
        roles += ["blocker"] * (rnd.random() < 0.35)
        who += [(extra, 3 * a + k, role, None) for k, role in enumerate(roles)]
        contacts = []
        mailboxes: set[str] = set()
        for group, i, role, customer in who:
            first, last, digits = group.first[i], group.last[i], group.phone_digits[i]
            local = f"{first}.{last}".lower().replace("'", "")
            while local in mailboxes:  # two people of the same name at one company
                local += str(len(mailboxes))
            mailboxes.add(local)
            contacts.append(
                Contact(
                    contact_id=f"CT-{next_contact}",
                    name=f"{first} {last}",
                    title=rnd.choice(d.TITLES[role]),
                    role=role,
                    email=f"{local}@{domain}",
                    phone=format_phone(digits, rnd.randrange(6)),
                    customer=customer,
                )
            )
            next_contact += 1
        account = Account(
            account_id=f"A-{1001 + a}",
            company=company,
            industry=industries[a],
            employees=int(np.clip(np.exp(rng.normal(4.0, 0.8)), 8, 2000)),
            manager=rnd.choice(d.MANAGERS),
            contacts=contacts,
            facts=[],
            first_order=min(first_order[c] for c in members),
        )
        rival = rnd.choice(d.RIVALS)
        account.competitor = rival[0]
        since = start + timedelta(seconds=account.first_order)
        account.facts = _facts(rnd, account, since, rival)
        accounts.append(account)
    return accounts


def _facts(rnd: random.Random, account: Account, since: date, rival: tuple[str, str]) -> list[Fact]:
    spec = d.INDUSTRIES[account.industry]
    dm = account.role("decision maker")
    champion = account.role("champion")
    finance = account.role("finance")
    blocker = account.role("blocker")
    assert dm is not None and champion is not None
    politics = [p for p in d.POLITICS if ("{finance}" not in p or finance)]
    politics = [p for p in politics if ("{blocker}" not in p or blocker)]
    name, what = rival
    opinion = rnd.choices((1, 0, -1), weights=(0.55, 0.3, 0.15))[0]
    facts = [
        Fact("business", rnd.choice(spec["business"]), 0),
        Fact("their customers", rnd.choice(spec["clients"]), 0),
        Fact("trends", rnd.choice(spec["trend"]), 0),
        Fact("allies", rnd.choice(d.ALLIES), 0),
        Fact("history", f"They have been buying from us since {since:%B %Y}", 0),
        Fact("plans", rnd.choice(d.PLANS), 0),
        Fact("technology", rnd.choice(d.TECH), 0),
        Fact("competitors", f"{name} {what}", 0),
        Fact(
            "decision makers",
            f"{dm.name} ({dm.title}) signs off on the coffee budget",
            0,
        ),
        Fact(
            "politics",
            rnd.choice(politics).format(
                finance=finance.name if finance else "",
                blocker=blocker.name if blocker else "",
                champion=champion.name,
                dm=dm.name,
            ),
            0,
        ),
        Fact("procedures", rnd.choice(d.PROCEDURES), 0),
        Fact("job", rnd.choice(d.JOBS), 0),
        Fact("pains", rnd.choice(d.PAINS), -1),
        Fact("hopes", rnd.choice(d.HOPES), 0),
        Fact("fears", rnd.choice(d.FEARS), -1),
        Fact("suggestions", rnd.choice(d.SUGGESTIONS), 0),
        Fact("opinion of us", rnd.choice(d.OPINIONS[opinion]), opinion),
    ]
    return facts


def _sentence(rnd: random.Random, voice: Voice, account: Account, fact: Fact) -> Sentence:
    champion = account.role("champion")
    dm = account.role("decision maker")
    assert champion is not None and dm is not None
    template = rnd.choice(d.DIMENSIONS[fact.dimension][1])
    text = template.format(
        x=fact.text,
        company=account.company,
        dm_first=dm.name.split()[0],
        champion_first=champion.name.split()[0],
    )
    draft = Draft(text, fact.facets, (fact.dimension,), fact.sentiment, False)
    return voice.finish([draft], casual=False)[0]


def write_notes(
    rng: np.random.Generator,
    rnd: random.Random,
    accounts: list[Account],
    customer_first_order: dict[int, int],
    horizon: int,
) -> list[Feedback]:
    """2-5 account-manager notes per account, each mentioning 2-4 of its facts, dated after
    the account's first order; a note's customer is the buying contact met, if any."""
    voice = Voice(rnd)
    notes: list[Feedback] = []
    for account in accounts:
        n_notes = rnd.randint(2, 5)
        span = horizon - account.first_order
        times = np.sort(account.first_order + (rng.random(n_notes) * 0.95 + 0.02) * span)
        pending = list(account.facts)
        rnd.shuffle(pending)
        for ts in (int(t) for t in times):
            met = rnd.choice(account.contacts)
            customer = met.customer
            if customer is not None and customer_first_order[customer] >= ts:
                customer = None
            opener = rnd.choice(
                (
                    f"Met {met.name} ({met.title}) at their office.",
                    f"Call with {met.name}.",
                    f"Quarterly review with {met.name}.",
                    f"Coffee tasting on site, hosted by {met.name}.",
                )
            )
            sentences = [Sentence(opener, (), ("meeting",), 0)]
            k = rnd.randint(2, 4)
            chosen = pending[:k] if pending else rnd.sample(account.facts, k)
            pending = pending[k:]
            item = Feedback(
                customer=customer,
                ts=ts,
                kind="note",
                channel=rnd.choice(("meeting", "call", "email")),
                question=None,
                sentences=sentences,
                score=None,
                scale="none",
                account_id=account.account_id,
                author=account.manager,
            )
            for fact in chosen:
                sentences.append(_sentence(rnd, voice, account, fact))
                account.notes.setdefault(fact.dimension, []).append(item)
            notes.append(item)
    return notes
