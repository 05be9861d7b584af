"""Who the demo customers are on paper: names, emails, phones, age, gender, region and city.

Demographics are drawn from one distribution for every customer, whatever their segment, so no
demographic column predicts the segment. Emails and phones come in the mixed formats of real
exports (upper-case emails; "(555) 013-2231", "+1 555 013 2231", "555.013.2231", …); every
address uses a reserved example domain, so no real mailbox can be hit.
"""

from __future__ import annotations

__all__ = [
    "FEMALE_NAMES",
    "LAST_NAMES",
    "MALE_NAMES",
    "REGIONS",
    "People",
    "draw_people",
    "format_phone",
]

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FEMALE_NAMES = _words(
    "Olivia Emma Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Emily Ella Elizabeth Camila "
    "Luna Sofia Avery Mila Aria Scarlett Penelope Layla Chloe Victoria Madison Eleanor Grace Nora "
    "Riley Zoey Hannah Hazel Lily Ellie Violet Lillian Zoe Stella Aurora Natalie Emilia Everly "
    "Leah Aubrey Willow Addison Lucy Audrey Bella Nova Priya Aisha Mei Yuki Fatima Ana Lucia Ngozi "
    "Ingrid Chiara Dana Maya Rosa Keiko Amara Leila Sana Nadia Elena Marta"
)
MALE_NAMES = _words(
    "Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi Alexander "
    "Jackson Mateo Daniel Michael Mason Sebastian Ethan Logan Owen Samuel Jacob Asher Aiden John "
    "Joseph Wyatt David Leo Luke Julian Hudson Grayson Matthew Ezra Gabriel Carter Isaac Jayden "
    "Luca Anthony Dylan Lincoln Thomas Maverick Elias Josiah Charles Raj Omar Kenji Wei Tunde "
    "Diego Marco Andre Ahmed Sven Pavel Ravi Kofi Hiro Tomas Malik Arjun Felix Hugo Ivan"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Okafor Nakamura Chen Wang Singh Kowalski "
    "Novak Larsen Rossi Schmidt Dubois Haddad Mensah Tanaka Ivanova Silva Costa Berg O'Brien "
    "McCarthy Fischer Becker Nair Gupta Sato Park Choi Ali Khan"
)

REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": ("Boston", "New York", "Philadelphia", "Providence", "Pittsburgh"),
    "Midwest": ("Chicago", "Minneapolis", "Columbus", "Detroit", "Madison"),
    "South": ("Atlanta", "Austin", "Nashville", "Miami", "Raleigh"),
    "West": ("Seattle", "Portland", "Denver", "San Francisco", "Los Angeles"),
}
_REGION_WEIGHTS = (0.22, 0.21, 0.31, 0.26)
_GENDERS = ("Female", "Male", "Non-binary", "")
_GENDER_WEIGHTS = (0.50, 0.44, 0.02, 0.04)
_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "inbox.example")


@dataclass(frozen=True)
class People:
    first: list[str]
    last: list[str]
    gender: list[str]
    age: list[int | None]
    region: list[str]
    city: list[str]
    email: list[str]
    phone: list[str]  # as exported: formatted, or empty where the customer gave none
    phone_digits: list[str]  # the number itself, ten digits


def format_phone(digits: str, style: int) -> str:
    """Write a 10-digit number in one of the formats seen in real exports."""
    a, b, c = digits[:3], digits[3:6], digits[6:]
    styles = (
        f"({a}) {b}-{c}",
        f"+1 {a} {b} {c}",
        f"{a}.{b}.{c}",
        f"{a}-{b}-{c}",
        f"{a}{b}{c}",
        f"+1-{a}-{b}-{c}",
    )
    return styles[style % len(styles)]


def _email(first: str, last: str, number: int, style: int, domain: str) -> str:
    f, la = first.lower(), last.lower().replace("'", "")
    local = (
        f"{f}.{la}",
        f"{f[0]}{la}",
        f"{f}{la}{number % 100}",
        f"{f}_{la}",
        f"{la}.{f}",
        f"{f}{number % 1000}",
    )[style % 6]
    return f"{local}@{domain}"


def draw_people(rng: np.random.Generator, n: int, exchange: int = 0) -> People:
    """Names, contact details and demographics of n people, independent of everything else.

    Phone numbers are distinct and start 555-`exchange`, so groups drawn with different
    exchanges (0-9) never share a number.
    """
    gender_idx = rng.choice(len(_GENDERS), size=n, p=np.array(_GENDER_WEIGHTS))
    female = rng.integers(0, len(FEMALE_NAMES), size=n)
    male = rng.integers(0, len(MALE_NAMES), size=n)
    coin = rng.random(n)
    last_idx = rng.integers(0, len(LAST_NAMES), size=n)
    ages: npt.NDArray[np.int64] = np.clip(np.rint(rng.normal(41, 13, size=n)), 18, 84).astype(
        np.int64
    )
    age_missing = rng.random(n) < 0.04
    region_idx = rng.choice(4, size=n, p=np.array(_REGION_WEIGHTS))
    city_idx = rng.integers(0, 5, size=n)
    email_style = rng.integers(0, 6, size=n)
    email_number = rng.integers(1, 10_000, size=n)
    domain_idx = rng.integers(0, len(_DOMAINS), size=n)
    upper = rng.random(n) < 0.06
    capitalised = rng.random(n) < 0.08
    phone_numbers = rng.choice(1_000_000, size=n, replace=False)
    phone_style = rng.integers(0, 6, size=n)
    phone_missing = rng.random(n) < 0.15

    regions = list(REGIONS)
    people = People([], [], [], [], [], [], [], [], [])
    seen: set[str] = set()
    for i in range(n):
        g = int(gender_idx[i])
        is_female = g == 0 or (g >= 2 and coin[i] < 0.5)
        first = FEMALE_NAMES[female[i]] if is_female else MALE_NAMES[male[i]]
        last = LAST_NAMES[last_idx[i]]
        email = _email(first, last, int(email_number[i]), int(email_style[i]), "")
        email += _DOMAINS[domain_idx[i]]
        while email in seen:  # the same name and style twice: add a number, as people do
            local, domain = email.split("@")
            email = f"{local}{len(seen) % 97}@{domain}"
        seen.add(email)
        if upper[i]:
            email = email.upper()
        elif capitalised[i]:
            email = email[0].upper() + email[1:]
        region = regions[region_idx[i]]
        digits = f"555{exchange}{phone_numbers[i]:06d}"
        people.first.append(first)
        people.last.append(last)
        people.gender.append(_GENDERS[g])
        people.age.append(None if age_missing[i] else int(ages[i]))
        people.region.append(region)
        people.city.append(REGIONS[region][city_idx[i]])
        people.email.append(email)
        people.phone.append("" if phone_missing[i] else format_phone(digits, int(phone_style[i])))
        people.phone_digits.append(digits)
    return people
