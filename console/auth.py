"""Staff accounts and sessions: argon2 password hashes, signed expiring sessions, CSRF.

Password checks are slow on purpose (argon2): the app runs sign_in off the event loop.
Failed sign-ins are limited per client by console.ratelimit, never by locking accounts.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from console.tables import staff_sessions, staff_users

ROLES = ("agent", "admin")
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    display_name: Optional[str] = None

    @property
    def first_name(self) -> str:
        """The name users see on this member's replies: the display name, else the username's
        first part ("ana.lima" -> "Ana")."""
        name = (self.display_name or "").strip() or self.username.split(".")[0].split("-")[0]
        return name.split()[0][:32].capitalize() if name.split() else "Staff"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    user: StaffUser
    csrf_token: str


class AuthError(Exception):
    """A sign-in that failed; the message is safe to show."""


WRONG = "Wrong username or password."


def create_user(engine: Engine, username: str, password: str, role: str,
                display_name: Optional[str] = None) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").isalnum():
        raise ValueError("username: letters, digits, dots and dashes, up to 64 characters")
    with engine.begin() as connection:
        connection.execute(staff_users.insert().values(
            username=username, password_hash=_hasher.hash(password), role=role,
            display_name=(display_name or "").strip()[:64] or None, active=True,
            failed_logins=0, created_at=time.time()))


def user_exists(engine: Engine, username: str) -> bool:
    with engine.connect() as connection:
        return connection.execute(sa.select(staff_users.c.id)
                                  .where(staff_users.c.username == username)).first() is not None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(engine: Engine, username: str, password: str, session_minutes: int) -> str:
    """Returns a new session token, or raises AuthError with one message for every failure.

    An unknown user costs the same argon2 verification as a wrong password, so the answer
    time does not tell which accounts exist. (The columns failed_logins and locked_until
    of older databases are no longer used: accounts are never locked.)
    """
    now = time.time()
    token = secrets.token_urlsafe(32)
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(staff_users.c.id, staff_users.c.password_hash, staff_users.c.active)
            .where(staff_users.c.username == username)).mappings().first()
    verified = _verify(row["password_hash"] if row else _DUMMY_HASH, password)
    # A deactivated account answers like a wrong password: the same time, the same words.
    if row is None or not verified or not row["active"]:
        raise AuthError(WRONG)
    with engine.begin() as connection:
        connection.execute(staff_sessions.insert().values(
            token_hash=_token_hash(token), user_id=row["id"], csrf_token=secrets.token_urlsafe(24),
            expires_at=now + session_minutes * 60))
        connection.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
    return token


def sign_cookie(secret_key: str, token: str) -> str:
    """The cookie value: the token and its HMAC under CONSOLE_SECRET_KEY.

    A cookie not signed with this key (forged, tampered, or from before the key changed) is
    refused before any database read; changing the key signs everyone out.
    """
    return f"{token}.{_signature(secret_key, token)}"


def token_from_cookie(secret_key: str, cookie: Optional[str]) -> Optional[str]:
    token, _, signature = (cookie or "").rpartition(".")
    if not token or not hmac.compare_digest(signature.encode(), _signature(secret_key, token).encode()):
        return None
    return token


def _signature(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_for(engine: Engine, token: Optional[str], session_minutes: int) -> Optional[Session]:
    """The live session for a cookie token (sliding expiry), or None."""
    if not token:
        return None
    now = time.time()
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(staff_sessions.c.csrf_token, staff_sessions.c.expires_at, staff_users.c.id,
                      staff_users.c.username, staff_users.c.role, staff_users.c.display_name,
                      staff_users.c.active)
            .join(staff_users, staff_users.c.id == staff_sessions.c.user_id)
            .where(staff_sessions.c.token_hash == _token_hash(token))).mappings().first()
        if row is None or row["expires_at"] < now or not row["active"]:
            return None
        connection.execute(staff_sessions.update()
                           .where(staff_sessions.c.token_hash == _token_hash(token))
                           .values(expires_at=now + session_minutes * 60))
    return Session(StaffUser(row["id"], row["username"], row["role"], row["display_name"]), row["csrf_token"])


def sign_out(engine: Engine, token: Optional[str]) -> None:
    if token:
        with engine.begin() as connection:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == _token_hash(token)))


def csrf_ok(session: Session, submitted: Optional[str]) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted)
