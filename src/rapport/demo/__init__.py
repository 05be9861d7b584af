"""The demo business: Northwind Roasters, an online specialty coffee shop with an office-coffee
(B2B) slice, generated from a seed with planted ground truth (see README.md in this folder)."""

from __future__ import annotations

__all__ = ["DemoFiles", "competitor_names", "generate_demo"]

from .generator import DemoFiles, generate_demo


def competitor_names() -> list[str]:
    """The competitors Northwind Roasters knows of: what its owner would put in the setting
    `voice.competitors` (segment competitors and the office-coffee rivals)."""
    from .dossier import RIVALS
    from .segments import SEGMENTS

    names = {c.name for s in SEGMENTS for c in s.competitors} | {r[0] for r in RIVALS}
    return sorted(names)
