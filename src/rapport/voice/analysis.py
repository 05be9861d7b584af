"""The voice stage: feedback → statements, embeddings, sentiment, aspects, facets, themes,
vocabulary and per-customer summaries, written as derived tables in one transaction."""

from __future__ import annotations

__all__ = ["VOICE_TABLES", "VoiceRun", "analyze_voice", "voice_frames"]

import gc
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from rapport import settings
from rapport.errors import ConfigError
from rapport.schema import table_exists
from rapport.voice.codebook import read_codebook
from rapport.voice.embed import (
    FAST_MODEL,
    CacheWriter,
    Embedder,
    distinct_texts,
    embed_cached,
    get_embedder,
)
from rapport.voice.facets import FacetDetector, FacetHit
from rapport.voice.phrases import PhrasePart, join_phrase_parts, phrase_part
from rapport.voice.redact import known_names
from rapport.voice.sentiment import AspectOpinion, SentimentScorer, aspect_sentiments
from rapport.voice.sentiment_head import HEAD_ENCODERS
from rapport.voice.statements import embedding_text, split_feedback
from rapport.voice.themes import ThemeModel
from rapport.voice.theming import build_themes
from rapport.voice.vocabulary import vocabulary
from rapport.voice.workers import start

VOICE_TABLES = (
    "statements",
    "statement_facets",
    "statement_aspects",
    "themes",
    "statement_themes",
    "feedback_voice",
    "customer_voice",
    "voice_vocabulary",
)

Progress = Callable[[str], None]


@dataclass
class VoiceRun:
    """What one run of the voice stage did."""

    mode: str
    model: str
    feedback: int
    statements: int
    embedded: int
    themes: int
    subthemes: int
    emerging: int
    theme_mode: str
    codebook: str | None
    theme_sample: int
    languages: dict[str, int]
    statuses: dict[str, int]
    facets: dict[str, int]
    sentiment: dict[str, int]
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _codebook_path(store_dir: Path | None, codebook: str | Path | None) -> Path | None:
    configured = codebook or settings.get("voice.codebook") or None
    if configured:
        return Path(str(configured))
    if store_dir is not None and (store_dir / "codebook.toml").exists():
        return store_dir / "codebook.toml"
    return None


def _competitors(competitors: Sequence[str] | None) -> list[str]:
    if competitors is not None:
        return list(competitors)
    raw = str(settings.get("voice.competitors") or "")
    return [c.strip() for c in raw.split(",") if c.strip()]


ACCURATE_THEME_SAMPLE = ThemeModel().max_fit  # 30,000
FAST_THEME_SAMPLE = ACCURATE_THEME_SAMPLE // 2

_CUSTOMER_VOICE = """
CREATE OR REPLACE TABLE customer_voice AS
WITH said AS (
    SELECT customer_id, count(DISTINCT feedback_id) AS feedback, count(*) AS statements,
           avg(sentiment) AS sentiment, min(ts) AS first_said, max(ts) AS last_said
    FROM statements WHERE customer_id IS NOT NULL GROUP BY customer_id),
facet_counts AS (
    SELECT customer_id, CAST(json_group_object(facet, n) AS VARCHAR) AS facets
    FROM (SELECT s.customer_id, f.facet, count(*) AS n
          FROM statement_facets f JOIN statements s USING (statement_id)
          WHERE s.customer_id IS NOT NULL GROUP BY ALL)
    GROUP BY customer_id),
theme_counts AS (
    SELECT customer_id,
           CAST(to_json(list({'theme_id': theme_id, 'label': label, 'statements': n}
                             ORDER BY n DESC, theme_id)[1:5]) AS VARCHAR) AS themes
    FROM (SELECT s.customer_id, t.theme_id, t.label, count(*) AS n
          FROM statement_themes st JOIN statements s USING (statement_id)
          JOIN themes t ON t.theme_id = st.theme_id AND t.level = 1
          WHERE s.customer_id IS NOT NULL GROUP BY ALL)
    GROUP BY customer_id)
SELECT said.*, coalesce(facet_counts.facets, '{}') AS facets,
       coalesce(theme_counts.themes, '[]') AS themes
FROM said LEFT JOIN facet_counts USING (customer_id) LEFT JOIN theme_counts USING (customer_id)
ORDER BY customer_id
"""


