"""The SVG charts: labels escaped and kept inside the picture."""

from __future__ import annotations

import re

from rapport.charts import bar_chart, histogram, line_chart


def _texts(svg: str) -> list[tuple[float, str, str]]:
    return [(float(x), anchor, text) for x, anchor, text in re.findall(
        r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg)]


def test_histogram_axis_labels_stay_inside_the_chart() -> None:
    svg = histogram([1.0, 2.0, 30.0, 2548.0] * 10, title="CLV", width=400)
    width = float(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    ticks = [t for t in _texts(svg) if t[2] != "CLV"]
    last = max(ticks, key=lambda t: t[0])
    assert last[2] == "2,548" and last[1] == "end" and last[0] <= width  # it ends at the edge
    for x, anchor, _ in ticks:
        assert 0 <= x <= width and anchor in ("start", "middle", "end")
    assert "no data yet" in histogram([], title="CLV")


def test_chart_labels_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & "quotes"'
    for svg in (bar_chart([(hostile, 1.0)], title=hostile),
                line_chart([(hostile, 0.5), ("b", -0.5)], title=hostile),
                histogram([1.0, 2.0], title=hostile)):
        assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_bar_labels_are_cut_to_the_room_left_of_the_bars() -> None:
    long = "see northwind roasters / friendly independent roaster"
    svg = bar_chart([(long, 78.0), ("flavour / taste", 103.0)], title="themes", width=400,
                    label_width=170)
    shown = [text for _, anchor, text in _texts(svg) if anchor == "end"]
    assert shown[1] == "flavour / taste"
    assert shown[0].endswith("…") and long.startswith(shown[0][:-1])
    assert len(shown[0]) * 6.6 <= 170 - 8  # it fits in front of the bar at 12 px
    assert f"<title>{long}: 78</title>" in svg  # the whole label on hover
