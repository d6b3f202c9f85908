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
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from common.bookings_schema import (  # noqa: F401 - the tables, importable from here as before
    booking_updates,
    bookings,
    ensure_schema,
    live_requests,
    metadata,
    staff_presence,
)
from common.db import create_db_engine  # noqa: F401 - importable from here as before

logger = logging.getLogger(__name__)

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
    patient_age_label: Optional[str] = None

    def idempotency_key(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


class BookingStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def _ensure_schema(self) -> None:
        """Creates the tables on first use (once per store); see common.bookings_schema."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if not self._schema_ready:
                ensure_schema(self.engine)
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

    # --- after the booking: the user's own requests, found by their conversation ----------

    def latest_for_sender(self, sender_id: str, reference: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The conversation's most recent open request (else its latest cancelled one), or None.

        With a reference, that request if it belongs to this conversation; otherwise the
        latest one (a reference from another conversation is never returned).
        """
        try:
            self._ensure_schema()
            with self.engine.connect() as connection:
                query = sa.select(bookings).where(bookings.c.sender_id == sender_id)
                if reference:
                    named = connection.execute(
                        query.where(bookings.c.reference == reference)
                    ).mappings().first()
                    if named:
                        return dict(named)
                # The latest open request first; a cancelled one only when nothing else is open.
                cancelled_last = sa.case((bookings.c.status == "cancelled", 1), else_=0)
                row = connection.execute(
                    query.order_by(cancelled_last, bookings.c.created_at.desc(), bookings.c.id.desc()).limit(1)
                ).mappings().first()
                return dict(row) if row else None
        except (SQLAlchemyError, OSError) as error:
            raise BookingStoreError(type(error).__name__) from error

    def record_update(self, reference: str, kind: str, detail: str = "") -> None:
        """Records a change request or a cancellation; a cancellation also sets the status."""
        if kind not in ("change", "cancel"):
            raise ValueError(kind)
        try:
            self._ensure_schema()
            with self.engine.begin() as connection:
                connection.execute(booking_updates.insert().values(
                    reference=reference, kind=kind, detail=detail[:255],
                    created_at=datetime.now(timezone.utc),
                ))
                if kind == "cancel":
                    connection.execute(
                        bookings.update().where(bookings.c.reference == reference)
                        .values(status="cancelled")
                    )
        except (SQLAlchemyError, OSError) as error:
            raise BookingStoreError(type(error).__name__) from error

    def updates_for(self, reference: str) -> List[Dict[str, Any]]:
        self._ensure_schema()
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(booking_updates).where(booking_updates.c.reference == reference)
                .order_by(booking_updates.c.id)
            ).mappings().all()
            return [dict(row) for row in rows]

    # --- live hand-off ---------------------------------------------------------------------

    def staff_available(self, within_seconds: float) -> bool:
        """True when a staff member was active in the console within the last seconds."""
        try:
            self._ensure_schema()
            since = datetime.now(timezone.utc) - timedelta(seconds=within_seconds)
            with self.engine.connect() as connection:
                count = connection.execute(
                    sa.select(sa.func.count()).select_from(staff_presence)
                    .where(staff_presence.c.last_seen >= since)
                ).scalar_one()
                return count > 0
        except (SQLAlchemyError, OSError) as error:
            raise BookingStoreError(type(error).__name__) from error

    def request_live_handoff(self, sender_id: str) -> bool:
        """Adds a waiting live request (once per conversation). True if it is new."""
        try:
            self._ensure_schema()
            with self.engine.begin() as connection:
                waiting = connection.execute(
                    sa.select(live_requests.c.id).where(
                        live_requests.c.sender_id == sender_id,
                        live_requests.c.status == "waiting",
                    )
                ).first()
                if waiting:
                    return False
                connection.execute(live_requests.insert().values(
                    sender_id=sender_id, status="waiting", created_at=datetime.now(timezone.utc),
                ))
                return True
        except (SQLAlchemyError, OSError) as error:
            raise BookingStoreError(type(error).__name__) from error
