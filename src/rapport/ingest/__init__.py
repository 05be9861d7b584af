"""Files and tables → the canonical raw tables: readers, column mapping, validation, identities."""

from rapport.ingest.fields import KINDS, infer_mapping
from rapport.ingest.loader import IngestRequest, IngestResult, ingest

__all__ = ["KINDS", "IngestRequest", "IngestResult", "infer_mapping", "ingest"]
