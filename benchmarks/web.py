"""Web benchmark: latency of the profile page and the overview under concurrent clients.

A demo business of `--customers` customers is generated, loaded and analysed (the voice stage
only with `--voice`, which takes long on big stores; `--store` keeps the store for the next
run), then `rapport serve` serves it on loopback in its own process, as a user would run it.
`--clients` threads, each logged in with its own session, ask for pages for `--seconds`
seconds: a random buyer's profile page (80%) or the overview (20%). Each `--think` value is a
phase: clients pause that many seconds on average between pages, like people reading them
(1 s by default), or ask back to back (0), which measures the most the server can answer.
Prints p50 and p95 per page and phase. Goals (issue): p95 <= 50 ms for a profile, <= 200 ms
for the overview, with 1,000,000 customers and 20 clients.

    python benchmarks/web.py --customers 1000000 --store /tmp/web1m/store.duckdb
    python benchmarks/web.py --customers 20000 --seconds 20 --json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

import rapport
from rapport.demo import competitor_names, generate_demo

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(path: Path, port: int) -> subprocess.Popen[bytes]:
    """`rapport serve` on the store, in its own process, as a user would run it."""
    command = [str(Path(sys.executable).with_name("rapport")), "serve", "--store", str(path),
               "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.perf_counter() + 300
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"rapport serve stopped: {server.stderr.read().decode()[-2000:]}"
                               if server.stderr else "rapport serve stopped")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("rapport serve did not answer /health within 300 s")


def _cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user and system) a process has used so far, or None without /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load(base: str, ids: list[str], clients: int, seconds: float, think: float,
          seed: int, server: int) -> dict[str, Any]:
    """`clients` logged-in clients for `seconds`: each asks for a random buyer's profile (80%)
    or the overview (20%), then waits an exponential pause with mean `think` seconds (0:
    the next request at once). Also measures the CPU time per request of the server (process
    `server`) and of the clients (this process)."""
    timings: dict[str, list[float]] = {"profile": [], "overview": []}
    errors: list[str] = []
    sessions = [_login(base) for _ in range(clients)]
    for client in sessions:  # warm each server thread's connection and the caches
        client.get("/")
    served_before, clients_before = _cpu_seconds(server), time.process_time()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        rnd = random.Random(seed + n)
        client = sessions[n]
        while time.perf_counter() < stop:
            page = "overview" if rnd.random() < 0.2 else "profile"
            url = "/" if page == "overview" else f"/customers/{rnd.choice(ids)}"
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                errors.append(f"{url}: {response.status_code}")
            timings[page].append(elapsed)
            if think > 0:
                time.sleep(rnd.expovariate(1 / think))
        client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    served_after, clients_after = _cpu_seconds(server), time.process_time()
    total = sum(len(v) for v in timings.values())
    per_request = {
        "server_cpu_ms_per_request": None if served_before is None or served_after is None
        else round(1000 * (served_after - served_before) / max(total, 1), 2),
        "client_cpu_ms_per_request": round(1000 * (clients_after - clients_before)
                                           / max(total, 1), 2)}
    return {"think_seconds": think, "errors": len(errors), "first_errors": errors[:3],
            "requests_per_second": round(total / seconds, 1), **per_request,
            "profile": _percentiles(timings["profile"]),
            "overview": _percentiles(timings["overview"])}


def run(customers: int, clients: int, seconds: float, seed: int, voice: bool,
        thinks: list[float], store: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rapport-web-") as tmp:
        started = time.perf_counter()
        if store is not None and store.exists():
            path, build = store, 0.0  # reused: built by an earlier run with the same options
        else:
            folder = Path(tmp) if store is None else store.parent
            folder.mkdir(parents=True, exist_ok=True)
            path = _store(folder, customers, seed, voice)
            if store is not None:
                path = path.rename(store)
            build = time.perf_counter() - started
        with rapport.open(path, read_only=True) as ws:
            ids = ws.sql("SELECT customer_id FROM customer_behavior WHERE n_orders > 0"
                         ).column(0).to_pylist()
            found = int(ws.sql("SELECT count(*) FROM customers").column(0)[0].as_py())
        port = _free_port()
        server = _serve(path, port)
        try:
            phases = [_load(f"http://127.0.0.1:{port}", ids, clients, seconds, think, seed,
                            server.pid) for think in thinks]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"customers": found, "clients": clients, "seconds": seconds, "voice": voice,
            "store_build_seconds": round(build, 1), "phases": phases}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--voice", action="store_true", help="also run the voice stage")
    parser.add_argument("--think", default="1,0", help="comma-separated mean pauses between "
                        "a client's requests, in seconds, one phase each (0: back to back)")
    parser.add_argument("--store", type=Path, help="keep the generated store at this path and "
                        "reuse it when it exists (the other store options are then ignored)")
    parser.add_argument("--build-only", action="store_true", help="build --store and stop")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.build_only:
        if args.store is None:
            parser.error("--build-only needs --store PATH")
        args.store.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        _store(args.store.parent, args.customers, args.seed, args.voice).rename(args.store)
        print(f"built {args.store} in {time.perf_counter() - started:.0f} s")
        return 0
    thinks = [float(t) for t in args.think.split(",")]
    result = run(args.customers, args.clients, args.seconds, args.seed, args.voice, thinks,
                 args.store)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['customers']:,} customers, {result['clients']} clients, "
          f"{result['seconds']:g} s per phase (store built in {result['store_build_seconds']} s)")
    for phase in result["phases"]:
        pause = (f"pauses of {phase['think_seconds']:g} s on average between requests"
                 if phase["think_seconds"] else "requests back to back")
        print(f" {pause}: {phase['requests_per_second']} requests/s, errors {phase['errors']}; "
              f"CPU per request: server {phase['server_cpu_ms_per_request']} ms, clients "
              f"{phase['client_cpu_ms_per_request']} ms")
        for page, goal in (("profile", 50), ("overview", 200)):
            r = phase[page]
            if r["requests"]:
                verdict = "PASS" if r["p95_ms"] <= goal else "MISS"
                print(f"  {page:<9} {r['requests']:>6} requests  p50 {r['p50_ms']:>8.1f} ms  "
                      f"p95 {r['p95_ms']:>8.1f} ms  (goal p95 <= {goal} ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
