"""The voice stage's text work in forked worker processes: rows covered in order, the same
tables as in one process, and clear errors when a worker dies or the setting is wrong."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest

import rapport
from rapport.errors import ConfigError, InputError, WorkerError
from rapport.voice import workers
from rapport.voice.analysis import voice_frames
from rapport.voice.workers import spread, worker_count

REVIEWS = (
    Path(__file__).resolve().parents[2].parent
    / "shared" / "datasets" / "womens_clothing_reviews" / "reviews.csv"
)


@pytest.fixture
def small_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers from 10 rows up, two of them, so that small inputs use them too."""
    monkeypatch.setattr(workers, "MIN_ROWS", 10)
    monkeypatch.setenv("RAPPORT_VOICE_WORKERS", "2")


def _pid_and_rows(lo: int, hi: int) -> tuple[int, list[int]]:
    return os.getpid(), list(range(lo, hi))


def test_spread_covers_the_rows_in_order_in_other_processes(small_rows: None) -> None:
    parts = spread(_pid_and_rows, 101)
    assert [row for _, rows in parts for row in rows] == list(range(101))
    pids = {pid for pid, _ in parts}
    # Two workers share eight ranges (four each evens out uneven texts); under load one of
    # them may take them all, but none runs here.
    assert worker_count(101) == 2 and len(parts) == 8
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_few_rows_or_one_worker_run_in_this_process(
    small_rows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert spread(_pid_and_rows, 9) == [(os.getpid(), list(range(9)))]
    assert spread(_pid_and_rows, 0) == []
    monkeypatch.setenv("RAPPORT_VOICE_WORKERS", "1")
    assert spread(_pid_and_rows, 101) == [(os.getpid(), list(range(101)))]
    monkeypatch.setenv("RAPPORT_VOICE_WORKERS", "0")  # one per core, at most one per 5 rows
    assert worker_count(101) == min(len(os.sched_getaffinity(0)), 20)


def test_a_killed_worker_is_a_clear_error(small_rows: None) -> None:
    parent = os.getpid()

    def die(lo: int, hi: int) -> list[int]:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return list(range(lo, hi))

    with pytest.raises(WorkerError, match="RAPPORT_VOICE_WORKERS=1"):
        spread(die, 50)
    assert spread(_pid_and_rows, 50)[0][1][0] == 0  # the next job starts afresh


def test_an_error_inside_the_work_comes_back_as_it_is(small_rows: None) -> None:
    def bad(lo: int, hi: int) -> None:
        raise InputError(f"row {lo} is bad")

    with pytest.raises(InputError, match="row 0 is bad"):
        spread(bad, 50)


def test_a_negative_worker_count_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_VOICE_WORKERS", "-2")
    with pytest.raises(ConfigError, match=r"voice\.workers"):
        worker_count(100_000)


def test_voice_tables_are_the_same_with_workers(
    tmp_path: Path, minilm: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "reviews.csv"
    pd.read_csv(REVIEWS).head(300).to_csv(source, index=False)
    ws = rapport.open(tmp_path / "store.duckdb")
    try:
        ws.ingest(source, "feedback", mapping=["kind='review'"])
        monkeypatch.setenv("RAPPORT_VOICE_WORKERS", "1")
        alone, _ = voice_frames(ws._con, embedder=minilm, store_dir=tmp_path)
        monkeypatch.setattr(workers, "MIN_ROWS", 100)
        monkeypatch.setenv("RAPPORT_VOICE_WORKERS", "2")
        assert worker_count(len(alone["statements"])) == 2
        spread_out, _ = voice_frames(ws._con, embedder=minilm, store_dir=tmp_path)
    finally:
        ws.close()
    assert len(alone["statements"]) > 1000 and len(alone["statement_facets"]) > 300
    assert alone.keys() == spread_out.keys()
    for name, frame in alone.items():
        pd.testing.assert_frame_equal(frame, spread_out[name], obj=name)


def test_started_work_runs_while_this_process_works(
    small_rows: None, tmp_path: Path
) -> None:
    """`start` hands the ranges out at once and returns: the workers wait for a file that
    this process writes only afterwards. The results come back in order when asked for, and
    `cancel` stops workers that are still busy."""
    import time

    signal_file = tmp_path / "go"

    def waits(lo: int, hi: int) -> tuple[int, bool, list[int]]:
        deadline = time.monotonic() + 30
        while not signal_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return os.getpid(), signal_file.exists(), list(range(lo, hi))

    job = workers.start(waits, 40)
    signal_file.write_text("go")  # only reached if start did not wait for the work
    parts = job()
    assert all(seen for _, seen, _ in parts)
    assert [row for _, _, rows in parts for row in rows] == list(range(40))
    assert os.getpid() not in {pid for pid, _, _ in parts}

    def forever(lo: int, hi: int) -> list[int]:
        time.sleep(600)
        return []

    busy = workers.start(forever, 40)
    processes = list(busy.pool._processes.values())  # type: ignore[union-attr]
    busy.cancel()
    assert busy.pool is None and not any(p.is_alive() for p in processes)
