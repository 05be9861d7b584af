"""Who may open a store through the web app: users with roles, passwords and API tokens.

Passwords are kept only as scrypt hashes (n=2**14, r=8, p=1, a 16-byte random salt), compared
in constant time. API tokens are 32 random bytes shown once when made; the store keeps their
SHA-256. Roles: `viewer` (reads, with personal data redacted), `analyst` (reads everything),
`admin` (also manages users and tokens). `Workspace` inherits these methods.
"""

from __future__ import annotations

__all__ = ["ROLES", "AccessMethods", "User", "hash_password", "verify_password"]

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rapport.errors import AccessError, ConfigError
from rapport.store import StoreQueries

ROLES = ("viewer", "analyst", "admin")
_N, _R, _P = 2**14, 8, 1
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD = 10
ACTIVE_SECONDS = 5.0
"""How long a user found active is taken as active without asking the store again."""
_clock = time.monotonic  # (tests move it on)


@dataclass(frozen=True)
class User:
    username: str
    role: str

    @property
    def sees_personal_data(self) -> bool:
        return self.role in ("analyst", "admin")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """An scrypt hash of `password` with a fresh salt: scrypt$n$r$p$salt$hash."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by `hash_password` (constant-time compare)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(_unb64(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccessMethods(StoreQueries):
    """Part of `Workspace`: users, passwords and API tokens."""

    _active_seen: dict[str, float]
    """User name -> when `active` last found them active (shared with the views)."""

    def add_user(self, username: str, password: str, role: str = "viewer") -> dict[str, Any]:
        """Add a user who may log in to the web app (or replace their password and role)."""
        self._writable()
        if not _USERNAME.match(username):
            raise ConfigError(f"user name {username!r}: use 2-64 letters, digits, '.', '_', "
                              f"'@' or '-', starting with a letter or digit.")
        if role not in ROLES:
            raise ConfigError(f"role {role!r}: use one of {', '.join(ROLES)}.")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"the password is too short: use at least {MIN_PASSWORD} "
                              f"characters.")
        self._con.execute(
            "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, false)",
            [username, role, hash_password(password), _now()])
        self._active_seen.clear()
        return {"username": username, "role": role}

    def users(self) -> list[dict[str, Any]]:
        """The users, without their password hashes."""
        rows = self._con.execute("SELECT username, role, created_at, disabled FROM users "
                                 "ORDER BY username").fetchall()
        return [{"username": u, "role": r, "created_at": str(c)[:19], "disabled": bool(d)}
                for u, r, c, d in rows]

    def login(self, username: str, password: str) -> User:
        """The user, if the password is right; AccessError otherwise (the same message
        whether the name or the password was wrong)."""
        rows = self._con.execute("SELECT role, password_hash, disabled FROM users WHERE "
                                 "username = ?", [username]).fetchall()
        stored = rows[0][1] if rows else hash_password(secrets.token_hex(8))  # same cost
        ok = verify_password(password, stored)
        if not rows or not ok or rows[0][2]:
            raise AccessError("wrong user name or password.")
        return User(username, str(rows[0][0]))

    def active(self, username: str) -> bool:
        """Whether the user exists and is not disabled (a session's check on every page).
        A user found active is taken as active for `ACTIVE_SECONDS` more without a query:
        the check would otherwise be a tenth of a page's work. Only this process can change
        users while it holds the store, and `add_user` forgets what was seen."""
        now = _clock()
        seen = self._active_seen.get(username)
        if seen is not None and now - seen < ACTIVE_SECONDS:
            return True
        found = bool(self._con.execute("SELECT 1 FROM users WHERE username = ? AND NOT "
                                       "disabled", [username]).fetchall())
        if found:
            self._active_seen[username] = now
        else:
            self._active_seen.pop(username, None)
        return found

    def create_token(self, username: str, name: str = "script") -> dict[str, Any]:
        """A new API token acting as `username`; the token itself is shown only now."""
        self._writable()
        if not self.active(username):
            raise ConfigError(f"no user {username!r}; add one with `rapport user add`.")
        token = "rpt_" + secrets.token_urlsafe(32)
        token_id = secrets.token_hex(4)
        self._con.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, NULL, false)",
                          [token_id, username, name, _token_hash(token), _now()])
        return {"token_id": token_id, "username": username, "name": name, "token": token}

    def revoke_token(self, token_id: str) -> None:
        """Stop a token from working."""
        self._writable()
        done = self._con.execute("UPDATE api_tokens SET revoked = true WHERE token_id = ? "
                                 "RETURNING token_id", [token_id]).fetchall()
        if not done:
            raise ConfigError(f"no token {token_id!r}; list them with `rapport token list`.")

    def tokens(self) -> list[dict[str, Any]]:
        """The API tokens (never the tokens themselves)."""
        rows = self._con.execute("SELECT token_id, username, name, created_at, last_used_at, "
                                 "revoked FROM api_tokens ORDER BY created_at").fetchall()
        return [{"token_id": t, "username": u, "name": n, "created_at": str(c)[:19],
                 "last_used_at": None if used is None else str(used)[:19], "revoked": bool(r)}
                for t, u, n, c, used, r in rows]

    def check_token(self, token: str) -> User:
        """The user a token acts as; AccessError if it is unknown or revoked."""
        rows = self._con.execute(
            "SELECT u.username, u.role FROM api_tokens t JOIN users u USING (username) WHERE "
            "t.token_hash = ? AND NOT t.revoked AND NOT u.disabled", [_token_hash(token)]
        ).fetchall()
        if not rows:
            raise AccessError("the API token is unknown or revoked; make one with "
                              "`rapport token create USER`.")
        if not self.read_only:
            self._con.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?",
                              [_now(), _token_hash(token)])
        return User(str(rows[0][0]), str(rows[0][1]))
