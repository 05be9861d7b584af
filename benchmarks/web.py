"""Web benchmark: latency of the profile page and the overview under concurrent clients.

A demo business of `--customers` customers is generated, loaded and analysed (the voice stage
only with `--voice`, which takes long on big stores), then the web app is served by uvicorn on
loopback in this process and `--clients` threads, each logged in with its own session, ask
for pages for `--seconds` seconds: a random customer's profile page, or the overview. Prints
p50 and p95 per page. Goals (issue): p95 <= 50 ms for a profile, <= 200 ms for the overview,
with 1,000,000 customers and 20 clients.

    python benchmarks/web.py --customers 1000000 --clients 20
    python benchmarks/web.py --customers 20000 --seconds 20 --json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn

import rapport
from rapport.demo import competitor_names, generate_demo
from rapport.web.api import create_app

PASSWORD = "benchmark password"


def _store(folder: Path, customers: int, seed: int, voice: bool) -> Path:
    files = generate_demo(folder / "data", customers=customers, seed=seed)
    path = folder / "store.duckdb"
    with rapport.open(path) as ws:
        for kind, file in (("accounts", files.accounts), ("customers", files.customers),
                           ("contacts", files.contacts), ("transactions", files.transactions),
                           ("feedback", files.feedback)):
            ws.ingest(file, kind, source="demo")
        ws.analyze(voice=voice, mode="fast", competitors=competitor_names())
        ws.add_user("bench", PASSWORD, "analyst")
    return path


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    done = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                       "csrf": token.group(1)})
    assert done.status_code in (200, 303), done.status_code
    return client


def _percentiles(times: list[float]) -> dict[str, float]:
    if not times:
        return {"requests": 0}
    ms = np.asarray(times) * 1000
    return {"requests": len(times), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "max_ms": round(float(ms.max()), 1)}


def run(customers: int, clients: int, seconds: float, seed: int, voice: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rapport-web-") as tmp:
        started = time.perf_counter()
        path = _store(Path(tmp), customers, seed, voice)
        build = time.perf_counter() - started
        with rapport.open(path, read_only=True) as ws:
            ids = ws.sql("SELECT customer_id FROM customer_behavior WHERE n_orders > 0"
                         ).column(0).to_pylist()
        app = create_app(path)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        timings: dict[str, list[float]] = {"profile": [], "overview": []}
        errors: list[str] = []
        stop = time.perf_counter() + seconds

        def worker(n: int) -> None:
            rnd = random.Random(seed + n)
            client = _login(base)
            while time.perf_counter() < stop:
                page = "overview" if rnd.random() < 0.2 else "profile"
                url = "/" if page == "overview" else f"/customers/{rnd.choice(ids)}"
                t0 = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - t0
                if response.status_code != 200:
                    errors.append(f"{url}: {response.status_code}")
                timings[page].append(elapsed)
            client.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        server.should_exit = True
        thread.join(timeout=10)
        app.state.workspace.close()
    return {"customers": customers, "clients": clients, "seconds": seconds, "voice": voice,
            "store_build_seconds": round(build, 1), "errors": len(errors),
            "profile": _percentiles(timings["profile"]),
            "overview": _percentiles(timings["overview"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--voice", action="store_true", help="also run the voice stage")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.customers, args.clients, args.seconds, args.seed, args.voice)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['customers']:,} customers, {result['clients']} clients, "
          f"{result['seconds']:g} s (store built in {result['store_build_seconds']} s; "
          f"errors {result['errors']})")
    for page, goal in (("profile", 50), ("overview", 200)):
        r = result[page]
        if r["requests"]:
            verdict = "PASS" if r["p95_ms"] <= goal else "MISS"
            print(f"  {page:<9} {r['requests']:>6} requests  p50 {r['p50_ms']:>8.1f} ms  "
                  f"p95 {r['p95_ms']:>8.1f} ms  (goal p95 <= {goal} ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
