"""The demo business: Northwind Roasters, an online specialty coffee shop with an office-coffee
(B2B) slice, generated from a seed with planted ground truth (see README.md in this folder)."""

from __future__ import annotations

__all__ = ["DemoFiles", "generate_demo"]

from .generator import DemoFiles, generate_demo
