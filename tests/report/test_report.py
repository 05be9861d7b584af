"""The static report: what it shows, that it is self-contained, that customer text stays inert
and that its readers (viewers) see no personal data."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markupsafe import escape
from typer.testing import CliRunner

import rapport
from rapport.behavior.ladder import LADDER
from rapport.cli import app
from rapport.report import render_report
from rapport.report.privacy import NameMask

HOSTILE = ("<script>alert(1)</script> great coffee, really great coffee",
           'The " onmouseover="alert(2) beans were stale and the bag was torn',
           "<img src=x onerror=alert(3)> delivery was late again, very late delivery")
PLAIN = ("Lovely fresh beans, great taste", "Delivery was two days late",
         "The grinder broke after a week", "Great customer service, friendly staff",
         "Price went up again, too expensive")


@pytest.fixture(scope="module")
def report(demo_store: Any) -> str:
    return render_report(demo_store.ws, title="Northwind Roasters")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store of feedback written to break out of HTML, analysed, and its report."""
    folder = tmp_path_factory.mktemp("hostile")
    texts = [t + " !" * (i % 3) for i in range(8) for t in (*HOSTILE, *PLAIN)]
    pd.DataFrame({
        "customer": [f"u{i}@example.com" for i in range(len(texts))],
        "comment": texts,
        "date": pd.date_range("2024-01-01", periods=len(texts), freq="3D").strftime("%Y-%m-%d"),
    }).to_csv(folder / "feedback.csv", index=False)
    with rapport.open(folder / "hostile.duckdb") as ws:
        ws.ingest(folder / "feedback.csv", "feedback",
                  mapping=["email=customer", "text=comment", "ts=date"])
        ws.analyze()
        return render_report(ws, title='<b>"Shop"</b> & co')


def test_report_shows_the_overview_voice_and_personas(demo_store: Any, report: str) -> None:
    ws = demo_store.ws
    assert report.startswith("<!doctype html>")
    assert "<h1>Northwind Roasters</h1>" in report
    assert "How well do you know your customers?" in report
    assert f'<div class="score">{ws.coverage()["score"]:,.0f}<small>/100' in report
    stages = {r["stage"]: r["n"] for r in ws.sql(
        "SELECT stage, count(*) AS n FROM customer_behavior GROUP BY 1").to_pylist()}
    for stage in LADDER:
        assert f'<td>{stage}</td><td class="num">{stages.get(stage, 0):,}</td>' in report
    for persona in ws.personas():
        assert f"<h3>{escape(persona['name'])}</h3>" in report
    for theme in ws.themes(level=1, limit=10):
        assert f'<td class="lead">{escape(theme["label"])}</td>' in report
    top_risk = ws.customers(stage="at-risk", sort="clv", limit=1)[0]
    assert f"<td>{top_risk['customer_id']}</td>" in report
    assert len(re.findall(r'<svg [^>]*class="chart"', report)) >= 7
    flows = ws.recent_flows()
    assert f"Between {flows['from']} and {flows['to']}" in report
    assert f"moves on the ladder since {flows['from']}" in report
    assert "How to read this" in report
    assert '<td class="lead">detractor who stays</td>' in report  # insight types in words
    assert "detractor_stays" not in report and "detractor stays" not in report


def test_report_is_self_contained(report: str) -> None:
    assert "<script" not in report.lower()
    assert "http:" not in report and "https:" not in report
    links = re.findall(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)""",
                       report, flags=re.IGNORECASE)
    assert links and all(link.startswith("#") for link in links), links
    assert "url(" not in report and "@import" not in report and "<link" not in report
    assert "<iframe" not in report and "<img" not in report
    assert "default-src 'none'" in report  # the Content-Security-Policy
    assert '<meta name="viewport" content="width=device-width' in report
    assert "max-width" in report and "flex-wrap" in report and "width: 100%" in report


def test_viewers_see_no_personal_data(demo_store: Any, report: str) -> None:
    text = html.unescape(report)
    people = demo_store.ws.sql("SELECT name, email, phone FROM customers UNION ALL "
                               "SELECT name, NULL, NULL FROM contacts").to_pylist()
    leaked = {v for row in people for v in row.values() if v and v in text}
    assert not leaked
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)


def test_names_the_redactor_missed_are_masked(demo_store: Any) -> None:
    ws = demo_store.ws
    name = ws.sql("SELECT name FROM customers WHERE name LIKE '% %' ORDER BY customer_id "
                  "LIMIT 1").column(0)[0].as_py()
    mask = NameMask(ws)
    said = {"quotes": [f"Tasting hosted by {name.upper()}, mail me at x.y@example.org",
                       ("a tuple", name)], "n": 3}
    assert mask(said) == {"quotes": ["Tasting hosted by [name], mail me at [email]",
                                     ("a tuple", "[name]")], "n": 3}
    assert mask("Great coffee, great service") == "Great coffee, great service"


def test_customer_text_stays_inert(hostile_report: str) -> None:
    for raw in ("<script>alert", "<img src=x", '" onmouseover=', "<b>"):
        assert raw not in hostile_report
    # the words are shown, escaped
    for shown in ("&lt;script&gt;alert(1)&lt;/script&gt; great coffee", "&lt;img src=x",
                  "&#34; onmouseover=&#34;alert(2)", "&lt;b&gt;&#34;Shop&#34;&lt;/b&gt; &amp; co"):
        assert shown in hostile_report
    assert "<script" not in hostile_report.lower()


def test_parts_without_data_say_so(tmp_path: Path, hostile_report: str) -> None:
    with rapport.open(tmp_path / "empty.duckdb") as ws:
        empty = render_report(ws)
    assert "<h1>empty</h1>" in empty
    assert "No feedback analysed yet" in empty
    assert "No purchases analysed yet" in empty
    assert "Not built yet" in empty
    # feedback but no purchases: the voice parts show, the ladder says why it cannot
    assert "No purchases analysed yet" in hostile_report
    assert "No feedback analysed yet" not in hostile_report


def test_cli_writes_the_report(demo_store: Any, tmp_path: Path) -> None:
    store = demo_store.copy_to(tmp_path / "copy.duckdb")
    target = tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(app, ["report", "-o", str(target), "--store", str(store),
                                 "--title", "Northwind Roasters"])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output.replace("\n", "") and "KB" in result.output
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<h1>Northwind Roasters</h1>" in page
    failed = runner.invoke(app, ["report", "-o", str(tmp_path / "no" / "r.html"),
                                 "--store", str(store)])
    assert failed.exit_code == 1 and "Error:" in failed.output
    missing = runner.invoke(app, ["report", "-o", str(target), "--store",
                                  str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
