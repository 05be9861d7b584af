"""The folder where the voice stage keeps what it builds once and reuses: the fast mode's
distilled static model and the trained sentiment heads (setting `voice.model_cache`; default
`$XDG_CACHE_HOME/rapport/models`, else `~/.cache/rapport/models`)."""

from __future__ import annotations

__all__ = ["model_cache"]

import os
from pathlib import Path

from rapport import settings


def model_cache() -> Path:
    """The model cache folder (it may not exist yet)."""
    configured = settings.get("voice.model_cache")
    if configured:
        return Path(str(configured)).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rapport" / "models"
