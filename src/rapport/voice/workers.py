"""The voice stage's per-text work spread over worker processes.

Splitting feedback, redaction, language detection, the sentiment lexicon, aspects and facet
cues are plain Python, one text at a time: in one process they use one core. `spread` runs
such work over consecutive ranges of the rows in forked worker processes, one per core (the
setting `voice.workers`), and returns the results in order; `start` does the same in the
background, so that this process can embed while the workers read.

Workers are forked, so they start in milliseconds with the parent's modules, fitted models
and data already in memory: nothing is sent to them but a range number, and only results
come back. Where fork is not the platform's way (macOS, Windows), for fewer than `MIN_ROWS`
rows, or with `voice.workers` = 1, the work runs in this process, with the same results.
"""

from __future__ import annotations

__all__ = ["MIN_ROWS", "Started", "spread", "start", "worker_count"]

import itertools
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, TypeVar

from rapport import settings
from rapport.errors import ConfigError, WorkerError

R = TypeVar("R")

MIN_ROWS = 20_000  # below this, starting workers costs more than they save
_CHUNKS_PER_WORKER = 4  # smaller ranges than one per worker even out uneven texts

# The job of the running `spread`: workers inherit it when they are forked.
_JOB: tuple[Callable[[int, int], object], list[tuple[int, int]]] | None = None
_LOCK = threading.Lock()


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - platforms without affinity


def worker_count(rows: int) -> int:
    """How many processes `spread` uses for `rows` rows: 1 (this process) below MIN_ROWS,
    where processes cannot be forked, or when `voice.workers` is 1; else `voice.workers`
    (0: one per core), and never more than one per MIN_ROWS / 2 rows."""
    wanted = int(settings.get("voice.workers"))
    if wanted < 0:
        raise ConfigError(
            f"voice.workers must be 0 (one per core), 1 (no workers) or more, not {wanted}; "
            "set RAPPORT_VOICE_WORKERS accordingly."
        )
    if wanted == 1 or rows < MIN_ROWS or not sys.platform.startswith("linux"):
        return 1
    count = _cores() if wanted == 0 else wanted
    return max(1, min(count, rows // (MIN_ROWS // 2)))


def _ranges(rows: int, pieces: int) -> list[tuple[int, int]]:
    bounds = [rows * i // pieces for i in range(pieces + 1)]
    return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]


def _run(index: int) -> object:
    assert _JOB is not None, "a worker started outside spread()"
    work, ranges = _JOB
    return work(*ranges[index])


def spread(work: Callable[[int, int], R], rows: int) -> list[R]:
    """`work(start, stop)` for consecutive ranges that cover `range(rows)`, in order.

    `work` reads its rows from data it can see (a closure over the parent's lists is fine:
    workers are forked copies) and returns a picklable result for them. A worker that dies
    raises WorkerError; an exception inside `work` is raised here as it is.
    """
    return start(work, rows)()


class Started(Generic[R]):
    """Work handed to workers by `start`: call it for the results, in order; `cancel` stops
    the workers instead (when what this process did meanwhile failed)."""

    def __init__(
        self,
        rows: int,
        pool: ProcessPoolExecutor | None = None,
        futures: list[Future[R]] | None = None,
        alone: Callable[[], list[R]] | None = None,
    ) -> None:
        self.rows, self.pool, self.futures, self.alone = rows, pool, futures or [], alone

    def __call__(self) -> list[R]:
        if self.pool is None:
            return self.alone() if self.alone is not None else []
        try:
            results = [future.result() for future in self.futures]
        except BrokenProcessPool as exc:
            self.cancel()
            raise WorkerError(
                f"a worker process stopped before finishing its share of {self.rows:,} rows "
                "(killed, or out of memory); run the text work in one process with "
                "RAPPORT_VOICE_WORKERS=1, or free memory and try again."
            ) from exc
        except BaseException:
            self.cancel()
            raise
        self.pool.shutdown(wait=True)
        self.pool = None
        return results

    def cancel(self) -> None:
        if self.pool is not None:
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()  # a worker half way through its range stops now
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def start(work: Callable[[int, int], R], rows: int) -> Started[R]:
    """`spread` in the background: the workers are forked and given their ranges now, and
    calling the result waits for theirs (in order). Meanwhile this process is free for other
    work, such as embedding the same statements. Without workers (see `worker_count`), the
    work runs when the results are asked for."""
    workers = worker_count(rows)
    if workers == 1:
        return Started(rows, alone=lambda: [work(0, rows)] if rows else [])
    global _JOB
    ranges = _ranges(rows, workers * _CHUNKS_PER_WORKER)
    context = multiprocessing.get_context("fork")
    with _LOCK:
        _JOB = (work, ranges)
        try:
            # With fork, the pool starts all its processes at the first submit, so they
            # carry this job; a later job forks a pool of its own.
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            futures: list[Future[R]] = [
                pool.submit(_run, index)  # type: ignore[arg-type]
                for index in range(len(ranges))
            ]
        finally:
            _JOB = None
    return Started(rows, pool, futures)
