"""The theme codebook: written and read back unchanged, clear errors for bad files, and
coding that is reproducible, with what fits no theme reported as emerging."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rapport.errors import ConfigError
from rapport.voice.codebook import Codebook, CodebookTheme, read_codebook, write_codebook
from rapport.voice.embed import MiniLMEmbedder
from rapport.voice.themes import ThemeModel
from rapport.voice.theming import build_themes


def _book() -> Codebook:
    return Codebook(themes=[
        CodebookTheme(id="delays", name="Delays", description='Flights "late"\nor held',
                      examples=["my flight was delayed three hours", "still waiting to board"],
                      key_phrases=["delayed", "late"]),
        CodebookTheme(id="bags", name="Lost bags", examples=["they lost my luggage",
                                                           "my bag never arrived"]),
        CodebookTheme(id="bags-intl", name="Lost bags abroad", parent="bags", pinned=True,
                      examples=["bag lost on my flight to Paris"]),
    ], min_similarity=0.5)


def test_round_trip(tmp_path: Path) -> None:
    path = write_codebook(_book(), tmp_path / "codebook.toml")
    back = read_codebook(path)
    assert back.themes == _book().themes
    assert back.min_similarity == 0.5
    assert "# Rapport theme codebook" in path.read_text()


@pytest.mark.parametrize(("text", "message"), [
    ("[[theme]]\nname = 'x'\nexamples = ['a']\n", "needs an `id` and a `name`"),
    ("[[theme]]\nid = 'a'\nname = 'x'\n", "give `examples` or `key_phrases`"),
    ("[[theme]]\nid = 'a'\nname = 'x'\nexamples = ['a']\n[[theme]]\nid = 'a'\nname = 'y'\n"
     "examples = ['b']\n", "used twice"),
    ("[[theme]]\nid = 'a'\nname = 'x'\nexamples = 'a'\n", "must be a list of strings"),
    ("[[theme]]\nid = 'a'\nname = 'x'\nparent = 'zz'\nexamples = ['a']\n", "parent 'zz'"),
    ("min_similarity = 3\n", "min_similarity must be a number from 0 to 1"),
    ("[[theme]\nid = ", "not valid TOML"),
])
def test_bad_codebooks_say_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "codebook.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_codebook(path)
    with pytest.raises(ConfigError, match="does not exist"):
        read_codebook(tmp_path / "missing.toml")


def test_coding_is_reproducible_and_reports_emerging(minilm: MiniLMEmbedder) -> None:
    texts = (
        [f"flight {n} was delayed for hours again" for n in range(12)]
        + [f"lost my bag on flight {n}, nobody can find it" for n in range(12)]
        + [f"the wifi on board flight {n} did not work at all" for n in range(12)]
    )
    statements = pd.DataFrame({
        "statement_id": [f"s{i}" for i in range(len(texts))], "text": texts,
        "ts": pd.date_range("2024-01-01", periods=len(texts), freq="D"),
        "sentiment": np.full(len(texts), -0.5),
    })
    vectors = minilm.encode(texts)
    book = _book()
    first = build_themes(statements, vectors, ThemeModel(min_size=5), book, minilm.encode)
    second = build_themes(statements, vectors, ThemeModel(min_size=5), book, minilm.encode)
    pd.testing.assert_frame_equal(first.statement_themes, second.statement_themes)
    coded = first.statement_themes.groupby("theme_id")["statement_id"].apply(set)
    assert coded["delays"] == {f"s{i}" for i in range(12)}
    assert {f"s{i}" for i in range(12, 24)} <= coded["bags"]
    themes = first.themes.set_index("theme_id")
    # The wifi complaints fit no theme: they come back as an emerging theme.
    assert first.emerging >= 1
    emerging = themes[themes["status"] == "emerging"]
    assert any("wifi" in label for label in emerging["label"])
    assert themes.loc["bags-intl", "parent_id"] == "bags"
    assert themes.loc["delays", "label"] == "Delays"
