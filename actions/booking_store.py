"""Consultation bookings in SQL (SQLAlchemy): a SQLite file by default, any URL from env.

Storing is idempotent: a booking's key is derived from the conversation and its answers,
so a channel that retries the confirming message gets the first booking back, not a
second one. Failures raise BookingStoreError for the caller to tell the user.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

logger = logging.getLogger(__name__)

metadata = sa.MetaData()

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("consult_for", sa.String(16), nullable=False),
    sa.Column("patient_age", sa.Integer, nullable=False),
    sa.Column("symptom_description", sa.Text, nullable=False),
    sa.Column("requester_name", sa.String(100), nullable=False),
    sa.Column("contact", sa.String(255), nullable=False),
    sa.Column("preferred_times", sa.String(255), nullable=False),
    sa.Column("consent", sa.Boolean, nullable=False),
    # Staff work the queue by status: new -> contacted -> scheduled -> closed / cancelled.
    sa.Column("status", sa.String(16), nullable=False, server_default="new"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Unambiguous characters only (no 0/O, 1/I/L): references are read out on the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "MMD-"


class BookingStoreError(RuntimeError):
    """The booking could not be stored; nothing was written."""


@dataclass(frozen=True)
class BookingRequest:
    sender_id: str
    consult_for: str
    patient_age: int
    symptom_description: str
    requester_name: str
    contact: str
    preferred_times: str
    consent: bool

    def idempotency_key(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def create_db_engine(url: str, timeout_seconds: float) -> Engine:
    """An engine whose connections give up after `timeout_seconds` instead of hanging."""
    connect_args: Dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["timeout"] = timeout_seconds
    elif url.startswith("postgresql"):
        connect_args["connect_timeout"] = max(1, int(timeout_seconds))
        connect_args["options"] = f"-c statement_timeout={int(timeout_seconds * 1000)}"
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, future=True)


class BookingStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def _ensure_schema(self) -> None:
        """Creates the table on first use; tolerates another process creating it first."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            database = self.engine.url.database
            if self.engine.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            try:
                metadata.create_all(self.engine)
            except (OperationalError, ProgrammingError):
                if not sa.inspect(self.engine).has_table(bookings.name):
                    raise
            self._schema_ready = True

    def save(self, request: BookingRequest) -> Tuple[str, bool]:
        """Stores the booking once. Returns (reference, created): created is False for a retry."""
        try:
            return self._save_once(request)
        except (SQLAlchemyError, OSError) as error:
            raise BookingStoreError(type(error).__name__) from error

    def _save_once(self, request: BookingRequest) -> Tuple[str, bool]:
        key = request.idempotency_key()
        self._ensure_schema()
        existing = self.find_reference(key)
        if existing:
            return existing, False
        reference = new_reference()
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    bookings.insert().values(
                        reference=reference,
                        idempotency_key=key,
                        created_at=datetime.now(timezone.utc),
                        **asdict(request),
                    )
                )
        except IntegrityError:
            # A concurrent retry stored the same booking first: hand back its reference.
            existing = self.find_reference(key)
            if existing:
                return existing, False
            raise
        return reference, True

    def find_reference(self, idempotency_key: str) -> Optional[str]:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(bookings.c.reference).where(
                    bookings.c.idempotency_key == idempotency_key
                )
            ).scalar_one_or_none()

    def get(self, reference: str) -> Optional[Dict[str, Any]]:
        self._ensure_schema()
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(bookings).where(bookings.c.reference == reference)
            ).mappings().first()
            return dict(row) if row else None
