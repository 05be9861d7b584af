"""What each kind of data holds: its fields, their types, and the column names that suggest them.

A field is something Rapport understands (a customer key, a date, an amount, a text); a column
is what the input file calls it. `infer_mapping` matches columns to fields by normalised name
(`Customer Id`, `customer_id` and `CustomerID` are all `customerid`), first exactly, then by a
unique partial match, and derives `amount` from quantity × unit price when no total is given.
"""

from __future__ import annotations

__all__ = [
    "KINDS",
    "Field",
    "KindSpec",
    "infer_mapping",
    "normalise_name",
    "spec_for",
]

import re
from dataclasses import dataclass

from rapport.errors import ConfigError, MappingError

# Field types: how a source value is parsed.
# id: trimmed text used as a key; text: trimmed text; email, phone: normalised keys;
# timestamp: a date or date-time; number: a decimal number; rating: a number on a scale.


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    names: tuple[str, ...] = ()  # normalised column names that map to it exactly
    partial: tuple[str, ...] = ()  # substrings that suggest it when no exact name matches
    doc: str = ""


@dataclass(frozen=True)
class KindSpec:
    kind: str
    table: str
    fields: tuple[Field, ...]
    doc: str

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        known = ", ".join(f.name for f in self.fields)
        raise MappingError(f"{self.kind} have no field {name!r}; the fields are: {known}.")


_CUSTOMER_ID = Field(
    "customer_id",
    "id",
    (
        "customerid", "customer", "custid", "customerno", "customernumber", "customercode",
        "clientid", "client", "clientnumber", "userid", "memberid", "buyerid", "shopperid",
    ),
    ("customerid", "custid", "clientid"),
    "the customer's id in the source (an external id, scoped by --id-space)",
)
_EMAIL = Field(
    "email",
    "email",
    ("email", "emailaddress", "mail", "customeremail", "useremail", "contactemail", "emailid"),
    ("email",),
    "email address (a customer key)",
)
_PHONE = Field(
    "phone",
    "phone",
    ("phone", "phonenumber", "mobile", "mobilephone", "telephone", "tel", "cell", "cellphone",
     "contactnumber", "mobilenumber"),
    ("phone", "mobile"),
    "phone number (a customer key)",
)
_ACCOUNT_ID = Field(
    "account_id",
    "id",
    ("accountid", "companyid", "organizationid", "organisationid", "orgid", "account"),
    ("accountid", "companyid"),
    "the B2B account's id",
)
_DATES = (
    "date", "ts", "timestamp", "datetime", "time", "createdat", "created", "createddate",
)

