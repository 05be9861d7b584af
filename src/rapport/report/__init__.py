"""The static, self-contained HTML report: `render_report(ws)` (and `rapport report -o FILE`)."""

from rapport.report.html import render_report

__all__ = ["render_report"]
