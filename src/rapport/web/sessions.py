"""Browser sessions for the web pages: signed cookies and CSRF tokens.

A session is a cookie holding the user, their role, an expiry and a CSRF token, signed with
HMAC-SHA256 under a secret kept in the store (`rapport_meta`, made on first use), so sessions
survive a restart and cannot be forged. The cookie is HttpOnly and SameSite=Lax. Forms carry
the session's CSRF token in a hidden field; the login form, before any session exists, uses a
separate CSRF cookie whose value the form must repeat (double submit).
"""

from __future__ import annotations

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "Session", "SessionSigner"]

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import duckdb

SESSION_COOKIE = "rapport_session"
CSRF_COOKIE = "rapport_login_csrf"
LIFETIME_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    csrf: str
    expires: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Makes and reads session cookies with the store's secret."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute("SELECT value FROM rapport_meta WHERE key = 'web_secret'").fetchall()
        if rows:
            secret = rows[0][0]
        else:
            secret = secrets.token_hex(32)
            con.execute("INSERT INTO rapport_meta VALUES ('web_secret', ?)", [secret])
        self._key = bytes.fromhex(str(secret))

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def make(self, username: str, role: str) -> tuple[str, Session]:
        """A new session and its cookie value."""
        session = Session(username, role, secrets.token_urlsafe(24),
                          time.time() + LIFETIME_SECONDS)
        payload = _b64(json.dumps({"u": username, "r": role, "c": session.csrf,
                                   "e": session.expires}).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}", session

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie, if its signature holds and it has not expired."""
        if not cookie or "." not in cookie:
            return None
        payload, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(str(data["u"]), str(data["r"]), str(data["c"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None

    @staticmethod
    def same(a: str | None, b: str | None) -> bool:
        """Constant-time comparison of two CSRF tokens (both present)."""
        return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
