"""The loyalty ladder: where each customer stands, and how they moved between two dates.

The ladder (one rule per rung; the thresholds are settings, see `rapport.settings`):

- prospect: known, never bought;
- first-time buyer: bought in one purchase period only (frequency 0);
- repeat customer: bought in two or more periods, and is not loyal;
- loyal: at least `loyal_min_orders` purchase periods, spread over `loyal_min_tenure_days`
  or more, not overdue by more than `loyal_max_overdue` × their own median gap, and
  P(alive) ≥ `loyal_min_p_alive`;
- customer for life: loyal, and engaged beyond buying (positive feedback: a promoter score,
  four or five stars, positive words; suggestions; recommending).

Beside the ladder, each buyer has a status (the first rule that applies):

- lapsed: repeat buyers with P(alive) < `lapsed_p_alive`; first-time buyers whose only
  purchase is older than `single_buyer_lapse_days`;
- at risk: repeat buyers with P(alive) < `at_risk_p_alive` or overdue by more than
  `at_risk_overdue` × their median gap; first-time buyers whose only purchase is older
  than `single_buyer_risk_days`;
- won back: repeat buyers whose gap before their latest purchase exceeded
  `won_back_gap_days`, and whose latest purchase is at most `won_back_recent_days` old;
- active: otherwise.

Prospects have the status "never bought". (BG/NBD gives a one-time buyer P(alive) = 1 whatever
their age, so first-time buyers are judged by the age of their purchase instead.)
"""

from __future__ import annotations

__all__ = [
    "LADDER",
    "STATUSES",
    "LadderSettings",
    "assign_stages",
    "ladder_flows",
]

import math
import numbers
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from rapport import settings
from rapport.errors import ConfigError

LADDER = ("prospect", "first-time buyer", "repeat customer", "loyal", "customer for life")
STATUSES = ("never bought", "active", "won back", "at risk", "lapsed")
_RANK = {stage: i for i, stage in enumerate(LADDER)}
_HEALTH = {"never bought": 0, "active": 3, "won back": 3, "at risk": 2, "lapsed": 1}


@dataclass(frozen=True)
class LadderSettings:
    """The thresholds of the ladder; defaults come from the settings registry."""

    loyal_min_orders: int
    loyal_min_tenure_days: float
    loyal_max_overdue: float
    loyal_min_p_alive: float
    at_risk_overdue: float
    at_risk_p_alive: float
    lapsed_p_alive: float
    single_buyer_lapse_days: float
    single_buyer_risk_days: float
    won_back_gap_days: float
    won_back_recent_days: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            probability = f.name.endswith("p_alive")
            low = 1.0 if f.name == "loyal_min_orders" else 0.0  # every other: 0 or more
            high = 1.0 if probability else math.inf
            if not (isinstance(value, numbers.Real) and low <= float(value) <= high):
                wanted = ("a probability from 0 to 1" if probability
                          else f"a number of at least {low:g}")
                raise ConfigError(f"ladder setting {f.name}={value!r} (environment variable "
                                  f"{settings.SETTINGS['ladder.' + f.name].env}) must be "
                                  f"{wanted}.")
        for lower, upper in (("lapsed_p_alive", "at_risk_p_alive"),
                             ("single_buyer_risk_days", "single_buyer_lapse_days")):
            if getattr(self, lower) > getattr(self, upper):
                raise ConfigError(
                    f"ladder settings {lower}={getattr(self, lower):g} and "
                    f"{upper}={getattr(self, upper):g}: lapsed must be a worse state than at "
                    f"risk, so {lower} cannot be above {upper}.")

    @classmethod
    def from_settings(cls, **overrides: Any) -> LadderSettings:
        values = {f.name: settings.get(f"ladder.{f.name}", overrides.get(f.name))
                  for f in fields(cls)}
        return cls(**values)