def _text_features(
    texts: Sequence[str], scorer: SentimentScorer, detector: FacetDetector
) -> tuple[np.ndarray, list[list[AspectOpinion]], list[list[FacetHit]], PhrasePart]:
    """The text work on statements, which needs no embeddings (run in worker processes):
    lexical sentiment, aspect opinions, facet cue hits and the phrases used. A text that
    comes again ("Love it!") is worked on once."""
    distinct, index = distinct_texts(texts)
    if len(distinct) == len(texts):
        lexical = scorer.lexical_scores(texts)
        opinions = [  # statements are clauses already
            aspect_sentiments(t, float(x), split=False)
            for t, x in zip(texts, lexical, strict=True)
        ]
        return lexical, opinions, detector.detect_cues(texts), phrase_part(texts)
    lexical, opinions, cues, part = _text_features(distinct, scorer, detector)
    return (
        lexical[index],
        [opinions[i] for i in index],
        [list(cues[i]) for i in index],  # each its own list: `complete` extends them
        _repeat_rows(part, index),
    )


def _repeat_rows(part: PhrasePart, index: np.ndarray) -> PhrasePart:
    """`part` of distinct texts as the part of texts whose distinct text is `index[row]`."""
    order = np.argsort(part.rows, kind="stable")
    rows, cols = part.rows[order], part.cols[order]
    starts = np.searchsorted(rows, np.arange(part.texts + 1))
    counts = np.diff(starts)[index]
    new_rows = np.repeat(np.arange(len(index), dtype=np.int64), counts)
    offsets = np.arange(len(new_rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    new_cols = cols[np.repeat(starts[:-1][index], counts) + offsets]
    return PhrasePart(vocab=part.vocab, rows=new_rows, cols=new_cols, texts=len(index))


def theme_sample(model: str) -> int:
    """On how many statements themes are found (setting `voice.theme_sample`; 0: by mode).
    Fast mode samples half as many: on the reviews' 125,852 statements the themes found on
    15,000 agree with those found on 30,000 (ARI 0.52) about as well as two seeds on 30,000
    agree with each other (0.54), in a third of the time."""
    chosen = int(settings.get("voice.theme_sample"))
    if chosen < 0:
        raise ConfigError(
            f"voice.theme_sample must be 0 (by mode) or a number of statements, not {chosen}; "
            "set RAPPORT_VOICE_THEME_SAMPLE accordingly."
        )
    if chosen:
        return chosen
    return FAST_THEME_SAMPLE if model == FAST_MODEL else ACCURATE_THEME_SAMPLE


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector is paused while the stage runs (and left as it was
    after, also on errors; worker processes forked meanwhile inherit the pause).

    The stage makes millions of small objects (statements, hits, phrases) that live until it
    ends, and each full collection walks them all again: about 0.4 s of a 7 s fast-mode run on
    the reviews. The stage makes no reference cycles there (a collection after it finds
    nothing to free), so pausing costs no memory; what a cycle elsewhere would hold is freed by
    the first collection after the stage."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def voice_frames(
    con: duckdb.DuckDBPyConnection,
    *,
    mode: str | None = None,
    embedder: Embedder | None = None,
    codebook: str | Path | None = None,
    store_dir: Path | None = None,
    competitors: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, pd.DataFrame], VoiceRun]:
    """Compute the voice tables from `feedback` (embeddings are cached in the store as a
    side effect, written in the background while the rest is computed; `customer_voice` is
    summarised in SQL when written); nothing else is written."""
    started = time.perf_counter()
    with _collector_paused(), CacheWriter(con) as writer:
        tables, run = _frames(
            con, writer, mode=mode, embedder=embedder, codebook=codebook,
            store_dir=store_dir, competitors=competitors, progress=progress,
        )
        waiting = time.perf_counter()
        writer.close()
    run.steps["cache"] = round(time.perf_counter() - waiting, 3)
    run.seconds = round(time.perf_counter() - started, 3)
    return tables, run


