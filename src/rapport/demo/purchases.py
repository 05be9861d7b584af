"""The purchase process of the demo business: BG/NBD for when customers buy, Gamma-Gamma for
how much they spend, with a mild yearly seasonality applied as a change of time.

BG/NBD (Fader, Hardie and Lee, 2005), time unit weeks, simulated exactly:

- each customer's purchase rate λ ~ Gamma(shape r, rate α), multiplied by their segment's rate
  multiplier m (so within a segment λ ~ Gamma(r, α / m));
- each customer's dropout probability p ~ Beta(a, b);
- after the first purchase the customer buys as a Poisson process with rate λ; after every
  *repeat* purchase they drop out, for good, with probability p.

Seasonality is a change of time, not thinning: calendar time t is mapped to exposure time
τ = S(t) = ∫₀ᵗ s(u) du, where s is a monthly multiplier whose day-weighted mean over a year is 1
(December peak). Purchases are exactly BG/NBD in τ: a customer first buying at t₀ makes, by the
end, X repeat purchases with E[X | λ, p] = (1 - exp(-λ p τ)) / p and τ = S(end) - S(t₀) (the
customer's `exposure_weeks`). Because the multipliers average 1 over a year, τ stays within a few
per cent of the calendar T, so a BG/NBD fitted in calendar weeks recovers (r, α, a, b) up to that
small distortion plus the segment mixture (the pooled λ is a mixture of Gamma(r, α / m)).

Gamma-Gamma (Fader, Hardie and Lee, 2005b): each customer's spend rate ν ~ Gamma(q, rate γ),
divided by the segment's spend multiplier (so within a segment ν ~ Gamma(q, γ·m)); each order's
value z ~ Gamma(p, rate ν), so the customer's mean order value is p / ν.

First purchases (acquisition) fall in the first 60% of the period with a density that follows
ACQUISITION (more in November and December).
"""

from __future__ import annotations

__all__ = [
    "ACQUISITION",
    "SEASONALITY",
    "BGNBDParams",
    "Calendar",
    "GammaGammaParams",
    "PurchaseHistory",
    "draw_first_purchases",
    "draw_rates",
    "draw_spend",
    "simulate_purchases",
]

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.float64)


def _mean_one(raw: tuple[float, ...]) -> tuple[float, ...]:
    values = np.array(raw)
    mean = float((values * _MONTH_DAYS).sum() / _MONTH_DAYS.sum())
    return tuple(round(float(v) / mean, 4) for v in values)


SEASONALITY: tuple[float, ...] = _mean_one(
    (0.92, 0.88, 0.95, 0.95, 0.97, 0.92, 0.86, 0.88, 1.00, 1.05, 1.20, 1.45)
)
"""Monthly purchase-rate multipliers, January first; day-weighted mean over a year is 1."""

ACQUISITION: tuple[float, ...] = (1.1, 0.9, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.4, 2.0)
"""Monthly relative density of first purchases, January first."""


@dataclass(frozen=True)
class BGNBDParams:
    r: float = 0.4
    alpha: float = 7.0
    a: float = 0.8
    b: float = 2.5


@dataclass(frozen=True)
class GammaGammaParams:
    p: float = 6.0
    q: float = 4.0
    gamma: float = 16.0


@dataclass(frozen=True)
class Calendar:
    """The observation period: `weeks` whole weeks ending at the end of the day `end`."""

    end: date
    weeks: int = 130

    @property
    def days(self) -> int:
        return self.weeks * 7

    @property
    def start(self) -> date:
        return self.end + timedelta(days=1) - timedelta(days=self.days)

    @property
    def horizon_seconds(self) -> int:
        """The end of the period, in seconds since its start."""
        return self.days * 86400

    def timestamp(self, seconds: int) -> str:
        """ISO timestamp of a time given in seconds since the start."""
        moment = datetime.combine(self.start, time()) + timedelta(seconds=int(seconds))
        return moment.isoformat()

    def day_months(self) -> IntArray:
        """The month (0 = January) of every day of the period."""
        first = np.datetime64(self.start.isoformat(), "D")
        days = first + np.arange(self.days)
        months = days.astype("datetime64[M]").astype(np.int64) % 12
        return months.astype(np.int64)

    def _knots(self) -> tuple[FloatArray, FloatArray]:
        rate = np.array(SEASONALITY)[self.day_months()]
        t = np.arange(self.days + 1, dtype=np.float64) / 7.0
        s = np.concatenate([[0.0], np.cumsum(rate) / 7.0])
        return t, s

    def exposure(self, weeks: FloatArray) -> FloatArray:
        """S(t): seasonality-adjusted weeks from the start to calendar week t."""
        t, s = self._knots()
        return np.interp(weeks, t, s)

    def calendar_weeks(self, exposure: FloatArray) -> FloatArray:
        """S⁻¹(τ): the calendar week at which the exposure τ is reached."""
        t, s = self._knots()
        return np.interp(exposure, s, t)


