"""Understanding: what the behaviour and voice stages found, turned into knowledge of people.

Customer profiles, knowledge coverage, say-vs-do triangulation, key drivers, needs-based
personas, trends, the last period's ladder flows and research plans. Run by `rapport analyze`
after the behaviour and voice stages; every part reads tables and returns frames, and
`analyze_understanding` writes them. See docs/understand.md.
"""

from __future__ import annotations

__all__ = [
    "Built",
    "Framework",
    "UnderstandRun",
    "analyze_understanding",
    "build_coverage",
    "build_drivers",
    "build_flows",
    "build_personas",
    "build_plans",
    "build_say_do",
    "build_trends",
    "customer_profile",
    "load_framework",
    "research_plan",
]

from .analysis import UnderstandRun, analyze_understanding
from .coverage import build_coverage
from .drivers import build_drivers
from .flows import build_flows
from .knowledge import Framework, load_framework
from .personas import build_personas
from .plans import build_plans, research_plan
from .profile import customer_profile
from .result import Built
from .say_do import build_say_do
from .trends import build_trends
