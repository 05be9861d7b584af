"""The report command: one self-contained HTML file to send by e-mail (registered on the main
app)."""

from __future__ import annotations

__all__ = ["report"]

from pathlib import Path
from typing import Annotated

import typer

from rapport.cli.app import StoreOpt, _fail, _query, _store, app, out
from rapport.errors import ConfigError
from rapport.workspace import Workspace


def _render(ws: Workspace, title: str | None) -> str:
    try:
        from rapport.report import render_report
    except ImportError as exc:
        raise ConfigError(f"the report needs Jinja2 ({exc.name} is missing): "
                          f"pip install jinja2") from None
    return render_report(ws, title=title)


@app.command()
def report(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="the HTML file to write (default: the store's name with "
        "-report.html, in the current folder)")] = None,
    title: Annotated[str | None, typer.Option(help="the business's name in the header "
                                                   "(default: the store's file name)")] = None,
    store: StoreOpt = None,
) -> None:
    """Write a self-contained HTML report (overview, loyalty ladder, themes, say-vs-do, drivers,
    personas) with no scripts and no external links, safe to send by e-mail."""
    html = _query(store, lambda ws: _render(ws, title))
    if output is None:
        output = Path(f"{_store(store).stem}-report.html")
    try:
        output.write_text(html, encoding="utf-8")
    except OSError as exc:
        _fail(ConfigError(f"cannot write {output}: {exc.strerror or exc}; choose another "
                          f"--output."))
    size = output.stat().st_size
    out.print(f"report written to {output} ({size / 1024:,.0f} KB)", highlight=False)
