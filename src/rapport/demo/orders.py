"""From purchase events to order lines: timestamps, products, quantities, prices, returns.

Every purchase event becomes one order whose lines add up to the event's Gamma-Gamma value z
(to the cent, up to rounding each line's unit price): z is split into 1-4 shares of $12 or
more, and each share becomes a line of a product the customer's segment likes, in the quantity
that comes closest, at the unit price share / quantity: within 20% of list price for about 95%
of lines (read it as promotions and price changes), the closer the likelier. Where no liked
product comes that close, the closest is sold anyway. About 1.2% of lines are later returned:
a line with a negative Quantity and Total and the Order ID suffixed "-R".
"""

from __future__ import annotations

__all__ = ["Orders", "build_orders"]

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from .catalog import CHANNELS, PRODUCTS
from .purchases import FloatArray, IntArray
from .segments import Segment

_NIGHT_MORNING = (0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.0, 2.2, 1.8, 1.6, 1.6)
_AFTERNOON_EVENING = (1.8, 1.6, 1.4, 1.3, 1.3, 1.5, 1.8, 2.2, 2.3, 1.9, 1.2, 0.6)
_HOURS = np.array([*_NIGHT_MORNING, *_AFTERNOON_EVENING])  # relative order volume by hour
_MAX_QUANTITY = {
    "Coffee Beans": 10,
    "Subscriptions": 1,
    "Brewing Equipment": 2,
    "Accessories": 2,
    "Gifts": 4,
    "Office Coffee": 4,
}
_NOT_RETURNED = {"Subscriptions", "Office Coffee"}
RETURN_SHARE = 0.012
MIN_SHARE = 12.0  # an order is split into lines worth about this much or more
MAX_DEVIATION = 0.2  # of the unit price paid from list price, where a liked product allows
FIT = 12.0  # how strongly smaller deviations are preferred when choosing a line's product


@dataclass(frozen=True)
class Orders:
    """Orders sorted by customer, then time; lines sorted by order; times in seconds."""

    customer: IntArray
    ts: IntArray
    order_id: npt.NDArray[np.str_]
    channel: IntArray
    line_order: IntArray
    line_product: IntArray
    line_quantity: IntArray
    line_price: FloatArray  # unit price paid
    return_line: IntArray
    return_ts: IntArray
    return_quantity: IntArray

    def customer_offsets(self, n_customers: int) -> IntArray:
        """Orders of customer i are [offsets[i], offsets[i + 1])."""
        counts = np.bincount(self.customer, minlength=n_customers)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def line_offsets(self) -> IntArray:
        """Lines of order j are [offsets[j], offsets[j + 1])."""
        counts = np.bincount(self.line_order, minlength=len(self.customer))
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def last_activity(self, n_customers: int) -> IntArray:
        """Each customer's latest order or return, in seconds; -1 for customers with none."""
        last = np.full(n_customers, -1, dtype=np.int64)
        np.maximum.at(last, self.customer, self.ts)
        owners = self.customer[self.line_order[self.return_line]]
        np.maximum.at(last, owners, self.return_ts)
        return last

    def frame(self, start: date, customer_ids: list[str]) -> pd.DataFrame:
        """The rows of transactions.csv, sorted by time."""
        lo = self.line_order
        products = self.line_product
        rlo = lo[self.return_line]
        order = np.concatenate([lo, rlo])
        product = np.concatenate([products, products[self.return_line]])
        quantity = np.concatenate([self.line_quantity, -self.return_quantity])
        ts = np.concatenate([self.ts[lo], self.return_ts])
        suffix = np.concatenate([np.full(len(lo), ""), np.full(len(rlo), "-R")])
        price = np.concatenate([self.line_price, self.line_price[self.return_line]])
        stamp = np.datetime64(start.isoformat(), "s") + ts.astype("timedelta64[s]")
        customers = np.array(customer_ids)[self.customer[order]]
        frame = pd.DataFrame(
            {
                "Order ID": np.char.add(self.order_id[order], suffix),
                "CustomerID": customers,
                "Order Date": np.char.replace(np.datetime_as_string(stamp, unit="s"), "T", " "),
                "Product": np.array([p.name for p in PRODUCTS])[product],
                "Category": np.array([p.category for p in PRODUCTS])[product],
                "Quantity": quantity,
                "Unit Price": np.char.mod("%.2f", price),
                "Total": np.char.mod("%.2f", np.round(price * quantity, 2)),
                "Channel": np.array(CHANNELS)[self.channel[order]],
            }
        )
        by_time = np.lexsort((np.arange(len(frame)), ts))
        return frame.iloc[by_time].reset_index(drop=True)


def _preferences(segments: tuple[Segment, ...]) -> FloatArray:
    names = [p.name for p in PRODUCTS]
    prefs = np.zeros((len(segments), len(PRODUCTS)))
    for s, segment in enumerate(segments):
        for name, weight in segment.products.items():
            prefs[s, names.index(name)] = weight
    normalised: FloatArray = prefs / prefs.sum(axis=1, keepdims=True)
    return normalised


