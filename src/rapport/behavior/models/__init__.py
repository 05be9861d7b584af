"""BTYD ("buy till you die") models: who will buy again, how often, for how much, and for how
long. BG/NBD, MBG/NBD and Pareto/NBD for repeat purchases, Gamma-Gamma for spend, sBG for
contract renewals; customer lifetime value and calibration/holdout validation on top of them.
"""

from rapport.behavior.models.bgnbd import BetaGeoModel
from rapport.behavior.models.clv import customer_lifetime_value
from rapport.behavior.models.gammagamma import GammaGammaModel
from rapport.behavior.models.mbgnbd import ModifiedBetaGeoModel
from rapport.behavior.models.paretonbd import ParetoNBDModel
from rapport.behavior.models.sbg import ShiftedBetaGeoModel
from rapport.behavior.models.validation import calibration_holdout_report

__all__ = [
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "ShiftedBetaGeoModel",
    "calibration_holdout_report",
    "customer_lifetime_value",
]
