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
import numpy.typing as npt

from .feedback import Feedback
from .people import draw_people, format_phone
from .voice import Sentence, Voice, Draft

IntArray = npt.NDArray[np.int64]

_INDUSTRIES: dict[str, dict[str, tuple[str, ...]]] = {
    "Software": {
        "suffix": ("Labs", "Software", "Systems", "Analytics"),
        "business": (
            "builds scheduling software for dental clinics",
            "runs a payments platform for small retailers",
            "makes project-management tools for architects",
        ),
        "clients": ("dental clinics across the Midwest", "independent retailers"),
        "trend": ("hiring has slowed across the software sector", "rivals are going remote"),
    },
    "Architecture": {
        "suffix": ("Architects", "Design Studio", "Partners"),
        "business": ("designs schools and libraries", "does residential refurbishments"),
        "clients": ("school districts and city councils", "private homeowners"),
        "trend": ("public building budgets are being cut", "demand for retrofits is growing"),
    },
    "Legal Services": {
        "suffix": ("LLP", "Law", "Legal"),
        "business": ("is a commercial law firm", "specialises in employment law"),
        "clients": ("startups and scale-ups", "regional manufacturers"),
        "trend": ("clients are pushing back on hourly billing", "junior lawyers want hybrid work"),
    },
    "Co-working": {
        "suffix": ("Works", "Commons", "Hub"),
        "business": ("runs three co-working spaces downtown", "operates a members' workspace"),
        "clients": ("freelancers and small startups", "remote teams of larger companies"),
        "trend": ("demand for flexible desks is up with hybrid work", "new rivals open monthly"),
    },
    "Marketing Agency": {
        "suffix": ("Creative", "Agency", "Studio", "Media"),
        "business": ("is a branding agency for consumer goods", "runs paid social for shops"),
        "clients": ("direct-to-consumer brands", "local restaurants and hotels"),
        "trend": ("clients are moving budgets in-house", "AI tools are squeezing agency fees"),
    },
    "Healthcare Clinic": {
        "suffix": ("Health", "Clinic", "Medical Group"),
        "business": ("runs two physiotherapy clinics", "is a family medicine practice"),
        "clients": ("local families", "patients referred by sports clubs"),
        "trend": ("staff retention is the big issue in healthcare", "patient volumes are up"),
    },
    "Accounting": {
        "suffix": ("Accounting", "CPA", "& Co."),
        "business": ("does bookkeeping and tax for small businesses", "audits non-profits"),
        "clients": ("restaurants and small shops", "charities and foundations"),
        "trend": ("tax season doubles their hours every spring", "automation is changing the work"),
    },
    "Manufacturing": {
        "suffix": ("Industries", "Manufacturing", "Works"),
        "business": ("makes precision parts for bicycles", "produces food packaging"),
        "clients": ("bike brands in Europe and the US", "regional food producers"),
        "trend": ("supply costs are up and margins are thin", "they are automating a shift"),
    },
}
_PREFIXES = (
    "Bluefin Harbor Cedar Northgate Summit Lantern Ironwood Brightline Meridian Copper Juniper "
    "Granite Oakridge Silverline Redwood Beacon Keystone Willow Falcon Tidewater"
).split()
_SECONDS = ("", " Bay", " Street", " Point", " Ridge", " Hill", " Park", " Lane")

