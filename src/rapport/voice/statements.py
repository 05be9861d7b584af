"""Feedback → statements: the language check, splitting into sentences and clauses with
offsets back into the feedback text, and PII redaction of every derived text."""

from __future__ import annotations

__all__ = ["FEEDBACK_STATUSES", "embedding_text", "split_feedback"]

import re
from collections.abc import Sequence

import pandas as pd

from rapport.voice.language import detect_language, language_status
from rapport.voice.redact import KnownNames, redact
from rapport.voice.split import split_statements

# Status of a feedback row in the voice stage.
FEEDBACK_STATUSES = {
    "ok": "analysed",
    "too short": "analysed; too short to tell the language, read as English",
    "unsupported language": "not analysed: only English is supported so far",
    "no text": "nothing to analyse",
}


_ADDRESSING = re.compile(r"(?:https?://\S+|www\.\S+|@\w+)")


def embedding_text(text: str) -> str:
    """What is embedded for a statement: its words without @handles and links (they say who
    was addressed, not what was said, and would otherwise group statements by company)."""
    if "@" in text or "#" in text or "://" in text or "www." in text:
        text_only = _ADDRESSING.sub(" ", text).replace("#", " ")
    else:
        text_only = text
    cleaned = " ".join(text_only.split())
    return cleaned or text


def split_feedback(feedback: pd.DataFrame, known: KnownNames | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the `feedback` rows (feedback_id, customer_id, account_id, ts, text, …) into
    statements. Returns (statements, feedback_status); statement texts are redacted (with
    `known`, the store's own people's names too)."""
    statement_rows: dict[str, list[object]] = {
        "statement_id": [],
        "feedback_id": [],
        "customer_id": [],
        "account_id": [],
        "ts": [],
        "position": [],
        "start": [],
        "end": [],
        "text": [],
    }
    status_rows: dict[str, list[object]] = {
        "feedback_id": [],
        "language": [],
        "status": [],
        "statements": [],
    }
    ids: Sequence[str] = feedback["feedback_id"].astype(str).tolist()
    texts = feedback["text"].tolist()
    customers = feedback["customer_id"].tolist()
    accounts = feedback["account_id"].tolist() if "account_id" in feedback else [None] * len(ids)
    stamps = feedback["ts"].tolist()
    for fid, text, cid, aid, ts in zip(ids, texts, customers, accounts, stamps, strict=True):
        if not isinstance(text, str) or not text.strip():
            status, language, spans = "no text", "und", []
        else:
            language = detect_language(text)
            status = language_status(text, language)
            spans = split_statements(text) if status != "unsupported language" else []
        status_rows["feedback_id"].append(fid)
        status_rows["language"].append(language)
        status_rows["status"].append(status)
        status_rows["statements"].append(len(spans))
        for n, span in enumerate(spans, start=1):
            statement_rows["statement_id"].append(f"{fid}-{n}")
            statement_rows["feedback_id"].append(fid)
            statement_rows["customer_id"].append(cid)
            statement_rows["account_id"].append(aid)
            statement_rows["ts"].append(ts)
            statement_rows["position"].append(n)
            statement_rows["start"].append(span.start)
            statement_rows["end"].append(span.end)
            statement_rows["text"].append(redact(span.text, known))
    statements = pd.DataFrame(statement_rows)
    statements["position"] = statements["position"].astype("int32")
    statements["start"] = statements["start"].astype("int32")
    statements["end"] = statements["end"].astype("int32")
    return statements, pd.DataFrame(status_rows)
