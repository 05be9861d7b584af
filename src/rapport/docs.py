"""Documentation generated from the code, so the two cannot drift apart (`make docs`)."""

from __future__ import annotations

__all__ = ["schema_markdown"]


def schema_markdown() -> str:
    """docs/schema.md: the raw tables, then the derived tables of each stage."""
    from rapport.behavior.analysis import tables_markdown
    from rapport.schema import markdown

    return markdown() + "\n" + tables_markdown()