KINDS: dict[str, KindSpec] = {
    "customers": KindSpec(
        "customers",
        "customers",
        (
            _CUSTOMER_ID,
            _EMAIL,
            _PHONE,
            Field(
                "name", "text",
                ("name", "fullname", "customername", "clientname", "displayname"),
                ("fullname",),
                "full name",
            ),
            _ACCOUNT_ID,
            Field(
                "created_at", "timestamp",
                ("signupdate", "signup", "createdat", "created", "registered",
                 "registrationdate", "registeredat", "joindate", "joined", "customersince",
                 "firstseen", "datecreated", "createddate"),
                ("signup", "registr", "joined"),
                "when the customer became known",
            ),
        ),
        "people or buyers: keys (id, email, phone), name, account and any attributes",
    ),
    "transactions": KindSpec(
        "transactions",
        "transactions",
        (
            _CUSTOMER_ID,
            _EMAIL,
            _PHONE,
            Field(
                "ts", "timestamp",
                ("invoicedate", "orderdate", "purchasedate", "transactiondate", "saledate",
                 "orderedat", "purchasedat", "ordertimestamp", "orderpurchasetimestamp",
                 "ordertime", "paidat", *_DATES),
                ("date", "timestamp"),
                "when the purchase happened (required)",
            ),
            Field(
                "amount", "number",
                ("amount", "total", "revenue", "sales", "value", "totalprice", "ordertotal",
                 "linetotal", "totalamount", "dollarvalue", "spend", "netamount", "grandtotal",
                 "ordervalue", "saleamount", "price_total", "totalvalue"),
                ("amount", "total", "revenue"),
                "money value (required; or give quantity and unit price)",
            ),
            Field(
                "quantity", "number",
                ("quantity", "qty", "units", "numberofitems", "items", "itemcount",
                 "orderitemsqty", "unitssold"),
                ("qty", "quantity", "numberof"),
                "number of items",
            ),
            Field(
                "unit_price", "number",
                ("unitprice", "price", "itemprice", "priceeach", "priceperunit", "unitcost"),
                ("unitprice",),
                "price of one item; amount = quantity × unit price when no amount is given",
            ),
            Field(
                "product", "text",
                ("product", "productname", "item", "itemname", "description", "sku",
                 "productid", "stockcode", "productcode", "itemid", "title"),
                ("product",),
                "product name or code",
            ),
            Field(
                "category", "text",
                ("category", "productcategory", "categoryname", "department",
                 "productcategoryname", "producttype", "productline"),
                ("category",),
                "product category",
            ),
            Field(
                "channel", "text",
                ("channel", "saleschannel", "orderchannel", "platform", "storetype"),
                ("channel",),
                "where it was bought",
            ),
            Field(
                "order_id", "id",
                ("orderid", "invoiceno", "invoice", "invoiceid", "invoicenumber", "ordernumber",
                 "orderno", "transactionid", "receiptid", "receipt", "basketid"),
                ("orderid", "invoice"),
                "the order or invoice the row belongs to",
            ),
        ),
        "purchases: who, when, how much, what",
    ),
    "feedback": KindSpec(
        "feedback",
        "feedback",
        (
            _CUSTOMER_ID,
            _EMAIL,
            _PHONE,
            _ACCOUNT_ID,
            Field(
                "ts", "timestamp",
                ("reviewdate", "submittedat", "submitted", "responsedate", "reviewcreationdate",
                 "tweetcreated", "answeredat", "postedat", "surveydate", *_DATES),
                ("date", "created", "timestamp"),
                "when it was said",
            ),
            Field(
                "kind", "text",
                ("kind", "type", "feedbacktype", "responsetype", "sourcetype"),
                (),
                "survey, review, ticket, interview, call, social, note or other",
            ),
            Field("channel", "text", ("channel", "medium", "platform"), ("channel",)),
            Field(
                "question", "text",
                ("question", "prompt", "questiontext", "surveyquestion"),
                ("question",),
            ),
            Field(
                "text", "text",
                ("text", "reviewtext", "comment", "comments", "message", "feedback", "body",
                 "review", "content", "response", "answer", "verbatim", "remarks", "note",
                 "notes", "reviewcommentmessage", "feedbacktext", "commenttext", "reviewbody",
                 "tweet", "transcript", "description"),
                ("comment", "text", "message", "review"),
                "the customer's words (this or a rating is required)",
            ),
            Field(
                "rating", "rating",
                ("rating", "score", "stars", "nps", "npsscore", "reviewscore", "csat",
                 "csatscore", "starrating", "overallrating", "likelihoodtorecommend"),
                ("rating", "score", "stars"),
                "a score: NPS 0-10, CSAT 1-5, stars, or 0/1",
            ),
            Field(
                "rating_scale", "text",
                ("ratingscale", "scale", "scoretype"),
                (),
                "nps, csat, stars5, stars10, binary or none (inferred from the ratings if absent)",
            ),
            Field(
                "author", "text",
                ("author", "name", "username", "user", "reviewer", "handle", "screenname",
                 "authorname", "reviewername", "customername"),
                ("author", "username", "reviewer"),
                "who wrote it, as the source names them",
            ),
            Field(
                "external_id", "id",
                ("id", "responseid", "reviewid", "ticketid", "tweetid", "feedbackid",
                 "commentid", "surveyresponseid", "noteid"),
                (),
                "the source's id for the row",
            ),
        ),
        "what customers say: survey answers, reviews, tickets, notes, posts",
    ),
    "accounts": KindSpec(
        "accounts",
        "accounts",
        (
            Field(
                "account_id", "id",
                ("accountid", "companyid", "organizationid", "organisationid", "orgid", "id",
                 "account"),
                ("accountid", "companyid"),
                "the account's id (or a name)",
            ),
            Field(
                "name", "text",
                ("company", "companyname", "name", "accountname", "organisation",
                 "organization", "organisationname", "organizationname", "business"),
                ("company",),
            ),
            Field("industry", "text", ("industry", "sector", "vertical", "segment"), ("industr",)),
            Field(
                "size", "text",
                ("size", "employees", "headcount", "companysize", "numberofemployees",
                 "employeecount", "staff"),
                ("employee",),
            ),
        ),
        "B2B accounts",
    ),
    "contacts": KindSpec(
        "contacts",
        "contacts",
        (
            Field("contact_id", "id", ("contactid", "id", "personid"), ("contactid",)),
            Field(
                "account_id", "id",
                ("accountid", "companyid", "account", "company", "organizationid", "orgid"),
                ("accountid", "companyid"),
            ),
            _CUSTOMER_ID,
            _EMAIL,
            _PHONE,
            Field("name", "text", ("name", "fullname", "contactname", "person"), ("fullname",)),
            Field(
                "title", "text",
                ("title", "jobtitle", "position", "designation", "jobrole"),
                ("jobtitle",),
            ),
            Field("role", "text", ("role", "buyingrole", "stakeholderrole", "decisionrole"), ()),
        ),
        "people at B2B accounts",
    ),
}


