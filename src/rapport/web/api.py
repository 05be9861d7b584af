"""The JSON API: a thin shell over `Workspace`, secured by API tokens.

Every route but `/health` needs `Authorization: Bearer <token>` (`rapport token create USER`).
Errors have one shape, `{"error": {"type": ..., "message": ...}}`; Rapport's own errors keep
their message, which says what to do next. Viewers get personal data (names, e-mails, phones,
keys) redacted. The app opens the store once; each server thread reads through a connection
of its own (`Workspace.view`), so requests run side by side; writes (logins, token use) take
one lock.
"""

from __future__ import annotations

__all__ = ["create_app"]

import json
import math
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
import numpy as np
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

import rapport
from rapport.access import User
from rapport.errors import (
    AccessError,
    ConfigError,
    InputError,
    NotAnalyzedError,
    RapportError,
    StoreError,
)
from rapport.workspace import Workspace

T = TypeVar("T")
_PERSONAL = {"email": "[email]", "phone": "[phone]", "name": "[name]", "author": "[name]"}
_STATUS = ((AccessError, 401), (NotAnalyzedError, 409), (InputError, 400), (ConfigError, 400),
           (StoreError, 503))


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _clean(value: Any) -> Any:
    """NaN and infinities (not JSON) as null, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.floating):
        return _clean(float(value))
    return value


class JSON(JSONResponse):
    """JSON that also writes numpy numbers and dates; NaN becomes null."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_clean(content), default=_default, ensure_ascii=False,
                          allow_nan=False).encode("utf-8")


def _error(status: int, kind: str, message: str) -> JSON:
    return JSON({"error": {"type": kind, "message": message}}, status_code=status)


def _mask(value: Any, names: set[str]) -> Any:
    """Personal data redacted for viewers: the contact fields and identity keys of people's
    records (dicts with a customer_id or contact_id), and their names wherever text repeats
    them."""
    if isinstance(value, dict):
        person = "customer_id" in value or "contact_id" in value  # a person's record
        out: dict[str, Any] = {}
        for key, item in value.items():
            if person and key in _PERSONAL and isinstance(item, str):
                if key in ("name", "author"):
                    names.add(item)
                out[key] = _PERSONAL[key]
            elif person and key == "keys" and isinstance(item, list):
                out[key] = [str(k).split(":", 1)[0] + ":[redacted]" for k in item]
            else:
                out[key] = _mask(item, names)
        return out
    if isinstance(value, list):
        return [_mask(v, names) for v in value]
    if isinstance(value, str) and names:
        for name in sorted(names, key=len, reverse=True):
            if len(name) > 2:
                value = value.replace(name, "[name]")
    return value


VERSION_SECONDS = 1.0
"""How long the app takes the data version it read as current (see `create_app`)."""
_clock = time.monotonic  # (tests move it on)

_BEARER = HTTPBearer(auto_error=False, description="an API token: rapport token create USER")


def _user(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                   Depends(_BEARER)]) -> User:
    """The user behind the request's bearer token."""
    if credentials is None:
        raise AccessError("this route needs an API token: send 'Authorization: Bearer "
                          "<token>' (make one with `rapport token create USER`).")
    state = request.app.state
    mine = state.local()
    with state.lock:
        user: User = mine.check_token(credentials.credentials)
    return user


Who = Annotated[User, Depends(_user)]


