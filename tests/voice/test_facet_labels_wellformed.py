"""The hand-labelled facet evaluation set is well-formed and traceable to its sources."""

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from rapport.voice.facets import FACETS as ALL_FACETS

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
LABELS = ROOT / "tests" / "data" / "facets" / "labelled_statements.csv"

FACETS = set(ALL_FACETS)
SOURCES = {
    "tweets": ("twitter_airline/Tweets.csv", "text"),
    "reviews": ("womens_clothing_reviews/reviews.csv", "Review Text"),
    "banking77": ("banking77/train.csv", "text"),
}
MIN_POSITIVES = 20
MIN_DEV_POSITIVES = 5


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def source_texts() -> dict[str, list[str | None]]:
    texts = {}
    for name, (path, column) in SOURCES.items():
        values = pd.read_csv(DATASETS / path, usecols=[column])[column]
        texts[name] = [value if isinstance(value, str) else None for value in values]
    return texts


def facet_lists(labels: pd.DataFrame) -> list[list[str]]:
    return [value.split(";") if value else [] for value in labels["facets"]]


def test_columns(labels: pd.DataFrame) -> None:
    assert list(labels.columns) == ["id", "source", "row", "text", "facets", "split"]


def test_ids_are_unique_and_well_formed(labels: pd.DataFrame) -> None:
    assert labels["id"].is_unique
    assert all(re.fullmatch(r"f\d{4}", value) for value in labels["id"])


def test_sources_rows_and_splits_are_valid(labels: pd.DataFrame) -> None:
    assert set(labels["source"]) <= set(SOURCES)
    assert all(value.isdigit() for value in labels["row"])
    assert set(labels["split"]) == {"dev", "test"}
    assert not labels.duplicated(["source", "row", "text"]).any()
    assert all(text.strip() for text in labels["text"])


def test_only_known_facets_sorted_without_repeats(labels: pd.DataFrame) -> None:
    for facets in facet_lists(labels):
        assert set(facets) <= FACETS, facets
        assert facets == sorted(set(facets)), facets


def test_each_text_is_verbatim_in_its_source_row(
    labels: pd.DataFrame, source_texts: dict[str, list[str | None]]
) -> None:
    mismatches = []
    columns = [labels[name].tolist() for name in ("id", "source", "row", "text")]
    for ident, source, row, text in zip(*columns, strict=True):
        texts = source_texts[source]
        assert int(row) < len(texts), ident
        original = texts[int(row)]
        if source == "reviews":
            found = original is not None and text in original
        else:
            found = text == original
        if not found:
            mismatches.append(ident)
    assert not mismatches, f"texts not found at their source row: {mismatches}"


def test_every_facet_has_enough_positives(labels: pd.DataFrame) -> None:
    overall: Counter[str] = Counter()
    dev: Counter[str] = Counter()
    for facets, split in zip(facet_lists(labels), labels["split"], strict=True):
        overall.update(facets)
        if split == "dev":
            dev.update(facets)
    for facet in sorted(FACETS):
        assert overall[facet] >= MIN_POSITIVES, (facet, overall[facet])
        assert dev[facet] >= MIN_DEV_POSITIVES, (facet, dev[facet])
        assert overall[facet] > dev[facet], f"{facet} has no test positives"


def test_some_statements_carry_no_facet(labels: pd.DataFrame) -> None:
    empty = labels[labels["facets"] == ""]
    assert len(empty) >= 20
    assert set(empty["split"]) == {"dev", "test"}
