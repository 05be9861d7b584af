"""The models are importable where the issue and the README say: rapport.behavior.*."""

from __future__ import annotations

import rapport.behavior as behavior
from rapport.behavior.models.bgnbd import BetaGeoModel


def test_models_are_exported_from_the_behavior_package() -> None:
    assert behavior.BetaGeoModel is BetaGeoModel
    for name in ("ModifiedBetaGeoModel", "ParetoNBDModel", "GammaGammaModel",
                 "ShiftedBetaGeoModel"):
        model = getattr(behavior, name)()
        assert hasattr(model, "fit")
    assert behavior.__all__ == sorted(behavior.__all__)
