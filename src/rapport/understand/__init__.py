"""Understanding: what the behaviour and voice stages found, turned into knowledge of people.

Customer profiles, knowledge coverage, say-vs-do triangulation, key drivers, needs-based
personas, trends and research plans. Run by `rapport analyze` after the behaviour and voice
stages; every part reads tables and returns frames, and `analysis.analyze_understanding`
writes them.
"""

from __future__ import annotations

__all__: list[str] = []
