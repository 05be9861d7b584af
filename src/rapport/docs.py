"""Documentation generated from the code, so the two cannot drift apart (`make docs`)."""

from __future__ import annotations

__all__ = ["schema_markdown"]


def schema_markdown() -> str:
    """docs/schema.md: the raw tables, then the derived tables of each stage."""
    from rapport.behavior.analysis import tables_markdown
    from rapport.schema import markdown
    from rapport.understand.analysis import tables_markdown as understand_tables

    return markdown() + "\n" + tables_markdown() + "\n" + understand_tables()