def _choose_rows(rng: np.random.Generator, weights: FloatArray) -> IntArray:
    """One column per row, with probability proportional to the row's weights."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    choice: IntArray = np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)
    return choice.astype(np.int64)


def _timestamps(rng: np.random.Generator, weeks: FloatArray, days: int) -> IntArray:
    day = np.clip(np.floor(weeks * 7.0), 0, days - 1).astype(np.int64)
    hour = rng.choice(24, size=len(weeks), p=_HOURS / _HOURS.sum())
    return day * 86400 + hour * 3600 + rng.integers(0, 3600, size=len(weeks))


def build_orders(
    rng: np.random.Generator,
    event_customer: IntArray,
    event_week: FloatArray,
    value: FloatArray,
    segment_of: IntArray,
    segments: tuple[Segment, ...],
    days: int,
) -> Orders:
    """Orders and lines for purchase events (customer, calendar week, value z)."""
    prefs = _preferences(segments)
    prices = np.array([p.price for p in PRODUCTS])
    max_qty = np.array([_MAX_QUANTITY[p.category] for p in PRODUCTS])
    prices2, max_qty2 = np.tile(prices, 2), np.tile(max_qty, 2)[None, :]  # floor, ceil quantity

    ts = _timestamps(rng, event_week, days)
    by_customer = np.lexsort((ts, event_customer))
    customer, ts, value = event_customer[by_customer], ts[by_customer], value[by_customer]
    n_orders = len(customer)

    most = np.clip(np.floor(value / MIN_SHARE) - 1, 0, 3).astype(np.int64)  # lines of $12+
    n_lines = 1 + np.minimum(rng.poisson(value / 60.0), most)
    line_order = np.repeat(np.arange(n_orders), n_lines)
    w = rng.gamma(4.0, size=len(line_order))
    share = value[line_order] * w / np.bincount(line_order, weights=w)[line_order]
    product = np.empty(len(line_order), dtype=np.int64)
    quantity = np.empty(len(line_order), dtype=np.int64)
    line_seg = segment_of[customer[line_order]]
    n_products = len(PRODUCTS)
    for lo in range(0, len(line_order), 100_000):
        sl = slice(lo, lo + 100_000)
        ratio = share[sl, None] / prices[None, :]
        qty = np.clip(np.concatenate([np.floor(ratio), np.ceil(ratio)], axis=1), 1, max_qty2)
        deviation = np.abs(share[sl, None] / (qty * prices2[None, :]) - 1.0)
        fits = deviation <= MAX_DEVIATION
        liked = np.tile(prefs[line_seg[sl]], 2)
        weights = liked * np.exp(-FIT * deviation)
        weights = np.where(((liked > 0) & fits).any(axis=1, keepdims=True), weights * fits, weights)
        chosen = _choose_rows(rng, weights)
        product[sl] = chosen % n_products
        quantity[sl] = qty[np.arange(len(chosen)), chosen].astype(np.int64)
    paid = np.round(share / quantity, 2)

    # the same product twice in one order is one line
    key = line_order * len(PRODUCTS) + product
    unique_key, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    merged_qty = np.bincount(inverse, weights=quantity).astype(np.int64)
    merged_total = np.bincount(inverse, weights=quantity * paid)
    keep = np.argsort(first, kind="stable")
    line_order = (unique_key[keep] // len(PRODUCTS)).astype(np.int64)
    product = (unique_key[keep] % len(PRODUCTS)).astype(np.int64)
    quantity = merged_qty[keep]
    price = np.round(merged_total[keep] / quantity, 2)

    channel = _channels(rng, customer, line_order, product, segment_of, segments)
    global_rank = np.empty(n_orders, dtype=np.int64)
    global_rank[np.lexsort((customer, ts))] = np.arange(n_orders)
    order_id = np.char.add("NR-", (100001 + global_rank).astype(str))

    categories = np.array([p.category for p in PRODUCTS])
    returnable = ~np.isin(categories[product], list(_NOT_RETURNED))
    returned = returnable & (rng.random(len(product)) < RETURN_SHARE)
    return_ts = ts[line_order] + rng.integers(2 * 86400, 21 * 86400, size=len(product))
    returned &= return_ts < days * 86400
    return_line = np.flatnonzero(returned).astype(np.int64)
    return_quantity = np.where(rng.random(len(return_line)) < 0.3, quantity[return_line], 1).astype(
        np.int64
    )
    return Orders(
        customer=customer.astype(np.int64),
        ts=ts.astype(np.int64),
        order_id=order_id,
        channel=channel,
        line_order=line_order,
        line_product=product,
        line_quantity=quantity.astype(np.int64),
        line_price=price,
        return_line=return_line,
        return_ts=return_ts[return_line].astype(np.int64),
        return_quantity=return_quantity,
    )


def _channels(
    rng: np.random.Generator,
    customer: IntArray,
    line_order: IntArray,
    product: IntArray,
    segment_of: IntArray,
    segments: tuple[Segment, ...],
) -> IntArray:
    """Subscription orders come through 'Subscription'; others by the segment's habits."""
    prefs = np.zeros((len(segments), len(CHANNELS)))
    for s, segment in enumerate(segments):
        for name, weight in segment.channels.items():
            if name != "Subscription":
                prefs[s, CHANNELS.index(name)] = weight
    channel = _choose_rows(rng, prefs[segment_of[customer]])
    is_sub = np.array([p.category == "Subscriptions" for p in PRODUCTS])[product]
    has_sub = np.bincount(line_order, weights=is_sub, minlength=len(customer)) > 0
    channel[has_sub] = CHANNELS.index("Subscription")
    return channel
