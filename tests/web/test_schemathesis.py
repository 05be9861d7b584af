"""Schemathesis against the API's own OpenAPI spec: requests generated for every operation
(with a valid token) never get a server error, and every answer is JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rapport
from conftest import DemoStore
from rapport.web.api import create_app


def test_no_operation_gives_a_server_error(demo_store: DemoStore, tmp_path: Path) -> None:
    store = demo_store.copy_to(tmp_path / "store.duckdb")
    with rapport.open(store) as ws:
        ws.add_user("robot", "a long enough password", "analyst")
        token = ws.create_token("robot", "schemathesis")["token"]
    app = create_app(store)
    auth = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    seen: set[str] = set()

    @given(data=st.data())
    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    def check(data: Any) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        response = case.call(headers=auth)
        seen.add(operation.label)
        assert response.status_code < 500, (case.path, case.path_parameters, case.query,
                                            response.text[:300])
        kind = response.headers.get("content-type") or [""]
        assert str(kind[0] if isinstance(kind, list) else kind).startswith("application/json")

    try:
        check()
    finally:
        app.state.workspace.close()
    assert len(seen) == len(operations)  # every operation was tried
