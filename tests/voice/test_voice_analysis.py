"""The voice stage end to end on real stores: the demo business (checked against its ground
truth), Olist's Portuguese reviews, PII in feedback, re-analysis, codebooks and the CLI."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import rapport
from rapport.cli import app
from rapport.errors import ConfigError
from rapport.voice.analysis import VOICE_TABLES, theme_sample, voice_frames
from rapport.voice.embed import ACCURATE_MODEL, FAST_MODEL

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[rapport.Workspace, dict]]:
    folder = tmp_path_factory.mktemp("demo")
    ws = rapport.open(folder / "store.duckdb")
    result = ws.demo(customers=600, seed=11, out_dir=folder / "data")
    truth = json.loads(Path(result["ground_truth"]).read_text())
    yield ws, {"result": result, "truth": truth}
    ws.close()


def test_demo_runs_the_voice_stage(demo: tuple[rapport.Workspace, dict]) -> None:
    ws, info = demo
    voice = info["result"]["analysis"]["voice"]
    assert voice["statements"] > 500 and voice["themes"] >= 3
    assert set(VOICE_TABLES) <= set(ws.sql(
        "SELECT table_name FROM information_schema.tables").column(0).to_pylist())
    s = ws.sql("SELECT * FROM statements").to_pandas()
    assert {"statement_id", "feedback_id", "customer_id", "ts", "text", "sentiment",
            "sentiment_label"} <= set(s.columns)
    assert s["sentiment"].between(-1, 1).all()
    assert set(s["sentiment_label"]) <= {"negative", "neutral", "positive"}
    # Offsets point back into the feedback text (where nothing was redacted).
    raw = ws.sql("SELECT feedback_id, text FROM feedback").to_pandas().set_index("feedback_id")
    plain = s[~s["text"].str.contains(r"\[(?:name|email|phone|card|url|id)\]")]
    for row in plain.head(300).itertuples():
        assert raw.loc[row.feedback_id, "text"][row.start:row.end] == row.text


def test_statement_facets_match_the_demo_truth(demo: tuple[rapport.Workspace, dict]) -> None:
    ws, info = demo
    truth = info["truth"]["statements"]
    s = ws.sql("SELECT s.statement_id, fb.external_id, s.text, f.facet FROM statements s "
               "JOIN feedback fb USING (feedback_id) "
               "LEFT JOIN statement_facets f USING (statement_id)").to_pandas()
    found = s.groupby(["external_id", "text"])["facet"].apply(
        lambda x: {f for f in x if isinstance(f, str)})
    hits = predicted = actual = 0
    for fid, items in truth.items():
        for item in items:
            key = (fid, item["text"])
            if key not in found.index:
                continue
            want, got = set(item["facets"]), found[key]
            hits += len(want & got)
            predicted += len(got)
            actual += len(want)
    precision, recall = hits / predicted, hits / actual
    assert actual > 300
    assert precision >= 0.6, precision
    assert recall >= 0.5, recall


def test_segment_pains_hopes_and_fears_are_found(demo: tuple[rapport.Workspace, dict]) -> None:
    ws, info = demo
    truth = info["truth"]
    segment_of = truth["customer_segment"]
    ids = ws.sql("SELECT customer_id, value FROM identities WHERE kind = 'external_id'"
                 ).to_pandas()
    rapport_id = dict(zip(ids["value"], ids["customer_id"], strict=True))
    s = ws.sql("SELECT s.customer_id, lower(s.text) AS text, f.facet FROM statements s "
               "JOIN statement_facets f USING (statement_id)").to_pandas()
    found = total = 0
    for segment in truth["segments"]:
        members = {rapport_id[c] for c, name in segment_of.items()
                   if name == segment["name"] and c in rapport_id}
        mine = s[s["customer_id"].isin(members)]
        for facet, key in (("pain", "pains"), ("hope", "hopes"), ("fear", "fears")):
            said = " ".join(mine.loc[mine["facet"] == facet, "text"])
            for phrase in segment[key]:
                total += 1
                # The phrase's main words appear among the segment's statements of that facet.
                words = [w for w in phrase.lower().replace("'", " ").split() if len(w) > 3]
                if words and sum(w in said for w in words) >= 0.6 * len(words):
                    found += 1
    assert total > 50
    assert found / total >= 0.6, (found, total)


def test_no_customer_or_contact_name_reaches_a_statement(
        demo: tuple[rapport.Workspace, dict]) -> None:
    ws, _ = demo
    names = set(ws.sql("SELECT name FROM customers WHERE name IS NOT NULL UNION "
                       "SELECT name FROM contacts WHERE name IS NOT NULL").column(0).to_pylist())
    texts = " ".join(ws.sql("SELECT text FROM statements").column(0).to_pylist())
    assert len(names) > 500 and "[name]" in texts
    leaked = sorted(n for n in names if n in texts)
    assert leaked == [], leaked[:10]


def test_reanalysis_embeds_nothing_twice(demo: tuple[rapport.Workspace, dict]) -> None:
    ws, _ = demo
    before = ws.sql("SELECT count(*) FROM text_embeddings").column(0)[0].as_py()
    again = ws.analyze()["voice"]
    assert again["embedded"] == 0
    assert ws.sql("SELECT count(*) FROM text_embeddings").column(0)[0].as_py() == before


def test_cli_voice_commands(demo: tuple[rapport.Workspace, dict], tmp_path: Path) -> None:
    ws, _ = demo
    # The CLI opens the store itself: give it a copy, as this process holds the original.
    ws._con.execute("CHECKPOINT")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(ws.path, copy)
    runner = CliRunner()
    store = ["--store", str(copy)]
    themes = json.loads(runner.invoke(app, ["themes", "--json", *store]).stdout)
    assert themes and {"theme_id", "label", "size", "sentiment", "trend", "key_phrases",
                       "quotes"} <= set(themes[0])
    first = themes[0]["theme_id"]
    quotes = json.loads(runner.invoke(app, ["quotes", "--theme", first, "--json",
                                            *store]).stdout)
    assert quotes["theme"]["theme_id"] == first and quotes["quotes"]
    fears = json.loads(runner.invoke(app, ["facets", "--facet", "fear", "--json",
                                           *store]).stdout)
    assert fears["statements"] and all(r["evidence"] for r in fears["statements"])
    vocab = json.loads(runner.invoke(app, ["vocabulary", "--kind", "stage", "--json",
                                           *store]).stdout)
    assert {r["group_kind"] for r in vocab} == {"stage"}
    shown = runner.invoke(app, ["themes", *store])
    assert shown.exit_code == 0 and first in shown.stdout
    bad = runner.invoke(app, ["facets", "--facet", "worry", *store])
    assert bad.exit_code == 1 and "facets are: job, pain" in bad.output
    missing = runner.invoke(app, ["quotes", "--theme", "no such words anywhere", *store])
    assert missing.exit_code == 1 and "rapport themes" in missing.output


def test_quotes_say_each_thing_once(demo: tuple[rapport.Workspace, dict]) -> None:
    """The same words said again ("The flavour is excellent." ten times) are one quote that
    counts how often they were said, not ten lines of the page."""
    ws, _ = demo

    def norm(text: str) -> str:
        return " ".join(re.findall(r"[^\W_]+", text.lower()))

    repeated = 0
    for theme in ws.themes(level=1, limit=5):
        said = [norm(r["text"]) for r in ws.sql(
            "SELECT s.text FROM statement_themes st JOIN statements s USING (statement_id) "
            "WHERE st.theme_id = ?", [theme["theme_id"]]).to_pylist()]
        quotes = ws.quotes(theme["theme_id"], limit=500)["quotes"]
        keys = [norm(q["text"]) for q in quotes]
        assert len(keys) == len(set(keys)) == len(set(said))
        assert [q["times"] for q in quotes] == [said.count(k) for k in keys]
        similarity = [q["similarity"] for q in quotes]
        assert similarity == sorted(similarity, reverse=True)
        repeated += sum(q["times"] > 1 for q in quotes)
        stored = [norm(q["text"]) for q in theme["quotes"]]
        assert len(stored) == len(set(stored))
    assert repeated > 0  # the demo's customers do repeat themselves


def test_codebook_export_then_code_with_it(demo: tuple[rapport.Workspace, dict]) -> None:
    ws, _ = demo
    done = ws.export_codebook()
    assert Path(done["path"]).name == "codebook.toml" and done["themes"] > 0
    try:
        first = ws.analyze()["voice"]
        second = ws.analyze()["voice"]
        assert first["theme_mode"] == "codebook" and first["codebook"] == done["path"]
        links = ws.sql("SELECT * FROM statement_themes ORDER BY statement_id, theme_id"
                       ).to_pandas()
        assert len(links) > 0
        assert second["themes"] == first["themes"]
        statuses = set(ws.sql("SELECT status FROM themes").column(0).to_pylist())
        assert "codebook" in statuses
    finally:
        Path(done["path"]).unlink()


def test_portuguese_is_not_misread(tmp_path: Path) -> None:
    ws = rapport.open(tmp_path / "olist.duckdb")
    path = DATASETS / "olist_classified" / "olist_classified_public_dataset.csv"
    ws.ingest(path, "feedback", source="olist", id_space="olist",
              mapping=["customer_id=id", "ts=review_creation_date",
                       "text=review_comment_message", "rating=review_score", "kind='review'"])
    run = ws.analyze()["voice"]
    status = ws.sql("SELECT status, count(*) AS n FROM feedback_voice GROUP BY 1").to_pandas()
    counts = dict(zip(status["status"], status["n"], strict=True))
    assert counts["unsupported language"] >= 0.9 * sum(counts.values())
    assert any("language other than English" in n for n in run["notes"])
    # Nothing from a Portuguese review is scored as if it were English.
    mixed = ws.sql("SELECT count(*) FROM statements s JOIN feedback_voice v USING "
                   "(feedback_id) WHERE v.status = 'unsupported language'").column(0)[0]
    assert mixed.as_py() == 0
    ws.close()


def test_pii_never_reaches_derived_text(tmp_path: Path) -> None:
    rows = pd.DataFrame({
        "customer": ["a@example.com", "b@example.com", "c@example.com"],
        "comment": [
            "My card 4111 1111 1111 1111 was charged twice, call me on (555) 123-4567.",
            "Please email me at jane.doe@example.org about the refund, it never came.",
            "I spoke to Sarah Johnson and she was lovely, thanks so much!",
        ],
        "date": ["2024-01-02", "2024-01-03", "2024-01-04"],
    })
    path = tmp_path / "feedback.csv"
    rows.to_csv(path, index=False)
    ws = rapport.open(tmp_path / "pii.duckdb")
    ws.ingest(path, "feedback", mapping=["email=customer", "text=comment", "ts=date"])
    ws.analyze()
    derived = " ".join(ws.sql("SELECT text FROM statements").column(0).to_pylist())
    for secret in ("4111", "123-4567", "jane.doe@example.org", "Sarah Johnson"):
        assert secret not in derived
    for label in ("[card]", "[phone]", "[email]", "[name]"):
        assert label in derived
    themes = json.dumps(ws.themes(), default=str)
    assert "4111" not in themes and "jane.doe" not in themes
    # The raw feedback keeps the original words.
    assert "4111" in " ".join(ws.sql("SELECT text FROM feedback").column(0).to_pylist())
    ws.close()


def test_themes_are_found_in_a_sample_of_the_set_size(
    demo: tuple[rapport.Workspace, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`voice.theme_sample`: themes found on that many statements, every other statement
    joins one; 0 means 30,000 in accurate mode and 15,000 in fast mode; below 0 is an error
    that names the variable."""
    assert theme_sample(ACCURATE_MODEL) == 30_000 and theme_sample(FAST_MODEL) == 15_000
    ws, _ = demo
    monkeypatch.setenv("RAPPORT_VOICE_THEME_SAMPLE", "400")
    assert theme_sample(FAST_MODEL) == 400
    tables, run = voice_frames(ws._con)  # computes, writes nothing
    n = len(tables["statements"])
    assert run.theme_sample == 400 and n > 2 * 400
    themed = tables["statement_themes"]["statement_id"].nunique()
    assert themed >= n - 400  # only sampled statements in crumbs stay unthemed
    assert run.themes >= 3
    monkeypatch.setenv("RAPPORT_VOICE_THEME_SAMPLE", "-5")
    with pytest.raises(ConfigError, match="RAPPORT_VOICE_THEME_SAMPLE"):
        theme_sample(ACCURATE_MODEL)