def spec_for(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ConfigError(
            f"unknown kind {kind!r}: use one of {', '.join(KINDS)} (--kind)."
        ) from None


def normalise_name(name: str) -> str:
    """`Customer Id`, `customer_id`, `CustomerID` → `customerid`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def infer_mapping(kind: str, columns: list[str], given: dict[str, str]) -> dict[str, str]:
    """Map fields to columns (or expressions) for `kind`; `given` (from --map) wins.

    Returns field → column name or expression. Columns already used by `given` are not
    inferred again. A partial match is used only when exactly one column matches.
    """
    spec = spec_for(kind)
    mapping: dict[str, str] = {}
    for field_name in given:
        spec.field(field_name)  # raises a clear error for an unknown field
    used = {normalise_name(v) for v in given.values()}
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise_name(col), col)
    for f in spec.fields:
        if f.name in given:
            mapping[f.name] = given[f.name]
            continue
        hit = next((by_norm[n] for n in f.names if n in by_norm and n not in used), None)
        if hit is None and f.partial:
            cands = [
                col for norm, col in by_norm.items()
                if norm not in used and any(p in norm for p in f.partial)
            ]
            hit = cands[0] if len(cands) == 1 else None
        if hit is not None:
            mapping[f.name] = hit
            used.add(normalise_name(hit))
    # a handle or user name used as the customer id is also who wrote the feedback
    if (kind == "feedback" and "author" not in mapping and "customer_id" in mapping
            and normalise_name(mapping["customer_id"]) in spec.field("author").names):
        mapping["author"] = mapping["customer_id"]
    if (kind == "transactions" and "amount" not in mapping and "quantity" in mapping
            and "unit_price" in mapping):
        mapping["amount"] = f"{_quote(mapping['quantity'])} * {_quote(mapping['unit_price'])}"
    if kind == "customers" and "name" not in mapping:
        first = next((by_norm[n] for n in ("firstname", "givenname", "forename") if n in by_norm),
                     None)
        last = next((by_norm[n] for n in ("lastname", "surname", "familyname") if n in by_norm),
                    None)
        if first and last:
            mapping["name"] = f"concat({_quote(first)}, ' ', {_quote(last)})"
    return mapping


def _quote(column: str) -> str:
    return column if column.isidentifier() else "`" + column + "`"
