"""The needs-based segments of Northwind Roasters' customers: what each wants, says and does.

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

__all__ = ["OFFICE", "SEGMENTS", "Competitor", "Phrase", "Segment", "segment_named"]

from dataclasses import dataclass, field


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


def _ph(aspect: str, sentiment: int, *texts: str) -> tuple[Phrase, ...]:
    return tuple(Phrase(t, aspect, sentiment) for t in texts)


def _phs(sentiment: int, *pairs: tuple[str, str]) -> tuple[Phrase, ...]:
    return tuple(Phrase(text, aspect, sentiment) for text, aspect in pairs)


COMMUTERS = Segment(
    name="Morning ritual commuters",
    share=0.24,
    summary="Want the same good cup every weekday morning with zero effort; judge us on "
    "consistency and on deliveries that never leave them without coffee.",
    jobs=_phs(
        0,
        ("my first cup before the commute", "convenience"),
        ("a quick flask on the way to work", "convenience"),
        ("getting out the door on weekday mornings", "convenience"),
        ("the 6am coffee before my shift", "convenience"),
        ("a reliable morning brew that takes two minutes", "consistency"),
        ("keeping the kitchen stocked so mornings just work", "subscription"),
    ),
    values=_phs(
        0,
        ("consistency from one bag to the next", "consistency"),
        ("not having to think about reordering", "subscription"),
        ("a coffee that tastes the same every morning", "consistency"),
        ("speed in the morning", "convenience"),
        ("deliveries that turn up when they should", "delivery"),
        ("a grind that works in my drip machine", "grind"),
    ),
    pains=_phs(
        -1,
        ("my subscription bag showed up three days late", "delivery"),
        ("the grind was too fine for my drip machine", "grind"),
        ("I ran out before the next delivery came", "subscription"),
        ("the last bag tasted nothing like the one before", "consistency"),
        ("the app logged me out halfway through reordering", "website"),
        ("the parcel got left in the rain by the door", "delivery"),
    ),
    hopes=_phs(
        0,
        ("a way to move a delivery by a few days from the app", "subscription"),
        ("a pre-ground option that suits a basic drip machine", "grind"),
        ("bigger bags on the subscription", "subscription"),
        ("a reminder a couple of days before each shipment", "subscription"),
        ("an earlier delivery slot", "delivery"),
    ),
    fears=_phs(
        -1,
        ("I'll run out before Monday morning", "subscription"),
        ("the next batch won't taste the same", "consistency"),
        ("a late delivery will leave me without coffee for the week", "delivery"),
        ("the price will creep up on the subscription", "price"),
    ),
    perceptions=(
        Phrase("the dependable option", "general", 1),
        Phrase("a roaster I never have to worry about", "general", 1),
        Phrase("a convenient subscription that just works", "subscription", 1),
        Phrase("fine but nothing special", "general", 0),
        Phrase("a bit unreliable lately", "delivery", -1),
        Phrase("more hassle than a coffee subscription should be", "subscription", -1),
    ),
    competitors=(
        Competitor("BeanBox", "BeanBox"),
        Competitor("Daily Grind Co.", "Daily Grind Co."),
        Competitor("supermarket coffee", "the supermarket"),
    ),
    reasons_for_us=_phs(
        1,
        ("your deliveries have been more reliable", "delivery"),
        ("yours tastes the same every single time", "consistency"),
        ("you remember my grind setting", "grind"),
    ),
    reasons_for_them=_phs(
        -1,
        ("their delivery turns up faster", "delivery"),
        ("I can grab it on the way home", "convenience"),
        ("their app makes skipping a week easy", "subscription"),
    ),
    suggestions=_phs(
        0,
        ("let me skip a delivery straight from the app", "subscription"),
        ("add a grind option for drip machines", "grind"),
        ("send a text when the parcel is out for delivery", "delivery"),
        ("offer a bigger bag on the fortnightly plan", "subscription"),
    ),
    praise=_phs(
        1,
        ("the fortnightly subscription", "subscription"),
        ("the consistency of the house blend", "consistency"),
        ("the reliable deliveries", "delivery"),
        ("the easy reorder button", "website"),
    ),
    vocabulary=(
        "every morning",
        "before work",
        "consistent",
        "reliable",
        "quick",
        "subscription",
        "commute",
        "drip machine",
    ),
    rate_multiplier=1.3,
    spend_multiplier=0.8,
    products={
        "Fortnightly Beans Subscription": 4.0,
        "Monthly Beans Subscription": 3.0,
        "House Blend 250g": 2.0,
        "House Blend 1kg": 1.0,
        "Espresso Roast 500g": 1.0,
        "Decaf Swiss Water 250g": 0.5,
        "Travel Mug": 0.6,
        "Paper Filters (100)": 0.8,
        "Cold Brew Blend 500g": 0.5,
        "French Press 1L": 0.2,
    },
    channels={"Subscription": 5.0, "Mobile App": 3.0, "Online Store": 2.0},
    feedback_mix=(0.30, 0.45, 0.25),
    talkativeness=1.0,
)

HOBBYISTS = Segment(
    name="Home-barista hobbyists",
    share=0.20,
    summary="Brew as a hobby; care about freshness, origin and grind; compare roasters on "
    "roast dates and clarity, and buy equipment as well as beans.",
    jobs=_phs(
        0,
        ("dialling in espresso on my new machine", "equipment"),
        ("weekend pour-over experiments", "taste"),
        ("trying single origins side by side", "taste"),
        ("pulling shots on my lever machine", "equipment"),
        ("working through a new origin every month", "taste"),
        ("tuning my burr grinder for filter", "grind"),
    ),
    values=_phs(
        0,
        ("a roast date printed on the bag", "freshness"),
        ("knowing the farm and the process", "taste"),
        ("freshness above everything", "freshness"),
        ("a consistent particle size from the grinder", "grind"),
        ("clear tasting notes I can actually taste", "taste"),
        ("light roasts that let the origin shine", "taste"),
    ),
    pains=_phs(
        -1,
        ("the beans were roasted over a month before they arrived", "freshness"),
        ("the Kenya tasted flat and baked", "taste"),
        ("the burr grinder produced loads of fines", "grind"),
        ("the roast date was missing from the bag", "freshness"),
        ("the espresso roast was far darker than described", "taste"),
        ("the scale stopped reading accurately after a week", "equipment"),
    ),
    hopes=_phs(
        0,
        ("more washed Ethiopians and natural process lots", "taste"),
        ("a lighter roast option for filter", "taste"),
        ("smaller sample bags so I can try more origins", "taste"),
        ("brew guides for each origin", "equipment"),
        ("a grinder calibration service", "grind"),
    ),
    fears=_phs(
        -1,
        ("the beans will be stale by the time I open them", "freshness"),
        ("I'll waste half a bag dialling in", "taste"),
        ("the quality will slip as you grow", "taste"),
        ("the grinder burrs won't last a year", "equipment"),
    ),
    perceptions=(
        Phrase("a proper specialty roaster", "general", 1),
        Phrase("roasters who actually care about extraction", "taste", 1),
        Phrase("the best source of fresh beans I've found", "freshness", 1),
        Phrase("a little too safe with your roasts", "taste", 0),
        Phrase("a mass-market brand dressed up as specialty", "general", -1),
    ),
    competitors=(
        Competitor("Crema Club", "Crema Club"),
        Competitor("Origin Lab", "Origin Lab"),
        Competitor("BeanBox", "BeanBox"),
    ),
    reasons_for_us=_phs(
        1,
        ("your roast dates are much fresher", "freshness"),
        ("your single origins have far more clarity", "taste"),
        ("you actually list the process and altitude", "taste"),
    ),
    reasons_for_them=_phs(
        -1,
        ("their light roasts are more interesting", "taste"),
        ("they roast to order and ship the same day", "freshness"),
        ("their sample packs let me try more", "taste"),
    ),
    suggestions=_phs(
        0,
        ("print the roast date and process on every bag", "freshness"),
        ("offer 100g sample bags", "taste"),
        ("publish recommended brew recipes for each origin", "equipment"),
        ("sell replacement burrs for the grinder", "grind"),
        ("add a natural-process Ethiopian", "taste"),
    ),
    praise=_phs(
        1,
        ("the clarity in the Kenya AA", "taste"),
        ("the freshness of the last batch", "freshness"),
        ("the grind consistency of the Burr Grinder Pro", "grind"),
        ("the tasting notes card", "taste"),
    ),
    vocabulary=(
        "roast date",
        "single origin",
        "dial in",
        "extraction",
        "pour-over",
        "burr",
        "fines",
        "process",
        "light roast",
        "tasting notes",
    ),
    rate_multiplier=1.5,
    spend_multiplier=1.3,
    products={
        "Ethiopia Yirgacheffe 250g": 3.0,
        "Kenya AA 250g": 2.5,
        "Colombia Huila 250g": 2.0,
        "Guatemala Antigua 250g": 1.5,
        "Origin Explorer Subscription": 2.0,
        "Espresso Roast 500g": 1.5,
        "Hand Grinder": 0.4,
        "Burr Grinder Pro": 0.3,
        "Gooseneck Kettle": 0.3,
        "Digital Coffee Scale": 0.4,
        "Pour-Over Dripper": 0.5,
        "Paper Filters (100)": 1.0,
        "Airtight Bean Canister": 0.5,
    },
    channels={"Online Store": 6.0, "Mobile App": 2.0, "Subscription": 2.0},
    feedback_mix=(0.50, 0.35, 0.15),
    talkativeness=1.3,
)

GIFTERS = Segment(
    name="Gift givers",
    share=0.14,
    summary="Buy coffee as a present; care about presentation and arriving before the date; "
    "buy rarely, mostly around Christmas and birthdays, and spend more per order.",
    jobs=_phs(
        0,
        ("birthday presents for my coffee-mad brother", "gift"),
        ("a thank-you gift for my team", "gift"),
        ("sending something nice to my parents for the holidays", "gift"),
        ("last-minute gifts that still look thoughtful", "gift"),
        ("Christmas presents for clients", "gift"),
    ),
    values=_phs(
        0,
        ("presentation and a nice box", "packaging"),
        ("it arriving before the date", "delivery"),
        ("a gift note that actually gets included", "gift"),
        ("something that looks more expensive than it is", "price"),
        ("easy gifting without wrapping anything myself", "gift"),
    ),
    pains=_phs(
        -1,
        ("the gift box arrived a day after the birthday", "delivery"),
        ("the gift message was missing", "gift"),
        ("the box was dented when it arrived", "packaging"),
        ("the receipt with the price was inside the gift", "gift"),
        ("the gift card email went to my own inbox", "website"),
    ),
    hopes=_phs(
        0,
        ("a guaranteed delivery date for gifts", "delivery"),
        ("gift wrapping as an option at checkout", "packaging"),
        ("a gift set for tea drinkers too", "gift"),
        ("a way to schedule a gift for a specific day", "delivery"),
    ),
    fears=_phs(
        -1,
        ("the present won't arrive in time for Christmas", "delivery"),
        ("it will look cheap when they open it", "packaging"),
        ("the recipient won't like the roast I picked", "taste"),
        ("the price will show on the packing slip", "gift"),
    ),
    perceptions=(
        Phrase("a lovely brand to give", "gift", 1),
        Phrase("the thoughtful gift option", "gift", 1),
        Phrase("a nice but slightly overpriced gift shop", "price", 0),
        Phrase("unreliable when it matters most", "delivery", -1),
    ),
    competitors=(
        Competitor("Parcel & Bow", "Parcel & Bow"),
        Competitor("Crema Club", "Crema Club"),
        Competitor("supermarket coffee", "the supermarket"),
    ),
    reasons_for_us=_phs(
        1,
        ("your boxes look far more premium", "packaging"),
        ("you let me add a proper gift message", "gift"),
        ("your gift sets actually arrive on time", "delivery"),
    ),
    reasons_for_them=_phs(
        -1,
        ("they offer free gift wrapping", "packaging"),
        ("they guarantee delivery dates", "delivery"),
        ("their gift sets are cheaper", "price"),
    ),
    suggestions=_phs(
        0,
        ("add gift wrapping at checkout", "packaging"),
        ("let me pick the delivery date for gifts", "delivery"),
        ("leave prices off the packing slip", "gift"),
        ("offer a mini tasting box as a stocking filler", "gift"),
    ),
    praise=_phs(
        1,
        ("the presentation of the box", "packaging"),
        ("the gift card design", "gift"),
        ("the little tasting booklet in the gift set", "gift"),
    ),
    vocabulary=(
        "gift",
        "present",
        "birthday",
        "Christmas",
        "box",
        "wrapping",
        "in time",
        "gift message",
    ),
    rate_multiplier=0.5,
    spend_multiplier=1.4,
    products={
        "Coffee Gift Box": 4.0,
        "Tasting Flight Gift Set": 3.0,
        "Gift Card": 2.0,
        "Mug & Beans Gift Set": 2.5,
        "House Blend 250g": 0.8,
        "Travel Mug": 0.8,
        "Ethiopia Yirgacheffe 250g": 0.5,
    },
    channels={"Online Store": 7.0, "Marketplace": 2.0, "Mobile App": 1.0},
    feedback_mix=(0.45, 0.30, 0.25),
    talkativeness=0.9,
)

ETHICAL = Segment(
    name="Ethical sourcing buyers",
    share=0.16,
    summary="Buy to support farmers and cut waste; judge us on transparency, fair prices and "
    "packaging, and are quick to suspect greenwashing.",
    jobs=_phs(
        0,
        ("coffee I can feel good about every morning", "sustainability"),
        ("supporting farmers through what I buy", "sustainability"),
        ("cutting plastic out of my kitchen", "packaging"),
        ("a low-waste coffee routine at home", "sustainability"),
        ("buying directly traded beans", "sustainability"),
    ),
    values=_phs(
        0,
        ("fair prices for the farmers", "sustainability"),
        ("compostable packaging", "packaging"),
        ("transparency about where the money goes", "sustainability"),
        ("organic and shade-grown beans", "sustainability"),
        ("knowing the co-op behind each bag", "sustainability"),
    ),
    pains=_phs(
        -1,
        ("the bag still had a plastic valve", "packaging"),
        ("the parcel came with loads of bubble wrap", "packaging"),
        ("there was no information about the farm", "sustainability"),
        ("the sustainability page on the site had no real detail", "sustainability"),
        ("the compostable pods didn't break down in my bin", "packaging"),
    ),
    hopes=_phs(
        0,
        ("a fully plastic-free bag", "packaging"),
        ("a refill scheme for the tins", "packaging"),
        ("published prices paid to each farm", "sustainability"),
        ("carbon-neutral shipping", "delivery"),
    ),
    fears=_phs(
        -1,
        ("it's all just greenwashing", "sustainability"),
        ("the farmers see very little of what I pay", "sustainability"),
        ("the packaging ends up in landfill anyway", "packaging"),
        ("growing fast means cutting corners on sourcing", "sustainability"),
    ),
    perceptions=(
        Phrase("a company that actually cares about farmers", "sustainability", 1),
        Phrase("one of the more honest roasters out there", "sustainability", 1),
        Phrase("a decent option with room to improve on packaging", "packaging", 0),
        Phrase("not nearly as green as the website claims", "sustainability", -1),
    ),
    competitors=(
        Competitor("Fairbean", "Fairbean"),
        Competitor("GreenCup", "GreenCup"),
        Competitor("Crema Club", "Crema Club"),
    ),
    reasons_for_us=_phs(
        1,
        ("you're open about what you pay farmers", "sustainability"),
        ("your bags are actually compostable", "packaging"),
        ("your direct-trade lots are traceable", "sustainability"),
    ),
    reasons_for_them=_phs(
        -1,
        ("they publish their farm prices", "sustainability"),
        ("they ship completely plastic-free", "packaging"),
        ("they offset every delivery", "delivery"),
    ),
    suggestions=_phs(
        0,
        ("publish the price paid per kilo to each farm", "sustainability"),
        ("drop the plastic valve from the bags", "packaging"),
        ("offer a refill or return scheme", "packaging"),
        ("let me choose slower, greener shipping", "delivery"),
    ),
    praise=_phs(
        1,
        ("the compostable packaging", "packaging"),
        ("the sourcing stories on each bag", "sustainability"),
        ("the commitment to direct trade", "sustainability"),
    ),
    vocabulary=(
        "fair trade",
        "direct trade",
        "farmers",
        "compostable",
        "plastic",
        "organic",
        "co-op",
        "greenwashing",
        "traceable",
    ),
    rate_multiplier=1.0,
    spend_multiplier=1.0,
    products={
        "Fair Trade Organic Peru 250g": 4.0,
        "Origin Explorer Subscription": 1.5,
        "Colombia Huila 250g": 1.5,
        "Guatemala Antigua 250g": 1.5,
        "Compostable Pods (30)": 1.5,
        "Monthly Beans Subscription": 1.0,
        "Airtight Bean Canister": 0.4,
        "Decaf Swiss Water 250g": 0.6,
    },
    channels={"Online Store": 6.0, "Subscription": 3.0, "Mobile App": 1.0},
    feedback_mix=(0.30, 0.50, 0.20),
    talkativeness=1.2,
)

BULK = Segment(
    name="Price-driven bulk buyers",
    share=0.21,
    summary="Drink a lot of coffee and watch the price per kilo; buy big bags, hunt discounts "
    "and free shipping, and compare us with the supermarket.",
    jobs=_phs(
        0,
        ("keeping a family of coffee drinkers supplied", "price"),
        ("stocking up on big bags to save money", "price"),
        ("a daily pot for the whole household", "price"),
        ("a decent everyday coffee without paying café prices", "price"),
        ("filling the freezer with a few months of beans", "price"),
    ),
    values=_phs(
        0,
        ("the price per kilo", "price"),
        ("free shipping over a certain amount", "delivery"),
        ("a good discount on big bags", "price"),
        ("value for money", "price"),
        ("a decent cup that doesn't cost a fortune", "price"),
    ),
    pains=_phs(
        -1,
        ("the 2.5kg bag went up in price again", "price"),
        ("shipping cost more than half a bag", "delivery"),
        ("my discount code was rejected at checkout", "price"),
        ("the bulk bag arrived with a split seam", "packaging"),
        ("the subscription price changed without warning", "subscription"),
    ),
    hopes=_phs(
        0,
        ("a loyalty discount for regular orders", "price"),
        ("free shipping on bulk orders", "delivery"),
        ("a 5kg bag for home", "price"),
        ("a cheaper everyday blend", "price"),
    ),
    fears=_phs(
        -1,
        ("prices will keep going up", "price"),
        ("the big bag will go stale before we finish it", "freshness"),
        ("the discount will disappear", "price"),
    ),
    perceptions=(
        Phrase("good value for the quality", "price", 1),
        Phrase("fair on price, especially on the bulk bags", "price", 1),
        Phrase("a bit of a premium brand for everyday coffee", "price", 0),
        Phrase("overpriced compared to what's out there", "price", -1),
    ),
    competitors=(
        Competitor("supermarket coffee", "the supermarket"),
        Competitor("BulkBrew", "BulkBrew"),
        Competitor("BeanBox", "BeanBox"),
    ),
    reasons_for_us=_phs(
        1,
        ("your bulk bag works out cheaper per cup", "price"),
        ("your beans taste far better for the money", "taste"),
        ("you give free shipping on big orders", "delivery"),
    ),
    reasons_for_them=_phs(
        -1,
        ("it's a lot cheaper per kilo", "price"),
        ("they always have a discount running", "price"),
        ("their shipping is free", "delivery"),
    ),
    suggestions=_phs(
        0,
        ("bring back the multi-buy discount", "price"),
        ("offer free shipping on bulk bags", "delivery"),
        ("send discount codes to regular customers", "price"),
        ("add a cheaper house blend in 2.5kg", "price"),
    ),
    praise=_phs(
        1,
        ("the price of the bulk bags", "price"),
        ("the free shipping threshold", "delivery"),
        ("the multi-buy deal", "price"),
    ),
    vocabulary=(
        "price",
        "cheaper",
        "discount",
        "per kilo",
        "bulk",
        "deal",
        "value for money",
        "free shipping",
        "big bag",
    ),
    rate_multiplier=0.9,
    spend_multiplier=1.0,
    products={
        "Breakfast Blend 2.5kg": 3.0,
        "House Blend 1kg": 3.0,
        "Espresso Roast 1kg": 2.0,
        "House Blend 250g": 1.0,
        "Paper Filters (100)": 1.0,
        "Cold Brew Blend 500g": 0.5,
        "Moka Pot": 0.2,
    },
    channels={"Online Store": 4.0, "Marketplace": 4.5, "Mobile App": 1.5},
    feedback_mix=(0.30, 0.40, 0.30),
    talkativeness=0.8,
)

OFFICE = Segment(
    name="Office coffee managers",
    share=0.05,
    summary="Buy for a workplace under an office-coffee contract (the B2B slice); care about "
    "never running out, a machine that works and invoices that finance accepts.",
    jobs=_phs(
        0,
        ("keeping the office kitchen stocked", "office coffee"),
        ("coffee for forty people who notice when it runs out", "office coffee"),
        ("making the office a place people want to come back to", "office coffee"),
        ("client meetings where the coffee has to be good", "office coffee"),
        ("the Monday restock for our floor", "office coffee"),
    ),
    values=_phs(
        0,
        ("never running out", "office coffee"),
        ("one clear monthly invoice", "billing"),
        ("a machine that just keeps working", "equipment"),
        ("a supplier who answers the phone", "customer service"),
        ("predictable costs for the budget", "price"),
    ),
    pains=_phs(
        -1,
        ("the invoice had the wrong PO number again", "billing"),
        ("the bean-to-cup machine was down for two days", "equipment"),
        ("the delivery came after the Monday restock", "delivery"),
        ("we were billed for a service visit that never happened", "billing"),
        ("the milk and cups were missing from the order", "delivery"),
    ),
    hopes=_phs(
        0,
        ("consolidated invoicing across our two sites", "billing"),
        ("a same-day engineer when the machine breaks", "equipment"),
        ("oat milk in the bundle", "office coffee"),
        ("a usage report we can show finance", "billing"),
    ),
    fears=_phs(
        -1,
        ("the machine will break during a client visit", "equipment"),
        ("finance will cut the coffee budget", "price"),
        ("we'll run out before the next delivery", "office coffee"),
    ),
    perceptions=(
        Phrase("a reliable partner for the office", "office coffee", 1),
        Phrase("the supplier the team actually likes", "office coffee", 1),
        Phrase("great coffee but hard work on admin", "billing", 0),
        Phrase("a supplier we have to chase", "customer service", -1),
    ),
    competitors=(
        Competitor("OfficeBrew", "OfficeBrew"),
        Competitor("Crema Club for Business", "Crema Club for Business"),
        Competitor("supermarket coffee", "the supermarket"),
    ),
    reasons_for_us=_phs(
        1,
        ("the team says your coffee is much better", "taste"),
        ("your engineers actually turn up", "equipment"),
        ("you're easier to deal with on invoices", "billing"),
    ),
    reasons_for_them=_phs(
        -1,
        ("they include the machine for free", "equipment"),
        ("their per-cup price is lower", "price"),
        ("they do consolidated invoicing", "billing"),
    ),
    suggestions=_phs(
        0,
        ("put our PO number on every invoice", "billing"),
        ("send one invoice for both sites", "billing"),
        ("add oat milk to the office bundle", "office coffee"),
        ("give us a direct line for machine faults", "equipment"),
    ),
    praise=_phs(
        1,
        ("the service engineer", "equipment"),
        ("the Monday deliveries", "delivery"),
        ("the account support", "customer service"),
    ),
    vocabulary=(
        "office",
        "team",
        "invoice",
        "PO",
        "machine",
        "restock",
        "finance",
        "budget",
        "kitchen",
        "staff",
    ),
    rate_multiplier=1.6,
    spend_multiplier=3.5,
    products={
        "Office Coffee Plan (monthly)": 3.0,
        "Office Beans 5kg": 3.0,
        "Milk & Cups Bundle": 2.0,
        "Machine Service Visit": 0.6,
        "Espresso Roast 1kg": 1.0,
        "Cleaning Tablets": 0.8,
    },
    channels={"B2B Invoice": 9.0, "Online Store": 1.0},
    feedback_mix=(0.15, 0.40, 0.45),
    talkativeness=1.0,
)

SEGMENTS: tuple[Segment, ...] = (COMMUTERS, HOBBYISTS, GIFTERS, ETHICAL, BULK, OFFICE)


def segment_named(name: str) -> Segment:
    for segment in SEGMENTS:
        if segment.name == name:
            return segment
    raise KeyError(name)