_PLANS = (
    "open a second office next spring",
    "move everyone to three days a week in the office",
    "double the team by the end of the year",
    "renovate the kitchen on the third floor",
    "run a tender for all office supplies in the autumn",
    "cut the number of suppliers they deal with",
)
_TECH = (
    "two Jura bean-to-cup machines",
    "a La Marzocco espresso machine in the main kitchen",
    "filter brewers on every floor",
    "Coupa for purchasing",
    "SAP Ariba for procurement",
    "a Slack channel where staff request supplies",
)
_RIVALS = (
    ("OfficeBrew", "supplies the downstairs floor"),
    ("Crema Club for Business", "pitched them a cheaper per-cup price last month"),
    ("supermarket coffee", "is what the night shift buys when we run out"),
    ("OfficeBrew", "offered them a free machine if they switch"),
)
_ALLIES = (
    "their building manager has recommended us to two other tenants",
    "their catering partner uses our beans too",
    "their CEO knows our founder from a previous company",
)
_PROCEDURES = (
    "every order over $500 needs a purchase order",
    "suppliers are reviewed every January",
    "invoices must go to accounts payable, not to the office manager",
    "new suppliers need a security questionnaire",
)
_HOPES = (
    "staff stop going out to the café every afternoon",
    "the coffee bar impresses visiting clients",
    "they have fewer supplier invoices to process",
    "they get a sustainability story for their annual report",
)
_FEARS = (
    "the machine fails during a client visit",
    "prices go up in the middle of the contract",
    "they run out of beans before the Monday restock",
    "they get locked into a long contract",
)
_JOBS = (
    "coffee good enough that people stop going out for it",
    "a kitchen that never runs out on a busy Monday",
    "something to offer clients that feels a cut above",
)
_PAINS = (
    "the invoice had the wrong PO number",
    "the machine was down for two days",
    "the delivery missed the Monday restock",
)
_SUGGESTIONS = (
    "add oat milk to the bundle",
    "send one invoice for both sites",
    "give them a usage report for finance",
)
_OPINIONS = {
    1: ("love the beans and rate the Monday deliveries", "say we're the best supplier they have"),
    0: ("like the coffee but find our invoicing clunky", "are happy enough but shopping around"),
    -1: ("are frustrated with invoice errors and slow replies", "think we've become expensive"),
}
_POLITICS = (
    "{finance} in finance wants to cut the per-head spend, but {champion} is fighting to keep us",
    "{dm} trusts {champion}'s judgement on suppliers",
    "{blocker} would rather consolidate everything with one facilities supplier",
    "facilities and HR disagree on who owns the coffee budget",
)
_TITLES = {
    "decision maker": ("COO", "Head of Operations", "Managing Partner", "Office Director", "CFO"),
    "champion": ("Office Manager", "Workplace Manager"),
    "user": ("Office Coordinator", "Executive Assistant", "Workplace Assistant"),
    "finance": ("Finance Manager", "Accounts Payable Lead", "Controller"),
    "blocker": ("Procurement Lead", "Facilities Manager"),
}
_MANAGERS = ("Priya Nair", "Tom Becker", "Alicia Gomez", "Sam Okoro")

# dimension → facets a sentence about it expresses; and its note templates
_DIMENSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "business": ((), ("{company} {x}.", "Background: the company {x}.")),
    "their customers": ((), ("Their clients are mostly {x}.", "They mainly serve {x}.")),
    "trends": ((), ("Context: {x}.", "Worth knowing that {x}.")),
    "allies": ((), ("Good sign: {x}.", "Note that {x}.")),
    "history": ((), ("{x}.",)),
    "plans": (("intent",), ("They plan to {x}.", "{dm_first} mentioned they want to {x}.")),
    "technology": ((), ("They run {x}.", "Kitchen setup: {x}.")),
    "competitors": (("competitor",), ("{x}.",)),
    "decision makers": ((), ("{x}.",)),
    "politics": ((), ("{x}.", "Politics: {x}.")),
    "procedures": ((), ("Process note: {x}.", "Reminder that {x}.")),
    "job": (("job",), ("What they need is {x}.", "They want {x}.")),
    "pains": (("pain",), ("Last month {x}.", "Complaint: {x}.")),
    "hopes": (("hope",), ("They hope {x}.", "{champion_first} hopes {x}.")),
    "fears": (("fear",), ("They worry that {x}.", "Main concern is that {x}.")),
    "suggestions": (("suggestion",), ("They asked if we could {x}.",)),
    "opinion of us": (("perception",), ("Overall they {x}.", "{champion_first} says they {x}.")),
}


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
        return _DIMENSIONS[self.dimension][0]