def create_app(store: str | Path, *, warm: bool = False) -> FastAPI:
    """The API over the store at `store` (opened once, read-write, for the app's life).
    With `warm`, the overview is computed in the background at once, so that the first
    visitor of a big store does not wait for it."""
    ws = Workspace(store)
    ws.side_reads = True  # a profile reads its parts on two threads
    lock = threading.Lock()  # held for writes only
    opening = threading.Lock()  # held while a thread opens its view
    local = threading.local()

    def mine() -> Workspace:
        """This thread's workspace over the app's store."""
        found: Workspace | None = getattr(local, "workspace", None)
        if found is None:
            with opening:
                found = local.workspace = ws.view()
        return found
    # No /docs or /redoc: their pages load scripts from a CDN. The spec itself needs a token.
    app = FastAPI(title="Rapport", version=rapport.__version__, default_response_class=JSON,
                  docs_url=None, redoc_url=None, openapi_url=None,
                  description="Customer understanding over a Rapport store. Every route but "
                              "/health needs a bearer token.")
    app.state.workspace = ws
    app.state.lock = lock
    app.state.local = mine

    @app.exception_handler(RapportError)
    def _rapport_error(_: Request, exc: RapportError) -> Response:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        return _error(status, type(exc).__name__, str(exc))

    @app.exception_handler(StarletteHTTPException)
    def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, "HTTPError", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def _bad_request(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, "ValidationError", f"{where}: {first.get('msg', 'invalid')}")

    def answer(who: User, ask: Callable[[Workspace], T]) -> Any:
        result = ask(mine())
        return result if who.sees_personal_data else _mask(result, set())

    cache: dict[tuple[str, str, bool], Any] = {}
    caching = threading.Lock()
    checked: list[Any] = [None, -VERSION_SECONDS]  # the data version and when it was read

    def version_now() -> str:
        """The data version, read at most once every `VERSION_SECONDS` (a query of the
        catalog costs half a millisecond, as much as the rest of a cached page)."""
        version, when = checked
        now = _clock()
        if version is None or now - when >= VERSION_SECONDS:
            version = mine().data_version()
            checked[:] = [version, now]
        return str(version)

    def cached(key: str, who: User, ask: Callable[[Workspace], T]) -> Any:
        """`answer`, kept until the data changes (`Workspace.data_version`, looked at once a
        second): for views that sum up the whole store, such as the overview. Callers must
        not change the result."""
        version = version_now()
        slot = (key, version, who.sees_personal_data)
        if slot in cache:
            return cache[slot]
        result = answer(who, ask)
        with caching:
            for old in [k for k in cache if k[0] == key and k[1] != version]:
                del cache[old]
            cache[slot] = result
        return result

    app.state.cached = cached

    @app.get("/api/openapi.json", tags=["health"])
    def openapi(who: Who) -> Any:
        """This API's OpenAPI specification."""
        return app.openapi()

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Whether the server is up (the only route without a token; it shows no data)."""
        return {"status": "ok"}

    @app.get("/api/status", tags=["data"])
    def status(who: Who) -> Any:
        """Rows per table and source, date ranges and the last loads."""
        return answer(who, lambda w: w.status())

    @app.get("/api/ingests", tags=["data"])
    def ingests(who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Any:
        """The latest loads, newest first."""
        return answer(who, lambda w: w.ingests(limit))

    @app.get("/api/rejects", tags=["data"])
    def rejects(who: Who, ingest_id: int | None = None,
                limit: Annotated[int, Query(ge=1, le=5000)] = 100) -> Any:
        """Rows refused by loads, with their reasons."""
        return answer(who, lambda w: w.rejects(ingest_id, limit))

    @app.get("/api/customers", tags=["customers"])
    def customers(who: Who, search: str | None = None, stage: str | None = None,
                  sort: str | None = None, persona: str | None = None,
                  theme: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                  offset: Annotated[int, Query(ge=0)] = 0) -> Any:
        """Customers: search any key, filter by ladder stage or status, persona or theme,
        sort by a behaviour column (highest first), page with limit and offset."""
        return answer(who, lambda w: w.customers(search, limit, offset, stage=stage, sort=sort,
                                                 persona=persona, theme=theme))

    @app.get("/api/customers/{customer}/profile", tags=["customers"])
    def profile(who: Who, customer: str) -> Any:
        """One customer as a person (see `rapport profile`)."""
        return answer(who, lambda w: w.profile(customer))

    @app.get("/api/themes", tags=["voice"])
    def themes(who: Who, level: Annotated[int | None, Query(ge=1, le=2)] = None,
               status: str | None = None, parent: str | None = None,
               limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> Any:
        """Themes: label, size, sentiment, trend, key phrases and quotes."""
        return answer(who, lambda w: w.themes(level=level, status=status, parent=parent,
                                              limit=limit))

    @app.get("/api/themes/{theme}/quotes", tags=["voice"])
    def quotes(who: Who, theme: str, limit: Annotated[int, Query(ge=1, le=500)] = 20,
               sentiment: str | None = None) -> Any:
        """A theme and its statements, most typical first."""
        return answer(who, lambda w: w.quotes(theme, limit=limit, sentiment=sentiment))

    @app.get("/api/facets", tags=["voice"])
    def facets(who: Who, facet: str | None = None, customer: str | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 20) -> Any:
        """Statements by inner-life facet, or the count of each."""
        return answer(who, lambda w: w.facets(facet, limit=limit, customer_id=customer))

    @app.get("/api/vocabulary", tags=["voice"])
    def vocabulary(who: Who, kind: str | None = None, group: str | None = None,
                   top: Annotated[int, Query(ge=1, le=100)] = 12) -> Any:
        """The phrases customers use, per theme, ladder stage or RFM segment."""
        return answer(who, lambda w: w.vocabulary(kind, group, top))

    @app.get("/api/personas", tags=["understanding"])
    def personas(who: Who) -> Any:
        """Needs-based personas."""
        return answer(who, lambda w: w.personas())

    @app.get("/api/personas/{persona}", tags=["understanding"])
    def persona(who: Who, persona: str) -> Any:
        """One persona and some of its customers."""
        return answer(who, lambda w: w.persona(persona))

    @app.get("/api/accounts", tags=["accounts"])
    def accounts(who: Who, search: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=10000)] = 100) -> Any:
        """The B2B accounts, best known first (see `rapport accounts`)."""
        return answer(who, lambda w: w.accounts(search, limit))

    @app.get("/api/accounts/{account}", tags=["accounts"])
    def account(who: Who, account: str,
                limit: Annotated[int, Query(ge=1, le=100)] = 5) -> Any:
        """One account's dossier: business, people, buying, and what we know and do not
        know about it (see `rapport account`)."""
        return answer(who, lambda w: w.account(account, limit))

    @app.get("/api/say-do", tags=["understanding"])
    def say_do(who: Who, type: str | None = None, customer: str | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Any:
        """What customers said against what they did."""
        return answer(who, lambda w: w.say_do(type, limit=limit, customer=customer))

    @app.get("/api/drivers", tags=["understanding"])
    def drivers(who: Who, outcome: str | None = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 20) -> Any:
        """What moves ratings, NPS, lapsing and CLV."""
        return answer(who, lambda w: w.drivers(outcome, limit=limit))

    @app.get("/api/coverage", tags=["understanding"])
    def coverage(who: Who, level: str = "overall", entity: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Any:
        """How well we know our customers, segments and accounts."""
        return answer(who, lambda w: w.coverage(level, entity, limit))

    @app.get("/api/trends", tags=["understanding"])
    def trends(who: Who, period: str = "month", start: date | None = None,
               end: date | None = None) -> Any:
        """Sentiment, facets and themes over time; emerging and fading themes; ladder flows
        between `start` and `end`."""
        return answer(who, lambda w: w.trends(period, start, end))

    @app.get("/api/ladder-flows", tags=["behaviour"])
    def ladder_flows(who: Who) -> Any:
        """How customers moved on the loyalty ladder over the last period (as analysed):
        new, moved up, won back, slipped, unchanged, and stage-to-stage counts."""
        return cached("ladder-flows", who, lambda w: w.recent_flows())

    @app.get("/api/plans", tags=["understanding"])
    def plan(who: Who, target_kind: Annotated[str, Query(alias="for")], target: str,
             sample: Annotated[int, Query(ge=1, le=500)] = 20) -> Any:
        """A research plan for a segment, an account or a customer (Markdown and SurveyJS)."""
        return answer(who, lambda w: w.plan(target_kind, target, sample_size=sample))

    @app.get("/api/cohorts", tags=["behaviour"])
    def cohorts(who: Who) -> Any:
        """Retention by first-purchase month and each cohort's sBG fit."""
        return answer(who, lambda w: w.cohorts())

    from .pages import add_pages

    add_pages(app, answer, cached)
    if warm:
        def warm_up() -> None:
            for role in ("analyst", "viewer"):
                try:
                    cached("overview", User("warm-up", role), app.state.overview_context)
                except (RapportError, duckdb.Error):
                    return  # not analysed yet, or the server stopped: the first visitor asks

        threading.Thread(target=warm_up, name="rapport-warm-up", daemon=True).start()
    return app
