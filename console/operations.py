"""What staff change: review state, tags, notes, booking status, forgetting a user; all audited."""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from common.bookings_schema import booking_updates, bookings, live_requests
from console.db import rasa_events
from console.queries import BOOKING_STATUSES
from console.redaction import pseudonym
from console.tables import (
    audit_log,
    booking_handling,
    conversation_index,
    conversation_review,
    conversation_tags,
    corrections,
    message_index,
    notes,
)

logger = logging.getLogger(__name__)
MAX_NOTE = 2000
MAX_TAG = 64


def audit(console: Engine, username: Optional[str], action: str, detail: str = "") -> None:
    with console.begin() as connection:
        connection.execute(audit_log.insert().values(at=time.time(), username=username, action=action,
                                                     detail=detail[:1000]))


def subject_tag(sender_id: str) -> str:
    """How the audit log names a conversation without keeping the id (ids can be phone numbers)."""
    return pseudonym(sender_id)


def set_reviewed(console: Engine, sender_id: str, username: str, reviewed: bool) -> None:
    with console.begin() as connection:
        connection.execute(conversation_review.delete().where(conversation_review.c.sender_id == sender_id))
        if reviewed:
            connection.execute(conversation_review.insert().values(
                sender_id=sender_id, reviewed_by=username, reviewed_at=time.time()))


def add_tag(console: Engine, sender_id: str, tag: str) -> bool:
    tag = " ".join(tag.split())[:MAX_TAG].lower()
    if not tag:
        return False
    with console.begin() as connection:
        exists = connection.execute(sa.select(conversation_tags.c.tag).where(
            conversation_tags.c.sender_id == sender_id, conversation_tags.c.tag == tag)).first()
        if not exists:
            connection.execute(conversation_tags.insert().values(sender_id=sender_id, tag=tag))
    return True


def remove_tag(console: Engine, sender_id: str, tag: str) -> None:
    with console.begin() as connection:
        connection.execute(conversation_tags.delete().where(
            conversation_tags.c.sender_id == sender_id, conversation_tags.c.tag == tag))


def add_note(console: Engine, author: str, text: str, sender_id: Optional[str] = None,
             booking_reference: Optional[str] = None) -> bool:
    text = text.strip()[:MAX_NOTE]
    if not text:
        return False
    with console.begin() as connection:
        connection.execute(notes.insert().values(sender_id=sender_id, booking_reference=booking_reference,
                                                 author=author, at=time.time(), text=text))
    return True


def booking_exists(bookings_engine: Engine, reference: str) -> bool:
    if not sa.inspect(bookings_engine).has_table("bookings"):
        return False
    with bookings_engine.connect() as connection:
        return connection.execute(sa.select(bookings.c.reference)
                                  .where(bookings.c.reference == reference)).first() is not None


def update_booking(bookings_engine: Engine, console: Engine, reference: str, status: str,
                   handled_by: Optional[str]) -> bool:
    """Sets a new status and records who handles the request; False when nothing changed.

    The queue's form always sends the current status along with a note: saving the same
    status is no change, so it neither takes the request over nor gets audited.
    """
    if status not in BOOKING_STATUSES:
        return False
    with bookings_engine.begin() as connection:
        changed = connection.execute(bookings.update()
                                     .where(bookings.c.reference == reference, bookings.c.status != status)
                                     .values(status=status)).rowcount
    if not changed:
        return False
    with console.begin() as connection:
        # A request assigned to someone stays theirs; an unassigned one becomes the changer's.
        _set_handler(connection, reference, lambda assigned: assigned or handled_by)
    # The analytics page's "time to first contact": the first contact status is kept once.
    from console.analytics import record_first_contact
    record_first_contact(console, bookings_engine, reference, status)
    return True


def assign_booking(console: Engine, reference: str, username: Optional[str]) -> Optional[str]:
    """Assigns a request to a staff member (None: unassigned); returns who had it before."""
    with console.begin() as connection:
        return _set_handler(connection, reference, lambda _: username or None)


def _set_handler(connection: Any, reference: str, choose: Callable[[Optional[str]], Optional[str]]) -> Optional[str]:
    """Sets who handles a request to choose(who has it now), in the caller's transaction;
    returns who had it before."""
    before = connection.execute(sa.select(booking_handling.c.handled_by)
                                .where(booking_handling.c.reference == reference)).scalar()
    connection.execute(booking_handling.delete().where(booking_handling.c.reference == reference))
    connection.execute(booking_handling.insert().values(reference=reference, handled_by=choose(before),
                                                        updated_at=time.time()))
    return before


def mark_live_request_taken(bookings_engine: Engine, sender_id: str) -> int:
    """A staff member took the chat over: the user's waiting live request is "taken" (and stays
    so after the hand-back). Returns how many were waiting; a database error is logged only,
    since the take-over itself already happened."""
    try:
        if not sa.inspect(bookings_engine).has_table(live_requests.name):
            return 0
        with bookings_engine.begin() as connection:
            return connection.execute(live_requests.update().where(
                live_requests.c.sender_id == sender_id, live_requests.c.status == "waiting",
            ).values(status="taken")).rowcount
    except SQLAlchemyError as error:
        logger.warning("live request not marked taken error=%s", type(error).__name__)
        return 0


def forget_user(console: Engine, tracker: Engine, bookings_engine: Engine, sender_id: str) -> dict:
    """Deletes a user's conversation events, bookings (with their change requests and
    cancellations), live requests and everything the console kept on them."""
    counts = {"events": 0, "bookings": 0}
    if sa.inspect(tracker).has_table("events"):
        with tracker.begin() as connection:
            counts["events"] = connection.execute(
                rasa_events.delete().where(rasa_events.c.sender_id == sender_id)).rowcount
    references: list = []
    inspector = sa.inspect(bookings_engine)
    with bookings_engine.begin() as connection:
        if inspector.has_table(bookings.name):
            references = connection.execute(sa.select(bookings.c.reference)
                                            .where(bookings.c.sender_id == sender_id)).scalars().all()
            counts["bookings"] = connection.execute(
                bookings.delete().where(bookings.c.sender_id == sender_id)).rowcount
        if references and inspector.has_table(booking_updates.name):
            connection.execute(booking_updates.delete().where(booking_updates.c.reference.in_(references)))
        if inspector.has_table(live_requests.name):
            connection.execute(live_requests.delete().where(live_requests.c.sender_id == sender_id))
    with console.begin() as connection:
        # message_index and corrections hold what the user typed (the inbox's decisions too).
        for table in (conversation_index, message_index, corrections, conversation_review, conversation_tags):
            connection.execute(table.delete().where(table.c.sender_id == sender_id))
        connection.execute(notes.delete().where(notes.c.sender_id == sender_id))
        if references:
            connection.execute(notes.delete().where(notes.c.booking_reference.in_(references)))
            connection.execute(booking_handling.delete().where(booking_handling.c.reference.in_(references)))
    return counts