@dataclass
class Account:
    account_id: str
    company: str
    industry: str
    employees: int
    domain: str
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
        suffixes = _INDUSTRIES[industry]["suffix"]
        name = ""
        for attempt in range(50):
            second = rnd.choice(_SECONDS) if attempt < 40 else f" {attempt}"
            name = f"{rnd.choice(_PREFIXES)}{second} {rnd.choice(suffixes)}"
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
    names: list[tuple[str, str]],
    n_customers: int,
    start: date,
) -> list[Account]:
    """Accounts for the office-segment `buyers` (customer indices, with first-order times and
    (first, last) names); about one account per 45 customers, each with at least one buyer."""
    n_accounts = min(len(buyers), max(1, round(n_customers / 45))) if buyers else 0
    if not n_accounts:
        return []
    shuffled = [buyers[i] for i in rng.permutation(len(buyers))]
    owner = list(range(n_accounts)) + [rnd.randrange(n_accounts) for _ in shuffled[n_accounts:]]
    industries = [rnd.choice(list(_INDUSTRIES)) for _ in range(n_accounts)]
    companies = _company_names(rnd, industries)
    extra = draw_people(rng, 3 * n_accounts)
    accounts: list[Account] = []
    next_contact = 2001
    for a in range(n_accounts):
        company = companies[a]
        domain = re.sub(r"[^a-z0-9]+", "", company.lower()) + ".example"
        members = [c for c, o in zip(shuffled, owner, strict=True) if o == a]
        people: list[tuple[str, str, str, int | None]] = []
        for k, c in enumerate(members):
            people.append((*names[c], "champion" if k == 0 else "user", c))
        roles = ["decision maker"] + ["finance"] * (rnd.random() < 0.6)
        roles += ["blocker"] * (rnd.random() < 0.35)
        for k, role in enumerate(roles):
            people.append((extra.first[3 * a + k], extra.last[3 * a + k], role, None))
        contacts = []
        for first, last, role, customer in people:
            local = f"{first}.{last}".lower().replace("'", "")
            digits = f"555{rnd.randrange(1_000_000):07d}"
            contacts.append(
                Contact(
                    contact_id=f"CT-{next_contact}",
                    name=f"{first} {last}",
                    title=rnd.choice(_TITLES[role]),
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
            domain=domain,
            manager=rnd.choice(_MANAGERS),
            contacts=contacts,
            facts=[],
            first_order=min(first_order[c] for c in members),
        )
        rival = rnd.choice(_RIVALS)
        account.competitor = rival[0]
        since = start + timedelta(seconds=account.first_order)
        account.facts = _facts(rnd, account, since, rival)
        accounts.append(account)
    return accounts


def _facts(
    rnd: random.Random, account: Account, since: date, rival: tuple[str, str]
) -> list[Fact]:
    spec = _INDUSTRIES[account.industry]
    dm = account.role("decision maker")
    champion = account.role("champion")
    finance = account.role("finance")
    blocker = account.role("blocker")
    assert dm is not None and champion is not None
    politics = [p for p in _POLITICS if ("{finance}" not in p or finance)]
    politics = [p for p in politics if ("{blocker}" not in p or blocker)]
    name, what = rival
    opinion = rnd.choices((1, 0, -1), weights=(0.55, 0.3, 0.15))[0]
    facts = [
        Fact("business", rnd.choice(spec["business"]), 0),
        Fact("their customers", rnd.choice(spec["clients"]), 0),
        Fact("trends", rnd.choice(spec["trend"]), 0),
        Fact("allies", rnd.choice(_ALLIES), 0),
        Fact("history", f"They have been buying from us since {since:%B %Y}", 0),
        Fact("plans", rnd.choice(_PLANS), 0),
        Fact("technology", rnd.choice(_TECH), 0),
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
        Fact("procedures", rnd.choice(_PROCEDURES), 0),
        Fact("job", rnd.choice(_JOBS), 0),
        Fact("pains", rnd.choice(_PAINS), -1),
        Fact("hopes", rnd.choice(_HOPES), 0),
        Fact("fears", rnd.choice(_FEARS), -1),
        Fact("suggestions", rnd.choice(_SUGGESTIONS), 0),
        Fact("opinion of us", rnd.choice(_OPINIONS[opinion]), opinion),
    ]
    return facts


def _sentence(rnd: random.Random, voice: Voice, account: Account, fact: Fact) -> Sentence:
    champion = account.role("champion")
    dm = account.role("decision maker")
    assert champion is not None and dm is not None
    template = rnd.choice(_DIMENSIONS[fact.dimension][1])
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
