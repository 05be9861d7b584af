"""The JSON API over a real store built from the demo: tokens, roles, the error shape, every
route, viewers' redaction and the OpenAPI spec; and the user and token commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import rapport
from conftest import DemoStore
from rapport import access
from rapport.access import hash_password, verify_password
from rapport.cli import app as cli
from rapport.errors import AccessError, ConfigError
from rapport.web.api import create_app


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str], store: Path) -> None:
        self.client, self.tokens, self.store = client, tokens, store

    def get(self, path: str, role: str | None = "analyst", **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return self.client.get(path, headers=headers, params=params)


@pytest.fixture(scope="module")
def api(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    store = demo_store.copy_to(tmp_path_factory.mktemp("web") / "store.duckdb")
    tokens = {}
    with rapport.open(store) as ws:
        for role in ("viewer", "analyst", "admin"):
            ws.add_user(f"{role}1", "a long enough password", role)
            tokens[role] = ws.create_token(f"{role}1", "tests")["token"]
    app = create_app(store)
    with TestClient(app) as client:
        yield Api(client, tokens, store)
    app.state.workspace.close()


ROUTES = ["/api/status", "/api/ingests", "/api/rejects", "/api/customers", "/api/themes",
          "/api/facets", "/api/vocabulary", "/api/personas", "/api/say-do", "/api/drivers",
          "/api/coverage", "/api/trends", "/api/cohorts", "/api/ladder-flows", "/api/accounts"]


def test_health_is_open_and_shows_nothing(api: Api) -> None:
    done = api.get("/health", role=None)
    assert done.status_code == 200 and done.json() == {"status": "ok"}


@pytest.mark.parametrize("path", [*ROUTES, "/api/customers/x/profile", "/api/plans"])
def test_every_other_route_needs_a_token(api: Api, path: str) -> None:
    done = api.get(path, role=None)
    assert done.status_code == 401
    error = done.json()["error"]
    assert error["type"] == "AccessError" and "rapport token create" in error["message"]
    wrong = api.client.get(path, headers={"Authorization": "Bearer rpt_not-a-real-token"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.json()["error"]["message"]


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_answers_json(api: Api, path: str) -> None:
    done = api.get(path)
    assert done.status_code == 200, done.text
    assert done.headers["content-type"].startswith("application/json")
    json.loads(done.text)  # strict JSON: no NaN


def test_customers_filter_sort_and_page(api: Api) -> None:
    first = api.get("/api/customers", stage="at-risk", sort="clv", limit=5).json()
    assert len(first) == 5 and all(c["status"] == "at risk" for c in first)
    clvs = [c["clv"] for c in first]
    assert clvs == sorted(clvs, reverse=True)
    second = api.get("/api/customers", stage="at-risk", sort="clv", limit=5, offset=5).json()
    assert not {c["customer_id"] for c in first} & {c["customer_id"] for c in second}
    bad = api.get("/api/customers", stage="astronaut")
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "ConfigError"
    invalid = api.get("/api/customers", limit=0)
    assert invalid.status_code == 422 and "limit" in invalid.json()["error"]["message"]


def test_profile_and_its_redaction_for_viewers(api: Api) -> None:
    cid = api.get("/api/customers", sort="clv", limit=1).json()[0]["customer_id"]
    full = api.get(f"/api/customers/{cid}/profile").json()
    name, email = full["identity"]["name"], full["identity"]["email"]
    assert name and email and name in full["story"]
    seen = api.get(f"/api/customers/{cid}/profile", role="viewer")
    text = seen.text
    assert seen.status_code == 200
    assert email not in text and name not in text
    shown = seen.json()
    assert shown["identity"]["email"] == "[email]" and shown["story"].startswith("[name]")
    assert all(k.endswith(":[redacted]") for k in shown["identity"]["keys"])
    # Viewers still see what the business learnt (behaviour, words, coverage).
    assert shown["behaviour"]["clv"] == full["behaviour"]["clv"]
    missing = api.get("/api/customers/nobody-at-all/profile")
    assert missing.status_code == 400 and "no customer" in missing.json()["error"]["message"]


def test_account_dossier_and_its_redaction_for_viewers(api: Api) -> None:
    listed = api.get("/api/accounts", limit=500).json()
    assert listed and all(a["account_id"] for a in listed)
    aid = next(a["account_id"] for a in listed if a["people"])
    full = api.get(f"/api/accounts/{aid}").json()
    assert full["account_id"] == aid and len(full["dimensions"]) == 13
    names = [p["name"] for p in full["people"]]
    assert names and all(names)
    seen = api.get(f"/api/accounts/{aid}", role="viewer")
    assert seen.status_code == 200
    assert not any(name in seen.text for name in names)  # people's names, wherever they are
    shown = seen.json()
    assert all(p["name"] == "[name]" for p in shown["people"])
    assert shown["account"]["name"] == full["account"]["name"]  # a business, not a person
    assert shown["score"] == full["score"]
    missing = api.get("/api/accounts/no-such-account")
    assert missing.status_code == 400 and "rapport accounts" in missing.json()["error"]["message"]


def test_viewers_see_customer_lists_without_contact_details(api: Api) -> None:
    rows = api.get("/api/customers", role="viewer", limit=20).json()
    assert rows and all(r["email"] in ("[email]", None) for r in rows)
    assert all(r["name"] in ("[name]", None) for r in rows)
    personas = api.get("/api/personas", role="viewer").json()
    assert personas and all(p["name"] != "[name]" for p in personas)  # not people


def test_understanding_routes(api: Api) -> None:
    plan = api.get("/api/plans", **{"for": "segment", "target": "high-value"}).json()
    assert plan["markdown"].startswith("# Research plan") and plan["survey"]["pages"]
    nps = api.get("/api/drivers", outcome="nps", limit=3).json()
    assert len(nps) == 3 and nps[0]["rank"] == 1
    said = api.get("/api/say-do", type="detractor_stays", limit=3).json()
    assert {i["type"] for i in said["insights"]} == {"detractor_stays"}
    theme = api.get("/api/themes", level=1, limit=1).json()[0]["theme_id"]
    quotes = api.get(f"/api/themes/{theme}/quotes", limit=3).json()
    assert quotes["theme"]["theme_id"] == theme and quotes["quotes"]
    trends = api.get("/api/trends", period="quarter", start="2025-06-30", end="2026-06-30").json()
    assert trends["flows"]["moves"]
    persona = api.get("/api/personas").json()[0]["persona_id"]
    assert api.get(f"/api/personas/{persona}").json()["customers"]


def test_openapi_spec_lists_every_route_with_bearer_security(api: Api) -> None:
    for closed in ("/openapi.json", "/docs", "/redoc"):  # no pages that load from a CDN
        assert api.get(closed, role=None).status_code == 404
    assert api.get("/api/openapi.json", role=None).status_code == 401
    spec = api.get("/api/openapi.json", role="viewer").json()
    paths = set(spec["paths"])
    assert {*ROUTES, "/health", "/api/plans", "/api/customers/{customer}/profile",
            "/api/openapi.json"} <= paths
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "security" not in spec["paths"]["/health"]["get"]
    assert spec["paths"]["/api/customers"]["get"]["security"]


def test_passwords_are_hashed_and_tokens_revocable(tmp_path: Path) -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("same password!") != hash_password("same password!")  # salted
    with rapport.open(tmp_path / "s.duckdb") as ws:
        ws.add_user("ann", "a long enough password", "analyst")
        raw = ws.sql("SELECT password_hash FROM users").column(0)[0].as_py()
        assert "long enough" not in raw
        with pytest.raises(AccessError, match="wrong user name or password"):
            ws.login("ann", "not the password")
        with pytest.raises(AccessError, match="wrong user name or password"):
            ws.login("bob", "a long enough password")
        assert ws.login("ann", "a long enough password").role == "analyst"
        with pytest.raises(ConfigError, match="role 'owner'"):
            ws.add_user("bob", "a long enough password", "owner")
        with pytest.raises(ConfigError, match="too short"):
            ws.add_user("bob", "short", "viewer")
        made = ws.create_token("ann", "nightly export")
        assert ws.check_token(made["token"]).username == "ann"
        stored_tokens = ws.sql("SELECT token_hash FROM api_tokens").column(0).to_pylist()
        assert made["token"] not in stored_tokens
        ws.revoke_token(made["token_id"])
        with pytest.raises(AccessError, match="revoked"):
            ws.check_token(made["token"])


def test_a_user_found_active_is_asked_again_after_a_few_seconds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(access, "_clock", lambda: clock[0])
    with rapport.open(tmp_path / "s.duckdb") as ws:
        view = ws.view()  # a server thread's workspace shares what was seen
        assert not view.active("ann")
        ws.add_user("ann", "a long enough password", "analyst")
        assert view.active("ann") and ws.active("ann")
        ws._con.execute("UPDATE users SET disabled = true WHERE username = 'ann'")
        clock[0] += access.ACTIVE_SECONDS - 0.5
        assert view.active("ann")  # seen a moment ago: no query
        clock[0] += 1.0
        assert not view.active("ann") and not ws.active("ann")
        ws.add_user("ann", "a new long enough password", "analyst")  # enabled again
        assert view.active("ann")


def test_user_and_token_commands(tmp_path: Path) -> None:
    store = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    done = runner.invoke(cli, ["user", "add", "ann", "--role", "admin", "--password-stdin",
                               "--store", store], input="a long enough password\n")
    assert done.exit_code == 0, done.output
    listed = json.loads(runner.invoke(cli, ["user", "list", "--json", "--store", store]).output)
    assert listed == [{"username": "ann", "role": "admin", "created_at": listed[0]["created_at"],
                       "disabled": False}]
    made = json.loads(runner.invoke(cli, ["token", "create", "ann", "--json", "--store",
                                          store]).output)
    assert made["token"].startswith("rpt_")
    tokens = json.loads(runner.invoke(cli, ["token", "list", "--json", "--store", store]).output)
    assert tokens[0]["token_id"] == made["token_id"] and "token" not in tokens[0]
    assert runner.invoke(cli, ["token", "revoke", made["token_id"], "--store", store]
                         ).exit_code == 0
    bad = runner.invoke(cli, ["user", "add", "bo b", "--password-stdin", "--store", store],
                        input="a long enough password\n")
    assert bad.exit_code == 1 and "user name 'bo b'" in bad.output
