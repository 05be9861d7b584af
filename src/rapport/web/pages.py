"""The HTML pages: login and logout, the overview dashboard, customers, a customer's profile,
and the data page (loads and rejected rows). Each page asks Workspace and renders a template;
viewers get personal data redacted, as in the API."""

from __future__ import annotations

__all__ = ["add_pages"]

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rapport.access import User
from rapport.behavior.ladder import LADDER, STATUSES
from rapport.charts import PALETTE, bar_chart, histogram, line_chart
from rapport.errors import AccessError, NotAnalyzedError
from rapport.formats import horizon, own_ids
from rapport.understand.say_do_rows import type_words
from rapport.workspace import Workspace

from .sessions import CSRF_COOKIE, SESSION_COOKIE, Session, SessionSigner
from .templates import render


class LoginRequired(Exception):
    """Raised by page dependencies when there is no valid session: redirect to /login."""


def _page(request: Request, name: str, session: Session | None, status: int = 200,
          **context: Any) -> HTMLResponse:
    user = User(session.username, session.role) if session else None
    html = render(name, user=user, csrf=session.csrf if session else "", **context)
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                   "img-src 'self' data:; form-action 'self'; "
                                   "frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})


def _optional(fn: Callable[[], Any], default: Any) -> Any:
    """A part of a page that needs an analysis not run yet shows its default instead."""
    try:
        return fn()
    except NotAnalyzedError:
        return default


