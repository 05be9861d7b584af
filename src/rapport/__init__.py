"""Rapport: know your customers the way a friend does.

`rapport.open(path)` opens (or creates) a store and returns the `Workspace` façade.
"""

from rapport.errors import (
    ConfigError,
    IngestError,
    InputError,
    MappingError,
    NotAnalyzedError,
    RapportError,
    StoreError,
)
from rapport.ingest import IngestResult
from rapport.workspace import Workspace, open_workspace

__version__ = "0.1.0"

open = open_workspace

__all__ = [
    "ConfigError",
    "IngestError",
    "IngestResult",
    "InputError",
    "MappingError",
    "NotAnalyzedError",
    "RapportError",
    "StoreError",
    "Workspace",
    "__version__",
    "open",
]