@dataclass(frozen=True)
class PurchaseHistory:
    """Simulated purchases of n buyers; events are sorted by customer, then time.

    `event_customer` and `event_week` hold every purchase, the first one included; times are
    calendar weeks since the start of the period.
    """

    event_customer: IntArray
    event_week: FloatArray
    repeat_purchases: IntArray
    alive_at_end: BoolArray
    exposure_weeks: FloatArray


def draw_rates(
    rng: np.random.Generator, multipliers: FloatArray, params: BGNBDParams
) -> tuple[FloatArray, FloatArray]:
    """Each customer's effective purchase rate λ (per week) and dropout probability p."""
    n = len(multipliers)
    lam = rng.gamma(params.r, 1.0 / params.alpha, size=n) * multipliers
    p = np.clip(rng.beta(params.a, params.b, size=n), 1e-9, 1.0)
    return lam, p


def draw_first_purchases(rng: np.random.Generator, calendar: Calendar, n: int) -> FloatArray:
    """First-purchase times (calendar weeks) over the first 60% of the period."""
    window = int(calendar.days * 0.6)
    weights = np.array(ACQUISITION)[calendar.day_months()[:window]]
    day = rng.choice(window, size=n, p=weights / weights.sum())
    return (day + rng.random(n)) / 7.0


def simulate_purchases(
    rng: np.random.Generator,
    lam: FloatArray,
    p: FloatArray,
    first_week: FloatArray,
    calendar: Calendar,
) -> PurchaseHistory:
    """Repeat purchases of each customer up to the end of the period, by BG/NBD in exposure time.

    The number of Poisson events in the customer's exposure window is N ~ Poisson(λτ); the
    number of repeat purchases before dropping out is J ~ Geometric(p) on {1, 2, ...}; the
    customer makes the first min(N, J) of the N events and is alive at the end iff J > N.
    """
    n = len(lam)
    tau0 = calendar.exposure(first_week)
    tau = calendar.exposure(np.array([float(calendar.weeks)]))[0] - tau0
    events = rng.poisson(lam * tau)
    lifetime = rng.geometric(p)
    made = np.minimum(events, lifetime)

    owner = np.repeat(np.arange(n), events)
    u = rng.random(len(owner)) * tau[owner]
    order = np.lexsort((u, owner))
    u = u[order]
    starts = np.concatenate([[0], np.cumsum(events)[:-1]])
    rank = np.arange(len(owner)) - starts[owner]
    keep = rank < made[owner]
    repeat_owner = owner[keep]
    repeat_week = calendar.calendar_weeks(tau0[repeat_owner] + u[keep])

    customer = np.concatenate([np.arange(n), repeat_owner])
    week = np.concatenate([first_week, repeat_week])
    by_time = np.lexsort((week, customer))
    return PurchaseHistory(
        event_customer=customer[by_time].astype(np.int64),
        event_week=week[by_time],
        repeat_purchases=made.astype(np.int64),
        alive_at_end=lifetime > events,
        exposure_weeks=tau,
    )


def draw_spend(
    rng: np.random.Generator,
    multipliers: FloatArray,
    event_customer: IntArray,
    params: GammaGammaParams,
) -> tuple[FloatArray, FloatArray]:
    """Each customer's mean order value p/ν, and the value z of each purchase event."""
    nu = rng.gamma(params.q, 1.0 / (params.gamma * multipliers))
    z = rng.gamma(params.p, 1.0 / nu[event_customer])
    return params.p / nu, z
