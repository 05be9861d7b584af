"""The BERTopic 0.17 side of a theme-discovery comparison, on precomputed embeddings.

Runs in its own environment, benchmarks/.venv-bertopic (from
benchmarks/requirements-bertopic.txt), never in Rapport's: it imports neither Rapport nor
anything outside that environment. It does what a BERTopic user with their own embeddings does,
with BERTopic's default settings (UMAP → HDBSCAN → CountVectorizer + c-TF-IDF):

    BERTopic(embedding_model=None, umap_model=UMAP(<BERTopic's defaults>, random_state=seed))
        .fit_transform(texts, embeddings=emb)

The UMAP arguments are the ones BERTopic 0.17.4 builds itself when given no umap_model
(bertopic/_bertopic.py: n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
low_memory=False), with random_state added and nothing else, so that runs can be repeated.
(UMAP runs single-threaded when random_state is set.) No embedding model is loaded, and the
Hugging Face libraries are put offline before anything is imported.

    benchmarks/.venv-bertopic/bin/python benchmarks/bertopic_run.py \
        --texts TEXTS.json --embeddings EMB.npy [--seed 42] --out RESULT.json

TEXTS.json is a JSON list of strings; EMB.npy one row per text, in the same order. RESULT.json
holds the wall time of the fit (imports and reading the inputs excluded), the number of topics
(the outlier topic -1 not counted), the number of outliers and the topic of every text (-1 for
an outlier, as BERTopic returns them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from importlib.metadata import version

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="BERTopic 0.17, default settings, on precomputed embeddings"
    )
    parser.add_argument("--texts", required=True, help="JSON list of strings")
    parser.add_argument("--embeddings", required=True, help=".npy, one row per text")
    parser.add_argument("--seed", type=int, default=42, help="UMAP random_state")
    parser.add_argument("--out", required=True, help="result JSON")
    args = parser.parse_args(argv)

    import_started = time.perf_counter()
    import numpy as np
    from bertopic import BERTopic
    from umap import UMAP

    import_seconds = time.perf_counter() - import_started

    with open(args.texts) as fh:
        texts: list[str] = json.load(fh)
    embeddings = np.load(args.embeddings)
    if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
        raise SystemExit(f"{len(texts)} texts but embeddings of shape {embeddings.shape}")

    started = time.perf_counter()
    umap_model = UMAP(
        n_neighbors=15,
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        low_memory=False,
        random_state=args.seed,
    )
    topic_model = BERTopic(embedding_model=None, umap_model=umap_model)
    topics, _ = topic_model.fit_transform(texts, embeddings=embeddings)
    fit_seconds = time.perf_counter() - started

    labels = [int(t) for t in topics]
    result = {
        "tool": "bertopic",
        "fit_seconds": fit_seconds,
        "import_seconds": import_seconds,
        "seed": args.seed,
        "texts": len(texts),
        "embedding_dim": int(embeddings.shape[1]),
        "topics": len({t for t in labels if t != -1}),
        "outliers": sum(1 for t in labels if t == -1),
        "versions": {
            "python": platform.python_version(),
            **{
                name: version(name)
                for name in ("bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "numba")
            },
        },
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "labels": labels,
    }
    with open(args.out, "w") as fh:
        json.dump(result, fh)
    print(
        f"bertopic: {result['topics']} topics, {result['outliers']} outliers of "
        f"{len(texts)}, fit {fit_seconds:.1f} s (seed {args.seed})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