def test_repeated_texts_are_worked_on_once_with_the_same_results(static: Any) -> None:
    from rapport.voice.analysis import _text_features
    from rapport.voice.facets import FacetDetector
    from rapport.voice.phrases import join_phrase_parts
    from rapport.voice.sentiment import SentimentScorer

    reviews = pd.read_csv(DATASETS / "womens_clothing_reviews" / "reviews.csv", nrows=300)
    distinct = [t for t in reviews["Review Text"].dropna().tolist() if t][:120]
    texts = [*distinct, "Love it!", distinct[3], "Love it!", distinct[0], distinct[3], "Love it!"]
    scorer = SentimentScorer().fit()
    detector = FacetDetector().fit(static.encode, static.name)
    lexical, opinions, cues, part = _text_features(texts, scorer, detector)
    alone = [_text_features([t], scorer, detector) for t in texts]
    assert lexical.tolist() == [a[0][0] for a in alone]
    assert opinions == [a[1][0] for a in alone]
    assert cues == [a[2][0] for a in alone]
    assert len({id(c) for c in cues}) == len(cues)  # lists that facets may extend, unshared
    together = join_phrase_parts([part])
    one_by_one = join_phrase_parts([a[3] for a in alone])
    assert together.names.tolist() == one_by_one.names.tolist()
    assert (together.docs != one_by_one.docs).nnz == 0
    assert together.docs.shape == (len(texts), len(together.names))


def test_collections_pause_during_the_stage_and_resume_after() -> None:
    import gc

    from rapport.voice.analysis import _collector_paused

    assert gc.isenabled()
    with _collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("a failing stage")
    assert gc.isenabled()
    gc.disable()  # a caller that paused them itself keeps them paused
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