def assign_stages(
    behavior: pd.DataFrame, rules: LadderSettings | None = None
) -> pd.DataFrame:
    """Add `stage` and `status` to one row per customer.

    Needs the columns frequency, first_purchase, last_purchase, days_since_last_purchase,
    median_gap_days, overdue_ratio, p_alive, last_gap_days (days between the last two
    purchase periods) and engaged (bool: engaged beyond buying); a customer with a null
    `first_purchase` never bought.
    """
    r = rules or LadderSettings.from_settings()
    df = behavior
    bought = df["first_purchase"].notna().to_numpy()
    freq = df["frequency"].fillna(0).to_numpy()
    tenure = ((df["last_purchase"] - df["first_purchase"]).dt.total_seconds() / 86_400).fillna(0)
    overdue = df["overdue_ratio"].to_numpy(dtype=float, na_value=np.nan)
    p_alive = df["p_alive"].to_numpy(dtype=float, na_value=np.nan)
    since = df["days_since_last_purchase"].to_numpy(dtype=float, na_value=np.nan)
    last_gap = df["last_gap_days"].to_numpy(dtype=float, na_value=np.nan)
    engaged = df["engaged"].fillna(False).to_numpy(dtype=bool)

    with np.errstate(invalid="ignore"):
        loyal = (
            (freq + 1 >= r.loyal_min_orders)
            & (tenure.to_numpy() >= r.loyal_min_tenure_days)
            & (np.nan_to_num(overdue, nan=np.inf) <= r.loyal_max_overdue)
            & (np.nan_to_num(p_alive, nan=0.0) >= r.loyal_min_p_alive)
        )
        stage = np.select(
            [~bought, freq == 0, loyal & engaged, loyal],
            ["prospect", "first-time buyer", "customer for life", "loyal"],
            default="repeat customer",
        )
        repeat = bought & (freq > 0)
        single = bought & (freq == 0)
        status = np.select(
            [
                ~bought,
                repeat & (np.nan_to_num(p_alive, nan=1.0) < r.lapsed_p_alive),
                single & (since > r.single_buyer_lapse_days),
                repeat & ((np.nan_to_num(p_alive, nan=1.0) < r.at_risk_p_alive)
                          | (np.nan_to_num(overdue, nan=0.0) > r.at_risk_overdue)),
                single & (since > r.single_buyer_risk_days),
                repeat & (np.nan_to_num(last_gap, nan=0.0) > r.won_back_gap_days)
                & (since <= r.won_back_recent_days),
            ],
            ["never bought", "lapsed", "lapsed", "at risk", "at risk", "won back"],
            default="active",
        )
    out = df.copy()
    out["stage"] = stage
    out["status"] = status
    return out


def ladder_flows(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """How each customer moved between two dates: moved up, slipped, won back, new, same.

    `before` and `after` have customer_id, stage and status (from `assign_stages` at two
    observation dates). Customers absent before are "new".
    """
    b = before[["customer_id", "stage", "status"]]
    a = after[["customer_id", "stage", "status"]]
    m = a.merge(b, on="customer_id", how="outer", suffixes=("_after", "_before"))
    m["stage_before"] = m["stage_before"].fillna("prospect")
    m["status_before"] = m["status_before"].fillna("never bought")
    rank_b = m["stage_before"].map(_RANK)
    rank_a = m["stage_after"].map(_RANK)
    health_b = m["status_before"].map(_HEALTH)
    health_a = m["status_after"].map(_HEALTH)
    was_gone = m["status_before"].isin(["lapsed", "at risk"])
    is_back = m["status_after"].isin(["active", "won back"])
    m["move"] = np.select(
        [
            m["stage_before"].eq("prospect") & m["stage_after"].ne("prospect"),
            was_gone & is_back,
            rank_a > rank_b,
            (rank_a < rank_b) | (health_a < health_b),
        ],
        ["new", "won back", "moved up", "slipped"],
        default="unchanged",
    )
    return m[["customer_id", "stage_before", "status_before", "stage_after", "status_after",
              "move"]]
