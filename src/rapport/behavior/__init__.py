"""The outer life: per-customer summaries, RFM, cohorts, the loyalty ladder and BTYD models."""

from rapport.behavior.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
    calibration_holdout_report,
    customer_lifetime_value,
)

__all__ = [
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "ShiftedBetaGeoModel",
    "calibration_holdout_report",
    "customer_lifetime_value",
]
