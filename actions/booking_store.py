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
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

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
    # Consent to share the conversation. False still sends the request: the clinician then
    # gets only the form answers, and the queue says the conversation may not be shared.
    sa.Column("consent", sa.Boolean, nullable=False),
    # Staff work the queue by status: new -> contacted -> scheduled -> closed / cancelled.
    # A request is never deleted: a user's cancellation sets "cancelled".
    sa.Column("status", sa.String(16), nullable=False, server_default="new"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The age as the user gave it ("18 months", "7"); patient_age holds whole years.
    sa.Column("patient_age_label", sa.String(32), nullable=True),
)

# What users asked after sending a request: a change of time or a cancellation, with when.
# The queue shows them next to the request; nothing here is ever deleted.
booking_updates = sa.Table(
    "booking_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "change" or "cancel"
    sa.Column("detail", sa.String(255), nullable=False, server_default=""),
    sa.Column("requested_by", sa.String(32), nullable=False, server_default="user"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# "Talk to a human": a live request staff pick up in the console while the user waits.
live_requests = sa.Table(
    "live_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="waiting"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Staff presence: the console marks who is signed in and active, so the assistant knows
# whether a live hand-off can be offered.
staff_presence = sa.Table(
    "staff_presence",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
)

# Columns added after the first release: created on start-up in existing databases.
_ADDED_COLUMNS = {"bookings": [bookings.c.patient_age_label]}

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
            self._add_missing_columns()
            self._schema_ready = True

    def _add_missing_columns(self) -> None:
        """Adds columns newer than an existing table (nullable, so old rows stay valid)."""
        inspector = sa.inspect(self.engine)
        for table_name, columns in _ADDED_COLUMNS.items():
            present = {column["name"] for column in inspector.get_columns(table_name)}
            for column in columns:
                if column.name in present:
                    continue
                column_type = column.type.compile(dialect=self.engine.dialect)
                try:
                    with self.engine.begin() as connection:
                        connection.execute(sa.text(
                            f"ALTER TABLE {table_name} ADD COLUMN {column.name} {column_type}"
                        ))
                except (OperationalError, ProgrammingError):
                    # Another process added it first.
                    if column.name not in {c["name"] for c in sa.inspect(self.engine).get_columns(table_name)}:
                        raise

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
