"""The web commands: serve, and the users and API tokens who may use it (registered on the
main app)."""

from __future__ import annotations

__all__ = ["serve", "token_app", "user_app"]

import sys
from typing import Annotated

import typer

from rapport.cli.app import (
    JsonOpt,
    StoreOpt,
    _fail,
    _print_json,
    _query,
    _store,
    _table,
    _workspace,
    app,
    err,
    out,
)
from rapport.errors import RapportError

user_app = typer.Typer(help="Users who may log in to the web app (roles: viewer, analyst, admin).",
                       no_args_is_help=True)
token_app = typer.Typer(help="API tokens that let scripts call the web API as a user.",
                        no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="the login name")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin")] = "viewer",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="read the password from standard input (for scripts)")] = False,
    store: StoreOpt = None,
) -> None:
    """Add a user (or set their password and role); the password is asked for."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        with _workspace(store) as ws:
            done = ws.add_user(username, password, role)
    except RapportError as exc:
        _fail(exc)
        return
    out.print(f"user {done['username']} ({done['role']}) can now log in.")


@user_app.command("list")
def user_list(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The users and their roles."""
    rows = _query(store, lambda ws: ws.users())
    _print_json(rows) if as_json else out.print(_table(rows, "users"))


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="the user the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "script",
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make an API token; it is shown once, keep it safe."""
    try:
        with _workspace(store) as ws:
            done = ws.create_token(username, name)
    except RapportError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json(done)
        return
    out.print(f"token {done['token_id']} for {done['username']} ({done['name']}); it is shown "
              f"only now:")
    out.print(done["token"], markup=False, highlight=False)


@token_app.command("list")
def token_list(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The API tokens (never the tokens themselves)."""
    rows = _query(store, lambda ws: ws.tokens())
    _print_json(rows) if as_json else out.print(_table(rows, "API tokens"))


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="the token's id")],
                 store: StoreOpt = None) -> None:
    """Stop a token from working."""
    try:
        with _workspace(store) as ws:
            ws.revoke_token(token_id)
    except RapportError as exc:
        _fail(exc)
        return
    out.print(f"token {token_id} revoked.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on; keep 127.0.0.1 unless you "
                                           "mean to open it to your network")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8000,
    new_login: Annotated[str | None, typer.Option(
        help="first create (or reset) an analyst login of this name with a fresh password, "
             "printed once (make demo uses it)")] = None,
    store: StoreOpt = None,
) -> None:
    """Serve the web app and its JSON API on this machine (log in at /; scripts use a token
    from `rapport token create`; /health is the only open route)."""
    login = None
    try:
        import uvicorn

        from rapport.web import create_app

        if new_login:
            import secrets

            login = (new_login, secrets.token_urlsafe(12))
            with _workspace(store) as ws:
                ws.add_user(login[0], login[1], "analyst")
        application = create_app(str(_store(store)), warm=True)
    except ImportError:
        err.print("[bold red]Error:[/] the web app needs FastAPI and uvicorn: "
                  "pip install 'rapport[web]'.")
        raise typer.Exit(1) from None
    except RapportError as exc:
        _fail(exc)
        return
    if host not in _LOOPBACK:
        err.print(f"[yellow]warning:[/] listening on {host}: anyone who can reach this machine "
                  f"can try to log in; customer data leaves this machine over plain HTTP.")
    out.print(f"Rapport is serving on http://{host}:{port}/ (the API's OpenAPI spec at "
              f"/api/openapi.json); Ctrl+C stops it.")
    if login:
        out.print(f"Log in as [bold]{login[0]}[/] with the password "
                  f"[bold]{login[1]}[/] (shown only now).", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")  # type: ignore[arg-type]
