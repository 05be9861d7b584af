"""The `rapport` command: a thin shell over `Workspace` (Typer + rich)."""

from rapport.cli.app import app, main

__all__ = ["app", "main"]
