"""What an account dossier can hold: the facts planted about office-coffee accounts, per
dimension, and the templates account managers' notes use to mention them.

`DIMENSIONS` maps each dossier dimension to the facets a sentence about it expresses (plans are
the account's intent, opinion of us its perception, …; business facts express no facet).
"""

from __future__ import annotations

__all__ = [
    "ALLIES",
    "DIMENSIONS",
    "FEARS",
    "HOPES",
    "INDUSTRIES",
    "JOBS",
    "MANAGERS",
    "OPINIONS",
    "PAINS",
    "PLANS",
    "POLITICS",
    "PREFIXES",
    "PROCEDURES",
    "RIVALS",
    "SECONDS",
    "SUGGESTIONS",
    "TECH",
    "TITLES",
]

INDUSTRIES: dict[str, dict[str, tuple[str, ...]]] = {
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
PREFIXES = (
    "Bluefin",
    "Harbor",
    "Cedar",
    "Northgate",
    "Summit",
    "Lantern",
    "Ironwood",
    "Brightline",
    "Meridian",
    "Copper",
    "Juniper",
    "Granite",
    "Oakridge",
    "Silverline",
    "Redwood",
    "Beacon",
    "Keystone",
    "Willow",
    "Falcon",
    "Tidewater",
)
SECONDS = ("", " Bay", " Street", " Point", " Ridge", " Hill", " Park", " Lane")

PLANS = (
    "open a second office next spring",
    "move everyone to three days a week in the office",
    "double the team by the end of the year",
    "renovate the kitchen on the third floor",
    "run a tender for all office supplies in the autumn",
    "cut the number of suppliers they deal with",
)
TECH = (
    "two Jura bean-to-cup machines",
    "a La Marzocco espresso machine in the main kitchen",
    "filter brewers on every floor",
    "Coupa for purchasing",
    "SAP Ariba for procurement",
    "a Slack channel where staff request supplies",
)
RIVALS = (
    ("OfficeBrew", "supplies the downstairs floor"),
    ("Crema Club for Business", "pitched them a cheaper per-cup price last month"),
    ("supermarket coffee", "is what the night shift buys when we run out"),
    ("OfficeBrew", "offered them a free machine if they switch"),
)
ALLIES = (
    "their building manager has recommended us to two other tenants",
    "their catering partner uses our beans too",
    "their CEO knows our founder from a previous company",
)
PROCEDURES = (
    "every order over $500 needs a purchase order",
    "suppliers are reviewed every January",
    "invoices must go to accounts payable, not to the office manager",
    "new suppliers need a security questionnaire",
)
HOPES = (
    "staff stop going out to the café every afternoon",
    "the coffee bar impresses visiting clients",
    "they have fewer supplier invoices to process",
    "they get a sustainability story for their annual report",
)
FEARS = (
    "the machine fails during a client visit",
    "prices go up in the middle of the contract",
    "they run out of beans before the Monday restock",
    "they get locked into a long contract",
)
JOBS = (
    "coffee good enough that people stop going out for it",
    "a kitchen that never runs out on a busy Monday",
    "something to offer clients that feels a cut above",
)
PAINS = (
    "the invoice had the wrong PO number",
    "the machine was down for two days",
    "the delivery missed the Monday restock",
)
SUGGESTIONS = (
    "add oat milk to the bundle",
    "send one invoice for both sites",
    "give them a usage report for finance",
)
OPINIONS = {
    1: ("love the beans and rate the Monday deliveries", "say we're the best supplier they have"),
    0: ("like the coffee but find our invoicing clunky", "are happy enough but shopping around"),
    -1: ("are frustrated with invoice errors and slow replies", "think we've become expensive"),
}
POLITICS = (
    "{finance} in finance wants to cut the per-head spend, but {champion} is fighting to keep us",
    "{dm} trusts {champion}'s judgement on suppliers",
    "{blocker} would rather consolidate everything with one facilities supplier",
    "facilities and HR disagree on who owns the coffee budget",
)
TITLES = {
    "decision maker": ("COO", "Head of Operations", "Managing Partner", "Office Director", "CFO"),
    "champion": ("Office Manager", "Workplace Manager"),
    "user": ("Office Coordinator", "Executive Assistant", "Workplace Assistant"),
    "finance": ("Finance Manager", "Accounts Payable Lead", "Controller"),
    "blocker": ("Procurement Lead", "Facilities Manager"),
}
MANAGERS = ("Priya Nair", "Tom Becker", "Alicia Gomez", "Sam Okoro")

DIMENSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "business": (
        (),
        ("{company} {x}.", "Background: the company {x}.", "For context, {company} {x}."),
    ),
    "their customers": (
        (),
        (
            "Their clients are mostly {x}.",
            "They mainly serve {x}.",
            "{dm_first} says most of their business comes from {x}.",
        ),
    ),
    "trends": (
        (),
        ("Context: {x}.", "Worth knowing that {x}.", "{dm_first} pointed out that {x}."),
    ),
    "allies": ((), ("Good sign: {x}.", "Note that {x}.", "Useful to know: {x}.")),
    "history": ((), ("{x}.", "Account history: {x}.")),
    "plans": (
        ("intent",),
        (
            "They plan to {x}.",
            "{dm_first} mentioned they want to {x}.",
            "Next step on their side: they intend to {x}.",
            "{champion_first} told me they will {x}.",
        ),
    ),
    "technology": (
        (),
        ("They run {x}.", "Kitchen setup: {x}.", "{champion_first} showed me their setup: {x}."),
    ),
    "competitors": (
        ("competitor",),
        ("{x}.", "Competition: {x}.", "Heads-up from {champion_first}: {x}."),
    ),
    "decision makers": ((), ("{x}.", "Who decides: {x}.")),
    "politics": ((), ("{x}.", "Politics: {x}.", "Reading the room, {x}.")),
    "procedures": (
        (),
        ("Process note: {x}.", "Reminder that {x}.", "{champion_first} reminded me that {x}."),
    ),
    "job": (
        ("job",),
        (
            "What they need is {x}.",
            "They want {x}.",
            "{champion_first} summed it up: they want {x}.",
        ),
    ),
    "pains": (
        ("pain",),
        ("Last month {x}.", "Complaint: {x}.", "{champion_first} was unhappy that {x}."),
    ),
    "hopes": (
        ("hope",),
        ("They hope {x}.", "{champion_first} hopes {x}.", "{dm_first} would like it if {x}."),
    ),
    "fears": (
        ("fear",),
        ("They worry that {x}.", "Main concern is that {x}.", "{dm_first} is nervous that {x}."),
    ),
    "suggestions": (
        ("suggestion",),
        (
            "They asked if we could {x}.",
            "{champion_first} asked whether we could {x}.",
            "Request from {champion_first}: could we {x}?",
        ),
    ),
    "opinion of us": (
        ("perception",),
        (
            "Overall they {x}.",
            "{champion_first} says they {x}.",
            "My read is that they {x}.",
        ),
    ),
}
"""Dossier dimension → (facets a sentence about it expresses, note templates)."""
