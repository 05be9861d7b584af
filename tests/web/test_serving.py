"""Serving a store to many people at once: requests answered side by side on per-thread
connections give the same answers as one at a time; the overview is computed once and kept
until the data changes; lookup indexes come with analysis, go with loads, and change no
answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import rapport
from conftest import DemoStore, serving
from rapport.access import User
from rapport.lookups import LOOKUPS, lookup_indexes
from rapport.web import api as web_api
from rapport.web.api import create_app

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def served(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, str, Any]]:
    store = demo_store.copy_to(tmp_path_factory.mktemp("serving") / "store.duckdb")
    with rapport.open(store) as ws:
        ws.add_user("ana", PASSWORD, "analyst")
        token = ws.create_token("ana", "tests")["token"]
    app = create_app(store)
    with serving(app) as base:
        yield base, token, app
    app.state.workspace.close()


def test_requests_side_by_side_answer_as_one_at_a_time(served: tuple[str, str, Any]) -> None:
    base, token, app = served
    ids = app.state.workspace.sql(
        "SELECT customer_id FROM customer_behavior WHERE n_orders > 0 ORDER BY customer_id "
        "LIMIT 24").column(0).to_pylist()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as one:
        alone = {c: one.get(f"/api/customers/{c}/profile").json() for c in ids}

    def ask(cid: str) -> tuple[str, int, Any]:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            done = client.get(f"/api/customers/{cid}/profile")
            return cid, done.status_code, done.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(ask, ids * 3))
    assert all(status == 200 for _, status, _ in together)
    for cid, _, body in together:
        assert body == alone[cid], cid
    # More than one connection served them: each server thread has its own.
    assert len(app.state.workspace._views) > 1


def test_the_overview_is_kept_until_the_data_changes(
        served: tuple[str, str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, app = served
    clock = [time.monotonic() + 100 * web_api.VERSION_SECONDS]  # a version read long ago
    monkeypatch.setattr(web_api, "_clock", lambda: clock[0])
    calls: list[int] = []

    def count(w: Any) -> int:
        calls.append(1)
        return int(w.sql("SELECT count(*) FROM customers").column(0)[0].as_py())

    analyst = User("ana", "analyst")
    first = app.state.cached("count-test", analyst, count)
    again = app.state.cached("count-test", analyst, count)
    assert first == again and len(calls) == 1
    new = pd.DataFrame({"customer_id": ["zz-new-1", "zz-new-2"],
                        "email": ["new1@example.com", "new2@example.com"]})
    new.to_csv(tmp_path / "new.csv", index=False)
    app.state.workspace.ingest(tmp_path / "new.csv", "customers", source="late arrivals")
    clock[0] += web_api.VERSION_SECONDS / 2  # the version read half a second ago holds
    assert app.state.cached("count-test", analyst, count) == first and len(calls) == 1
    clock[0] += web_api.VERSION_SECONDS  # the data version is read again once a second
    after = app.state.cached("count-test", analyst, count)
    assert after == first + 2 and len(calls) == 2
    # The overview shows the ladder's flows from the stored table.
    with TestClient(app) as client:
        form = client.get("/login").text
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf": csrf})
        page = client.get("/")
        assert page.status_code == 200 and "Moves on the ladder since" in page.text
        flows = app.state.workspace.recent_flows()
        moved = [f for f in flows["flows"] if f["move"] != "unchanged"]
        assert moved and flows["from"] in page.text
        top = moved[0]
        assert (f"<td>{top['stage_before']} ({top['status_before']})</td>\n<td>"
                f"{top['stage_after']} ({top['status_after']})</td><td>"
                f"{top['customers']:,}</td>") in page.text


def test_lookup_indexes_come_with_analysis_and_change_no_answer(
        demo_store: DemoStore, tmp_path: Path) -> None:
    store = demo_store.copy_to(tmp_path / "store.duckdb")
    with rapport.open(store) as ws:
        have = set(lookup_indexes(ws._con))
        assert {f"lookup_{t}_{c}" for t, c in LOOKUPS} <= have
        cid = ws.sql("SELECT customer_id FROM customer_voice ORDER BY statements DESC "
                     "LIMIT 1").column(0)[0].as_py()
        email = ws.profile(cid)["identity"]["email"]
        indexed = ws.profile(cid)
        # A load drops the raw tables' indexes (and only those) ...
        pd.DataFrame({"customer_id": ["zz-1"], "email": ["zz1@example.com"]}).to_csv(
            tmp_path / "one.csv", index=False)
        ws.ingest(tmp_path / "one.csv", "customers", source="one more")
        left = set(lookup_indexes(ws._con))
        assert "lookup_transactions_customer_id" not in left
        assert "lookup_customer_behavior_customer_id" in left
        # ... and the answers read by scans are the same.
        assert ws.profile(cid) == indexed
        assert ws.resolve(email) == cid and ws.resolve(email.upper()) == cid


def test_serve_warms_the_overview_before_the_first_visitor(demo_store: DemoStore,
                                                            tmp_path: Path) -> None:
    store = demo_store.copy_to(tmp_path / "store.duckdb")
    app = create_app(store, warm=True)

    def not_cached(_: Any) -> Any:
        raise LookupError("the overview was not computed in advance")

    def warmed(user: User) -> Any:
        deadline = time.monotonic() + 120
        while True:
            try:
                return app.state.cached("overview", user, not_cached)
            except LookupError:
                assert time.monotonic() < deadline, "the overview was never warmed"
                time.sleep(0.2)

    try:
        found = warmed(User("ana", "analyst"))
        assert "Moves on the ladder since" in found["flows_chart"]
        # Viewers get their own, redacted copy, warmed too.
        viewer = warmed(User("vic", "viewer"))
        assert viewer["at_risk"] and all(r["name"] == "[name]" for r in viewer["at_risk"])
    finally:
        app.state.workspace.close()
