"""SQL that turns raw source values into typed field values, and says which values fail.

Every parser is a pair of DuckDB expressions over one raw value: the parsed value (NULL when
missing or unreadable) and the reason a present value cannot be read. Parsing runs inside
DuckDB, vectorised, so millions of rows load in seconds.
"""

from __future__ import annotations

__all__ = [
    "DATE_FORMATS",
    "NULL_TOKENS",
    "Parsed",
    "choose_date_format",
    "clean_text",
    "email_sql",
    "id_sql",
    "is_numeric",
    "number_sql",
    "phone_key_sql",
    "phone_sql",
    "sql_str",
    "text_sql",
    "timestamp_sql",
]

from dataclasses import dataclass

import duckdb

NULL_TOKENS = ("", "na", "n/a", "null", "none", "nan", "-", "#n/a", "nil")

# Tried in this order; on a tie the earlier wins (so 03/04/2020 reads as March 4, US style,
# unless some value such as 25/04/2020 shows the column is day-first).
DATE_FORMATS = (
    "%Y%m%d",
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%a, %d %b %Y %H:%M:%S",
)

_NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


@dataclass(frozen=True)
class Parsed:
    """A parsed value and, when a present value is unreadable, why (both SQL expressions).

    `error` may refer to the parsed value as ``{v}`` so it is not computed twice; use
    `error_for(v)` to fill it in.
    """

    value: str
    error: str  # evaluates to a reason (VARCHAR) or NULL

    def error_for(self, v: str) -> str:
        return self.error.replace("{v}", v)


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_numeric(dtype: str) -> bool:
    return dtype.upper().startswith(_NUMERIC_TYPES)


_NULL_RE = "(?i)(" + "|".join(NULL_TOKENS) + ")"


def clean_text(x: str, dtype: str, typed: bool = False) -> str:
    """Trimmed VARCHAR, NULL for missing tokens (``''``, ``NA``, ``null`` …).

    The stage computes this once per mapped column; the parsers below take its result (for
    text columns) or the typed column itself (numbers, dates), never the raw text again.
    Strings of a typed source (Parquet, a table in memory: programs wrote them, with real
    nulls) are kept as they are, only an empty string counting as missing.
    """
    if is_numeric(dtype) or dtype.upper().startswith(("TIMESTAMP", "DATE", "BOOLEAN")):
        return x
    if typed and dtype.upper() == "VARCHAR":
        return f"nullif({x}, '')"
    t = f"trim(CAST({x} AS VARCHAR))"
    # the tokens are at most four characters: longer values skip the pattern
    return (
        f"CASE WHEN length({t}) <= 4 AND regexp_full_match({t}, '{_NULL_RE}') THEN NULL "
        f"ELSE {t} END"
    )


def text_sql(s: str, dtype: str) -> Parsed:
    return Parsed(s if dtype == "VARCHAR" else f"CAST({s} AS VARCHAR)", "NULL")


def id_sql(s: str, dtype: str) -> Parsed:
    if dtype.upper() in ("FLOAT", "DOUBLE") or dtype.upper().startswith("DECIMAL"):
        # 12345.0 from a float column is the id 12345
        v = (f"CASE WHEN {s} = round({s}) THEN CAST(CAST({s} AS HUGEINT) AS VARCHAR) "
             f"ELSE CAST({s} AS VARCHAR) END")
        return Parsed(v, "NULL")
    return Parsed(s if dtype == "VARCHAR" else f"CAST({s} AS VARCHAR)", "NULL")


def number_sql(s: str, dtype: str) -> Parsed:
    """Numbers as written in exports: 1234.5, "1,234.50", "$12", "(12.00)", "12,50"."""
    if is_numeric(dtype):
        return Parsed(f"CAST({s} AS DOUBLE)", "NULL")
    if dtype.upper() == "BOOLEAN":
        return Parsed(f"CAST(CAST({s} AS INTEGER) AS DOUBLE)", "NULL")
    t = f"regexp_replace({s}, '[\\s$€£¥]|USD|EUR|GBP|BRL|R\\$', '', 'g')"
    neg = f"CASE WHEN regexp_full_match({t}, '\\(.*\\)') THEN '-' || trim({t}, '()') ELSE {t} END"
    fixed = (
        f"CASE WHEN regexp_full_match({neg}, '-?[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]+)?') "
        f"THEN replace({neg}, ',', '') "
        f"WHEN regexp_full_match({neg}, '-?[0-9]{{1,3}}(\\.[0-9]{{3}})*,[0-9]+') "
        f"THEN replace(replace({neg}, '.', ''), ',', '.') ELSE {neg} END"
    )
    # the plain cast settles almost every value; the clean-up runs only where it fails
    value = (
        f"CASE WHEN TRY_CAST({s} AS DOUBLE) IS NOT NULL THEN TRY_CAST({s} AS DOUBLE) "
        f"ELSE TRY_CAST({fixed} AS DOUBLE) END"
    )
    error = (
        f"CASE WHEN {{v}} IS NULL AND {s} IS NOT NULL THEN 'is not a number: write it "
        f"like 1234.50 (currency signs and thousands separators are fine)' END"
    )
    return Parsed(value, error)


def email_sql(s: str, dtype: str) -> Parsed:
    low = f"lower({s})"
    ok = f"regexp_full_match({low}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')"
    return Parsed(
        f"CASE WHEN {ok} THEN {low} END",
        f"CASE WHEN {{v}} IS NULL AND {s} IS NOT NULL THEN 'is not an email address "
        f"(name@example.com); fix it or leave the cell empty' END",
    )


