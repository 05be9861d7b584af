"""Shared fixtures: a fresh store in a temporary folder, and where the real data sets are."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
def static(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fast mode's static model, distilled from the packaged MiniLM once a test process."""
    from rapport.voice.embed import FAST_MODEL, StaticEmbedder

    model = StaticEmbedder(tmp_path_factory.mktemp("models") / FAST_MODEL)
    model.encode(["build it"])  # distils from the packaged MiniLM the first time
    return model


@pytest.fixture(scope="session")
def banking77(minilm: Any) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_csv(DATASETS / "banking77" / "train.csv")
    return frame, minilm.encode(frame["text"].tolist())


# --- the understanding tests: one analysed demo business per test process -----------------
class DemoStore:
    """An analysed demo store with its planted truth and the id maps the tests need."""

    def __init__(self, ws: rapport.Workspace, truth: dict[str, Any], folder: Path) -> None:
        self.ws, self.truth, self.folder = ws, truth, folder
        ids = ws.sql("SELECT customer_id, value FROM identities WHERE kind = 'external_id'"
                     ).to_pandas()
        #: the demo's CustomerID (C10001) -> Rapport's customer_id
        self.customer_id: dict[str, str] = dict(zip(ids["value"], ids["customer_id"],
                                                    strict=True))
        fb = ws.sql("SELECT feedback_id, external_id FROM feedback").to_pandas()
        #: the demo's response_id (FB-000001) -> Rapport's feedback_id
        self.feedback_id: dict[str, str] = dict(zip(fb["external_id"], fb["feedback_id"],
                                                    strict=True))

    def copy_to(self, store: Path) -> Path:
        """A copy of the analysed store at `store`, for tests that change it or serve it."""
        self.ws._con.execute("CHECKPOINT")
        shutil.copy(self.ws.path, store)
        return store

    def segment_of(self) -> dict[str, str]:
        """Rapport customer_id -> the planted segment's name."""
        return {self.customer_id[c]: s for c, s in self.truth["customer_segment"].items()
                if c in self.customer_id}


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStore]:
    import json

    folder = tmp_path_factory.mktemp("demo-store")
    ws = rapport.open(folder / "store.duckdb")
    result = ws.demo(customers=2000, seed=7, out_dir=folder / "data")
    truth = json.loads(Path(result["ground_truth"]).read_text())
    yield DemoStore(ws, truth, folder)
    ws.close()


# --- the web tests: an app served by uvicorn on a free loopback port ----------------------
@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread; yields its base URL and stops it afterwards."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
