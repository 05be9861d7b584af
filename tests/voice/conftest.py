"""Fixtures of the voice tests: one MiniLM encoder per test process, and the banking77
questions with their embeddings (computed once per process)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rapport.voice.embed import MiniLMEmbedder

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def banking77(minilm: MiniLMEmbedder) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(DATASETS / "banking77" / "train.csv")
    return frame, minilm.encode(frame["text"].tolist())