def phone_sql(s: str, dtype: str) -> Parsed:
    """Phones keep their digits, with a leading + when an international prefix was given."""
    if is_numeric(dtype):
        s = f"CAST(CAST({s} AS HUGEINT) AS VARCHAR)"
    digits = f"regexp_replace({s}, '[^0-9]', '', 'g')"
    intl = f"(starts_with({s}, '+') OR starts_with({s}, '00'))"
    norm = f"CASE WHEN {intl} THEN '+' || ltrim({digits}, '0') ELSE {digits} END"
    ok = f"length({digits}) BETWEEN 7 AND 15"
    return Parsed(
        f"CASE WHEN {s} IS NOT NULL AND {ok} THEN {norm} END",
        f"CASE WHEN {{v}} IS NULL AND {s} IS NOT NULL THEN 'is not a phone number (7 to 15 "
        f"digits); fix it or leave the cell empty' END",
    )


def phone_key_sql(normalised: str) -> str:
    """The key two spellings of one number share: its last ten digits.

    "+1 555 013 2231" and "(555) 013-2231", or "+44 20 7946 0958" and "020 7946 0958",
    give the same key.
    """
    return f"right(regexp_replace({normalised}, '[^0-9]', '', 'g'), 10)"


def choose_date_format(
    con: duckdb.DuckDBPyConnection, relation: str, x: str, dtype: str
) -> str:
    """Pick how a column's dates are written, from a sample of its distinct values.

    Returns 'native' (already a date type), 'yyyymmdd-int', 'epoch-s', 'epoch-ms', 'iso'
    (anything DuckDB casts, with or without a time zone) or a strptime format.
    """
    up = dtype.upper()
    if up.startswith(("TIMESTAMP", "DATE")):
        return "native"
    if is_numeric(up):
        row = con.execute(
            f"SELECT min({x}), max({x}) FROM (SELECT {x} FROM {relation} "
            f"WHERE {x} IS NOT NULL LIMIT 5000)"
        ).fetchone()
        lo, hi = (row or (None, None))
        if lo is None:
            return "yyyymmdd-int"
        if lo >= 19000101 and hi <= 21001231:
            return "yyyymmdd-int"
        if lo >= 1e9 and hi <= 4.2e9:
            return "epoch-s"
        if lo >= 1e12 and hi <= 4.2e12:
            return "epoch-ms"
        return "yyyymmdd-int"
    s = clean_text(x, dtype)
    sample = (
        f"(SELECT DISTINCT {s} AS v FROM (SELECT {x} FROM {relation} LIMIT 200000) "
        f"WHERE {s} IS NOT NULL LIMIT 2000)"
    )
    zone = "regexp_matches(v, '([+-][0-9]{2}:?[0-9]{2}|Z|UTC)$')"
    tests = [f"count(*) FILTER (WHERE CASE WHEN {zone} THEN TRY_CAST(v AS TIMESTAMPTZ) "
             f"IS NOT NULL ELSE TRY_CAST(v AS TIMESTAMP) IS NOT NULL END)",
             f"count(*) FILTER (WHERE {zone})"]
    tests += [
        f"count(*) FILTER (WHERE try_strptime(v, {sql_str(f)}) IS NOT NULL)" for f in DATE_FORMATS
    ]
    row = con.execute(f"SELECT count(*), {', '.join(tests)} FROM {sample}").fetchone()
    assert row is not None
    zoned = row[2]
    counts = [row[1], *row[3:]]
    best = max(range(len(counts)), key=lambda i: (counts[i], -i))
    if counts[best] == 0:
        return "iso"  # nothing parses: every value will be reported as unreadable
    if best == 0:
        # a plain TIMESTAMP cast would drop a UTC offset: zoned columns go through TIMESTAMPTZ
        return "iso-tz" if zoned else "iso"
    return DATE_FORMATS[best - 1]


def timestamp_sql(x: str, dtype: str, fmt: str) -> Parsed:
    """Parse (cleaned) `x` with the chosen format; times with a zone become UTC."""
    if fmt == "native":
        v = f"CAST({x} AS TIMESTAMP)"
        s = f"CAST({x} AS VARCHAR)"
    elif fmt == "yyyymmdd-int":
        s = f"CAST({x} AS VARCHAR)"
        v = f"try_strptime({s}, '%Y%m%d')"
    elif fmt == "epoch-s":
        s = f"CAST({x} AS VARCHAR)"
        v = f"CAST(to_timestamp(CAST({x} AS DOUBLE)) AS TIMESTAMP)"
    elif fmt == "epoch-ms":
        s = f"CAST({x} AS VARCHAR)"
        v = f"CAST(epoch_ms(CAST({x} AS BIGINT)) AS TIMESTAMP)"
    else:
        s = x
        if fmt == "iso":
            v = f"TRY_CAST({s} AS TIMESTAMP)"
        elif fmt == "iso-tz":
            v = f"CAST(TRY_CAST({s} AS TIMESTAMPTZ) AS TIMESTAMP)"
        else:
            v = f"try_strptime({s}, {sql_str(fmt)})"
    iso = fmt in ("iso", "iso-tz")
    shown = "an ISO date such as 2024-03-31 or 2024-03-31 14:05" if iso else fmt
    error = (
        f"CASE WHEN {{v}} IS NULL AND {s} IS NOT NULL THEN 'is not a date written as "
        f"{shown}, like the rest of the column; fix it or pass --date-format' "
        f"WHEN {{v}} NOT BETWEEN TIMESTAMP '1900-01-01' AND TIMESTAMP '2100-12-31' "
        f"THEN 'is a date outside 1900-2100; fix it' END"
    )
    return Parsed(v, error)
