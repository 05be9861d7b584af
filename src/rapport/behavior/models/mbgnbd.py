"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

BG/NBD with one more chance to drop out: right after the first purchase, so a customer with no
repeat purchase may already be inactive. For x repeat purchases, the last at t_x, observed for T:

    L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + B(a+1, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))

The likelihood and predictions are BG/NBD's with b shifted by one where the dropout
opportunities are counted (see `BetaGeoModel`).
"""

from __future__ import annotations

__all__ = ["ModifiedBetaGeoModel"]

from typing import ClassVar

from rapport.behavior.models.bgnbd import BetaGeoModel


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD: BG/NBD where customers may also drop out right after their first purchase.
    Parameters r, alpha (purchase rates) and a, b (dropout); time in `time_unit`."""

    _shift: ClassVar[int] = 1
