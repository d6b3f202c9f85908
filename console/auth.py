"""Staff accounts and sessions: argon2 password hashes, lockout, expiring sessions, CSRF."""
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
LOCKED = "Too many failed sign-ins: this account is locked for a while."


def create_user(engine: Engine, username: str, password: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").isalnum():
        raise ValueError("username: letters, digits, dots and dashes, up to 64 characters")
    with engine.begin() as connection:
        connection.execute(staff_users.insert().values(
            username=username, password_hash=_hasher.hash(password), role=role,
            failed_logins=0, created_at=time.time()))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(engine: Engine, username: str, password: str, session_minutes: int,
            max_failed: int, lockout_minutes: int) -> str:
    """Returns a new session token, or raises AuthError (same message for every failure).

    The failure count is committed before AuthError is raised: raising inside the
    transaction would roll the count back and make lockout impossible.
    """
    now = time.time()
    failure: Optional[str] = None
    token = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(staff_users).where(staff_users.c.username == username)).mappings().first()
        if row is None:
            _verify(_DUMMY_HASH, password)
            failure = WRONG
        elif row["locked_until"] and row["locked_until"] > now:
            failure = LOCKED
        elif not _verify(row["password_hash"], password):
            failed = row["failed_logins"] + 1
            locked_until = now + lockout_minutes * 60 if failed >= max_failed else None
            connection.execute(staff_users.update().where(staff_users.c.id == row["id"]).values(
                failed_logins=0 if locked_until else failed, locked_until=locked_until))
            failure = LOCKED if locked_until else WRONG
        else:
            connection.execute(staff_users.update().where(staff_users.c.id == row["id"]).values(
                failed_logins=0, locked_until=None))
            connection.execute(staff_sessions.insert().values(
                token_hash=_token_hash(token), user_id=row["id"], csrf_token=secrets.token_urlsafe(24),
                expires_at=now + session_minutes * 60))
            connection.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
    if failure:
        raise AuthError(failure)
    return token


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
                      staff_users.c.username, staff_users.c.role)
            .join(staff_users, staff_users.c.id == staff_sessions.c.user_id)
            .where(staff_sessions.c.token_hash == _token_hash(token))).mappings().first()
        if row is None or row["expires_at"] < now:
            return None
        connection.execute(staff_sessions.update()
                           .where(staff_sessions.c.token_hash == _token_hash(token))
                           .values(expires_at=now + session_minutes * 60))
    return Session(StaffUser(row["id"], row["username"], row["role"]), row["csrf_token"])


def sign_out(engine: Engine, token: Optional[str]) -> None:
    if token:
        with engine.begin() as connection:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == _token_hash(token)))


def csrf_ok(session: Session, submitted: Optional[str]) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted)