def _frames(
    con: duckdb.DuckDBPyConnection,
    writer: CacheWriter,
    *,
    mode: str | None,
    embedder: Embedder | None,
    codebook: str | Path | None,
    store_dir: Path | None,
    competitors: Sequence[str] | None,
    progress: Progress | None,
) -> tuple[dict[str, pd.DataFrame], VoiceRun]:
    step = progress or (lambda _s: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[name] = round(now - mark, 3)
        mark = now

    step("splitting feedback into statements")
    feedback = con.execute(
        "SELECT feedback_id, customer_id, account_id, ts, kind, rating, rating_scale, text "
        "FROM feedback ORDER BY feedback_id"
    ).df()
    people = con.execute(
        "SELECT name FROM customers WHERE name IS NOT NULL UNION SELECT name FROM contacts "
        "WHERE name IS NOT NULL UNION SELECT author FROM feedback WHERE author IS NOT NULL"
    ).fetchall()
    known = known_names([r[0] for r in people])
    splitting = start(lambda lo, hi: split_feedback(feedback.iloc[lo:hi], known), len(feedback))
    try:  # the encoder and the scorers are made ready while the workers split
        chosen = embedder or get_embedder(mode)
        scorer = SentimentScorer().fit()
        detector = FacetDetector(competitors=_competitors(competitors)).fit(
            chosen.encode, chosen.name
        )
    except BaseException:
        splitting.cancel()
        raise
    parts = splitting()
    if not parts:
        parts = [split_feedback(feedback, known)]
    statements = pd.concat([p[0] for p in parts], ignore_index=True)
    status = pd.concat([p[1] for p in parts], ignore_index=True)
    lap("split")
    texts = statements["text"].tolist()
    # The text work needs no embeddings: worker processes do it while this one embeds.
    text_work = start(
        lambda lo, hi: _text_features(texts[lo:hi], scorer, detector), len(texts)
    )
    writer.after(text_work.futures)  # the cache is written once the workers are done
    step(f"embedding {len(texts):,} statements ({chosen.name})")
    try:
        vectors, embedded = embed_cached(
            con, chosen, [embedding_text(t) for t in texts], writer=writer
        )
    except BaseException:
        text_work.cancel()
        raise
    lap("embed")

    step("sentiment words, aspects, facet cues and phrases")
    worked = text_work()
    lexical = np.concatenate([w[0] for w in worked]) if worked else np.zeros(0)
    opinions = [found for w in worked for found in w[1]]
    cue_hits = [found for w in worked for found in w[2]]
    docs = join_phrase_parts([w[3] for w in worked])
    lap("text")

    statement_ids = statements["statement_id"].tolist()
    step("sentiment")
    if texts and chosen.name in HEAD_ENCODERS:  # a head on the embeddings, trained once a process
        scorer.fit_head(
            lambda batch: embed_cached(con, chosen, batch, writer=writer)[0], chosen.name
        )
    scores = scorer.score(texts, vectors, lexical=lexical) if texts else np.zeros(0)
    statements["sentiment"] = np.asarray(scores, dtype=float)
    statements["sentiment_label"] = scorer.labels(statements["sentiment"].to_numpy())
    aspects = pd.DataFrame(
        [
            (sid, a.aspect, float(a.score), int(a.start), int(a.end))
            for sid, found in zip(statement_ids, opinions, strict=True)
            for a in found
        ],
        columns=["statement_id", "aspect", "sentiment", "start", "end"],
    )
    lap("sentiment")

    step("facets")
    hits = (
        detector.complete(texts, cue_hits, vectors, sentiment=statements["sentiment"].to_numpy())
        if texts
        else []
    )
    facets = pd.DataFrame(
        [
            (sid, h.facet, float(h.confidence), h.evidence)
            for sid, found in zip(statement_ids, hits, strict=True)
            for h in found
        ],
        columns=["statement_id", "facet", "confidence", "evidence"],
    )
    lap("facets")

    path = _codebook_path(store_dir, codebook)
    book = read_codebook(path) if path is not None else None
    step("themes" + (f" (codebook {path.name})" if path else ""))
    model = ThemeModel(
        neighbors=int(settings.get("voice.neighbors")),
        resolution=float(settings.get("voice.resolution")),
        min_size=int(settings.get("voice.min_theme_size")),
        subtheme_min_size=int(settings.get("voice.subtheme_min_size")),
        max_fit=theme_sample(chosen.name),
    )

    def encode_clean(batch: Sequence[str]) -> np.ndarray:
        return chosen.encode([embedding_text(t) for t in batch])

    result = build_themes(statements, vectors, model, book, encode_clean, docs)
    lap("themes")

    step("vocabulary and customer summaries")
    per_feedback = statements.groupby("feedback_id")["sentiment"].mean()
    feedback_voice = feedback[
        ["feedback_id", "customer_id", "ts", "kind", "rating", "rating_scale"]
    ].merge(status, on="feedback_id", how="left")
    feedback_voice["sentiment"] = feedback_voice["feedback_id"].map(per_feedback)
    feedback_voice["sentiment_label"] = [
        None if pd.isna(s) else lab
        for s, lab in zip(
            feedback_voice["sentiment"],
            scorer.labels(feedback_voice["sentiment"].fillna(0).to_numpy()),
            strict=True,
        )
    ]
    groupings: dict[str, pd.Series] = {}
    level1 = result.themes.loc[result.themes["level"] == 1, ["theme_id", "label"]]
    leaf = result.statement_themes.merge(level1, on="theme_id")
    groupings["theme"] = statements["statement_id"].map(
        leaf.drop_duplicates("statement_id").set_index("statement_id")["label"]
    )
    if table_exists(con, "customer_behavior"):
        behavior = con.execute("SELECT customer_id, stage, rfm_segment FROM customer_behavior").df()
        by_customer = behavior.set_index("customer_id")
        groupings["stage"] = statements["customer_id"].map(by_customer["stage"])
        groupings["rfm_segment"] = statements["customer_id"].map(by_customer["rfm_segment"])
    vocab = vocabulary(statements, groupings, docs=docs)
    lap("summaries")

    tables = {
        "statements": statements,
        "statement_facets": facets,
        "statement_aspects": aspects,
        "themes": result.themes,
        "statement_themes": result.statement_themes,
        "feedback_voice": feedback_voice,
        "voice_vocabulary": vocab,
    }
    notes = []
    unsupported = int((status["status"] == "unsupported language").sum())
    if unsupported:
        notes.append(
            f"{unsupported:,} feedback rows are in a language other than English and "
            "were not analysed (status 'unsupported language' in feedback_voice)."
        )
    if not len(texts):
        notes.append(
            "no feedback text to analyse; load feedback with `rapport ingest FILE feedback`."
        )
    run = VoiceRun(
        mode=str(settings.get("voice.mode", mode)) if embedder is None else "custom",
        model=chosen.name,
        feedback=len(feedback),
        statements=len(statements),
        embedded=embedded,
        themes=int((result.themes["level"] == 1).sum()),
        subthemes=int((result.themes["level"] == 2).sum()),
        emerging=result.emerging,
        theme_mode=result.mode,
        codebook=str(path) if path else None,
        theme_sample=model.max_fit,
        languages={str(k): int(v) for k, v in status["language"].value_counts().items()},
        statuses={str(k): int(v) for k, v in status["status"].value_counts().items()},
        facets={str(k): int(v) for k, v in facets["facet"].value_counts().items()},
        sentiment={str(k): int(v) for k, v in statements["sentiment_label"].value_counts().items()},
        seconds=round(time.perf_counter() - started, 3),
        steps=timings,
        notes=notes,
    )
    return tables, run


def analyze_voice(con: duckdb.DuckDBPyConnection, **options: Any) -> VoiceRun:
    """Compute the voice tables (see `voice_frames`) and write them in one transaction, with
    a `voice_models` record of how they were made."""
    tables, run = voice_frames(con, **options)
    for name, data in tables.items():
        con.register(f"_{name}_arrow", pa.Table.from_pandas(data, preserve_index=False))
    con.execute("BEGIN TRANSACTION")
    try:
        for name in tables:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")
        con.execute(_CUSTOMER_VOICE)
        con.execute(
            "CREATE TABLE IF NOT EXISTS voice_models (analysed_at TIMESTAMP, mode VARCHAR, "
            "model VARCHAR, theme_mode VARCHAR, codebook VARCHAR, run JSON)"
        )
        con.execute(
            "INSERT INTO voice_models VALUES (?, ?, ?, ?, ?, ?)",
            [
                datetime.now(UTC).replace(tzinfo=None),
                run.mode,
                run.model,
                run.theme_mode,
                run.codebook,
                json.dumps(run.as_dict(), default=str),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in tables:
            con.unregister(f"_{name}_arrow")
    return run
