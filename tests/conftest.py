"""Shared fixtures: a fresh store in a temporary folder, and where the real data sets are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rapport

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[rapport.Workspace]:
    workspace = rapport.open(tmp_path / "store.duckdb")
    yield workspace
    workspace.close()


def count(ws: rapport.Workspace, query: str) -> int:
    return int(ws.sql(query).column(0)[0].as_py())


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- the voice tests: one MiniLM encoder per test process, and banking77 embedded once ------
@pytest.fixture(scope="session")
def minilm() -> Any:
    from rapport.voice.embed import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def banking77(minilm: Any) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(DATASETS / "banking77" / "train.csv")
    return frame, minilm.encode(frame["text"].tolist())