def _session(request: Request) -> Session:
    """The request's session; a missing, forged or expired one, or one whose user was
    disabled or removed, sends the browser to the login page."""
    state = request.app.state
    found = state.signer.read(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise LoginRequired()
    if not state.local().active(found.username):
        raise LoginRequired()
    session: Session = found
    return session


Current = Annotated[Session, Depends(_session)]


Answer = Callable[[User, Callable[[Workspace], Any]], Any]
_MOVES = {"new": PALETTE["bar"], "moved up": PALETTE["positive"],
          "won back": PALETTE["positive"], "slipped": PALETTE["negative"],
          "unchanged": PALETTE["neutral"]}


def add_pages(app: FastAPI, answer: Answer,
              cached: Callable[[str, User, Callable[[Workspace], Any]], Any]) -> None:
    """Mount the pages on `app` (which owns the workspace, asked through `answer`, or through
    `cached` for views kept until the data changes)."""
    with app.state.lock:
        signer = SessionSigner(app.state.workspace._con)
    app.state.signer = signer

    @app.exception_handler(LoginRequired)
    def _to_login(_: Request, __: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        page = _page(request, "login", None, title="Log in", error=None, login_csrf=token)
        page.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
        return page

    @app.post("/login", include_in_schema=False)
    def login(request: Request, username: Annotated[str, Form()],
              password: Annotated[str, Form()], csrf: Annotated[str, Form()]) -> Response:
        if not SessionSigner.same(csrf, request.cookies.get(CSRF_COOKIE)):
            return _page(request, "login", None, status=403, title="Log in",
                         error="The form expired; please log in again.",
                         login_csrf=request.cookies.get(CSRF_COOKIE) or "")
        try:
            who = app.state.local().login(username, password)
        except AccessError as exc:
            return _page(request, "login", None, status=401, title="Log in", error=str(exc),
                         login_csrf=csrf)
        cookie, _ = signer.make(who.username, who.role)
        done = RedirectResponse("/", status_code=303)
        done.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax",
                        max_age=8 * 3600)
        done.delete_cookie(CSRF_COOKIE)
        return done

    @app.post("/logout", include_in_schema=False)
    def logout(s: Current, csrf: Annotated[str, Form()]) -> Response:
        if not SessionSigner.same(csrf, s.csrf):
            raise AccessError("the form's CSRF token does not match your session; reload the "
                              "page and try again.")
        done = RedirectResponse("/login", status_code=303)
        done.delete_cookie(SESSION_COOKIE)
        return done

    def who(s: Session) -> User:
        return User(s.username, s.role)

    def overview_context(w: Workspace) -> dict[str, Any]:
        """Everything the overview shows, charts drawn (cached until the data changes)."""
        def stage_counts() -> dict[str, int]:
            w._require("customer_behavior")
            return dict(w.sql("SELECT stage, count(*) FROM customer_behavior GROUP BY 1")
                        .to_pandas().itertuples(index=False, name=None))

        cov = _optional(w.coverage, {"score": None, "blind_spots": []})
        stages = _optional(stage_counts, {})
        clv = _optional(lambda: w.sql("SELECT clv FROM customer_behavior WHERE n_orders > 0"
                                      ).column(0).to_numpy(zero_copy_only=False), [])
        trends = _optional(lambda: w.trends("month"), {"series": {}, "emerging": []})
        flows = _optional(w.recent_flows, {"moves": {}, "flows": [], "from": None})
        series = trends["series"].get("sentiment", [])
        themes = _optional(lambda: w.themes(level=1, limit=8), [])
        moves = [m for m in _MOVES if flows["moves"].get(m)]
        return {
            "score": "—" if cov["score"] is None else f"{cov['score']:.0f}",
            "blind_spots": cov["blind_spots"][:4],
            "ladder": bar_chart([(st, float(stages.get(st, 0))) for st in LADDER],
                                title="The loyalty ladder", width=400, label_width=130),
            "flows_chart": bar_chart(
                [(m, float(flows["moves"][m])) for m in moves],
                title=f"Moves on the ladder since {flows['from']}" if flows["from"]
                else "Moves on the ladder", width=400, label_width=130,
                colours=[_MOVES[m] for m in moves]) if moves else "",
            "flows": [f for f in flows["flows"] if f["move"] != "unchanged"][:6],
            "clv": histogram(clv, title=f"Customer lifetime value over "
                             f"{horizon(w.clv_horizon())}", log=True,
                             width=400, height=240),
            "sentiment": line_chart([(str(p["period"])[:7], float(p["sentiment"] or 0))
                                     for p in series][-24:],
                                    title="What customers say: mean sentiment by month"),
            "at_risk": _optional(lambda: w.customers(stage="at-risk", sort="clv", limit=8),
                                 []),
            "themes_chart": bar_chart([(t["label"], float(t["size"])) for t in themes],
                                      title="Statements per theme", width=400,
                                      label_width=170),
            "emerging": trends["emerging"][:5],
            "say_do": _optional(lambda: w.say_do(limit=5)["insights"], []),
        }

    app.state.overview_context = overview_context

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, s: Current) -> Response:
        data = cached("overview", who(s), overview_context)
        return _page(request, "overview", s, title="Overview", **data)

    @app.get("/customers", response_class=HTMLResponse, include_in_schema=False)
    def customers(request: Request, s: Current, search: str | None = None,
                  stage: str | None = None, persona: str | None = None,
                  theme: str | None = None) -> Response:
        rows = answer(who(s), lambda w: w.customers(
            search or None, 100, stage=stage or None, sort="clv" if stage else None,
            persona=persona or None, theme=theme or None))
        personas = answer(who(s), lambda w: _optional(w.personas, []))
        themes = answer(who(s), lambda w: _optional(lambda: w.themes(level=1, limit=40), []))
        return _page(request, "customers", s, title="Customers", customers=rows,
                     search=search, stage=stage, stages=[*LADDER, *STATUSES],
                     persona=persona, personas=personas, theme=theme, themes=themes)

    @app.get("/customers/{customer}", response_class=HTMLResponse, include_in_schema=False)
    def profile(request: Request, s: Current, customer: str) -> Response:
        p = answer(who(s), lambda w: w.profile(customer))
        ident = p["identity"]
        facts = [(k, v) for k, v in (("e-mail", ident.get("email")), ("phone", ident.get("phone")),
                                     ("account", ident.get("account")),
                                     ("customer since", ident.get("created_at")),
                                     *((str(k).lower(), v) for k, v in
                                       (ident.get("demographics") or {}).items()),
                                     ("their ids", ", ".join(own_ids(ident.get("keys")))
                                      or None),
                                     ("source", ident.get("source")))
                 if v is not None]
        feedback = (p.get("voice") or {}).get("feedback") or []
        sentiment = line_chart([(str(f["day"]), float(f["sentiment"])) for f in feedback
                                if f.get("sentiment") is not None],
                               title="Their sentiment over time") if feedback else ""
        dims = (p.get("coverage") or {}).get("dimensions") or []
        coverage = bar_chart([(d["label"], 100 * float(d["score"])) for d in dims],
                             title="Coverage by dimension (%)") if dims else ""
        name = ident.get("name") or p["customer_id"]
        return _page(request, "profile", s, title=str(name), p=p, facts=facts,
                     sentiment=sentiment, coverage=coverage)

    @app.get("/accounts", response_class=HTMLResponse, include_in_schema=False)
    def accounts(request: Request, s: Current, search: str | None = None) -> Response:
        rows = answer(who(s), lambda w: w.accounts(search or None, 200))
        return _page(request, "accounts", s, title="Accounts", accounts=rows, search=search)

    @app.get("/accounts/{account}", response_class=HTMLResponse, include_in_schema=False)
    def account(request: Request, s: Current, account: str) -> Response:
        d = answer(who(s), lambda w: w.account(account))
        scored = [(x["label"], 100 * x["score"]) for x in d["dimensions"]
                  if x["score"] is not None]
        chart = bar_chart(scored, title="What we know, by dimension (%)", width=400,
                          label_width=170) if scored else ""
        return _page(request, "account", s, title=str(d["account"]["name"] or d["account_id"]),
                     d=d, chart=chart)

    @app.get("/themes", response_class=HTMLResponse, include_in_schema=False)
    def themes(request: Request, s: Current) -> Response:
        rows = answer(who(s), lambda w: w.themes(level=1))
        chart = bar_chart([(t["label"], float(t["size"])) for t in rows[:15]],
                          title="The largest themes (statements)")
        return _page(request, "themes", s, title="Themes", themes=rows, chart=chart)

    @app.get("/themes/{theme}", response_class=HTMLResponse, include_in_schema=False)
    def theme(request: Request, s: Current, theme: str) -> Response:
        found = answer(who(s), lambda w: w.quotes(theme, limit=30))
        key = found["theme"]["theme_id"]
        subthemes = answer(who(s), lambda w: w.themes(parent=key))
        series = answer(who(s), lambda w: _optional(lambda: w.sql(
            "SELECT CAST(period AS DATE) AS period, share FROM trends WHERE kind = 'theme' "
            "AND key = ? ORDER BY period", [key]).to_pylist(), []))
        trend = line_chart([(str(r["period"])[:7], 100 * float(r["share"])) for r in series],
                           title="Share of all statements by month (%)", low=0.0,
                           high=max([100 * float(r["share"]) for r in series] + [1.0]),
                           fmt="{:.1f}")
        return _page(request, "theme", s, title=str(found["theme"]["label"]),
                     theme=found["theme"], quotes=found["quotes"], subthemes=subthemes,
                     trend=trend)

    @app.get("/personas", response_class=HTMLResponse, include_in_schema=False)
    def personas(request: Request, s: Current) -> Response:
        rows = answer(who(s), lambda w: w.personas())
        return _page(request, "personas", s, title="Personas", personas=rows)

    @app.get("/personas/{persona}", response_class=HTMLResponse, include_in_schema=False)
    def persona(request: Request, s: Current, persona: str) -> Response:
        p = answer(who(s), lambda w: w.persona(persona))
        return _page(request, "persona", s, title=str(p["name"]), p=p)

    @app.get("/say-do", response_class=HTMLResponse, include_in_schema=False)
    def say_do(request: Request, s: Current, type: str | None = None) -> Response:
        found = answer(who(s), lambda w: w.say_do(type or None, limit=40))
        chart = bar_chart([(type_words(k), float(v)) for k, v in found["counts"].items()],
                          title="Say vs do: insights by type")
        return _page(request, "say_do", s, title="Say vs do", chart=chart,
                     insights=found["insights"])

    @app.get("/knowledge", response_class=HTMLResponse, include_in_schema=False)
    def knowledge(request: Request, s: Current, segment: str = "high-value") -> Response:
        cov = answer(who(s), lambda w: w.coverage())
        plan = answer(who(s), lambda w: w.plan("segment", segment, sample_size=10))
        chart = bar_chart([(d["dimension"], 100 * float(d["known_share"]))
                           for d in cov["dimensions"]],
                          title="Share of customers for whom we know … (%)")
        return _page(request, "knowledge", s, title="Knowledge gaps and research plans",
                     score="—" if cov["score"] is None else f"{cov['score']:.0f}",
                     blind_spots=cov["blind_spots"], chart=chart, plan=plan)

    @app.get("/data", response_class=HTMLResponse, include_in_schema=False)
    def data(request: Request, s: Current) -> Response:
        found = answer(who(s), lambda w: {"ingests": w.ingests(100), "rejects": w.rejects()})
        return _page(request, "data", s, title="Data", **found)
