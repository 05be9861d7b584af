"""The web surfaces: the JSON API and the HTML pages, thin shells over Workspace. Needs the
`web` extra (FastAPI, uvicorn)."""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(store: str, *, warm: bool = False) -> object:
    """The FastAPI application over a store (see `rapport.web.api.create_app`)."""
    try:
        from rapport.web.api import create_app as make
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from rapport.errors import ConfigError

        raise ConfigError(f"the web app needs FastAPI and uvicorn ({exc.name} is missing): "
                          f"pip install 'rapport[web]'.") from None
    return make(store, warm=warm)
