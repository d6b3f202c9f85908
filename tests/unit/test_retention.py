"""Retention on SQLite and PostgreSQL: old conversations and finished requests go, open ones
stay, analytics keeps anonymous counts, and each run is audited."""
from __future__ import annotations

# ruff: noqa: F811 - the shared fixture is imported, then named as a test argument
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from actions.booking_store import BookingRequest, BookingStore, booking_updates, bookings
from console import operations
from console.db import rasa_events
from console.indexer import refresh_index
from console.retention import RetentionPolicy, apply_retention
from console.tables import audit_log, conversation_index, conversation_tags, message_index, notes
from tests.unit.test_console import dbs  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400


def conversation(tracker, sender, days_ago, text="my son's hand mirrors the other, call me on 0812 3456 7890"):
    stamp = time.time() - days_ago * DAY
    event = {"event": "user", "text": text, "timestamp": stamp,
             "parse_data": {"intent": {"name": "report_symptom", "confidence": 0.9}}}
    with tracker.begin() as connection:
        connection.execute(rasa_events.insert().values(sender_id=sender, type_name="user", timestamp=stamp,
                                                       intent_name="report_symptom", data=json.dumps(event)))


def booking(bookings_db, sender, status, days_ago):
    store = BookingStore(bookings_db)
    reference = store.save(BookingRequest(sender, "self", 30, "mirroring", "Rina", "rina@example.com",
                                          "mornings", True))[0]
    store.record_update(reference, "change", "friday please")
    with bookings_db.begin() as connection:
        connection.execute(bookings.update().where(bookings.c.reference == reference).values(
            status=status, created_at=datetime.now(timezone.utc) - timedelta(days=days_ago)))
    return reference


def count(engine, table, *where):
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


def test_old_conversations_and_finished_requests_are_deleted_and_analytics_keeps_anonymous_counts(dbs):
    console, tracker, bookings_db = dbs
    conversation(tracker, "+447700900123", days_ago=400)            # old: goes
    conversation(tracker, "recent-user", days_ago=10)                # recent: stays
    conversation(tracker, "old-but-open", days_ago=400)              # old, open request: stays
    open_request = booking(bookings_db, "old-but-open", "contacted", days_ago=400)
    closed_old = booking(bookings_db, "old-closed", "closed", days_ago=400)
    cancelled_recent = booking(bookings_db, "recent-cancel", "cancelled", days_ago=20)
    refresh_index(console, tracker)
    operations.add_tag(console, "+447700900123", "follow up")
    operations.add_note(console, "ana", "called her", sender_id="+447700900123")
    operations.add_note(console, "ana", "done", booking_reference=closed_old)

    policy = RetentionPolicy(conversation_days=365, booking_days=365)
    assert apply_retention(console, tracker, bookings_db, policy, dry_run=True) == {
        "conversations": 1, "events": 0, "bookings": 1}
    assert count(tracker, rasa_events) == 3  # a dry run deletes nothing
    counts = apply_retention(console, tracker, bookings_db, policy)
    assert counts == {"conversations": 1, "events": 1, "bookings": 1}

    assert count(tracker, rasa_events, rasa_events.c.sender_id == "+447700900123") == 0
    assert count(tracker, rasa_events) == 2
    with bookings_db.connect() as connection:
        left = set(connection.execute(sa.select(bookings.c.reference)).scalars())
        assert connection.execute(sa.select(sa.func.count()).select_from(booking_updates).where(
            booking_updates.c.reference == closed_old)).scalar_one() == 0
    assert left == {open_request, cancelled_recent}
    assert count(console, conversation_tags) == 0 and count(console, notes) == 0
    # Analytics still counts the conversation and its message, without a trace of who it was.
    with console.connect() as connection:
        index = connection.execute(sa.select(conversation_index)).mappings().all()
        messages = connection.execute(sa.select(message_index)).mappings().all()
    assert len(index) == 3 and len(messages) == 3
    dumped = json.dumps([dict(row) for row in index] + [dict(row) for row in messages], default=str)
    assert "+447700900123" not in dumped
    anonymous = [row for row in index if row["sender_id"].startswith("conversation#")]
    assert len(anonymous) == 1 and anonymous[0]["preview"] == anonymous[0]["search_text"] == ""
    assert [row["text"] for row in messages if row["sender_id"] == anonymous[0]["sender_id"]] == [""]
    assert sum(row["symptom"] for row in index) == 3
    with console.connect() as connection:
        [detail] = connection.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "retention")).scalars()
    assert detail.startswith("conversations=1 events=1 bookings=1") and "+44" not in detail


def test_zero_days_keeps_everything(dbs):
    console, tracker, bookings_db = dbs
    conversation(tracker, "ancient", days_ago=3000)
    booking(bookings_db, "ancient", "closed", days_ago=3000)
    assert apply_retention(console, tracker, bookings_db, RetentionPolicy(0, 0)) == {
        "conversations": 0, "events": 0, "bookings": 0}
    assert count(tracker, rasa_events) == 1


def test_the_command_reads_its_ages_from_the_environment(tmp_path):
    urls = {name: f"sqlite:///{tmp_path / (name + '.db')}" for name in ("console", "tracker", "bookings")}
    from console.db import engine_for, rasa_metadata
    tracker = engine_for(urls["tracker"])
    rasa_metadata.create_all(tracker)
    conversation(tracker, "forty-days", days_ago=40)
    env = {**os.environ, "CONSOLE_DB_URL": urls["console"], "TRACKER_DB_URL": urls["tracker"],
           "BOOKINGS_DB_URL": urls["bookings"], "CONSOLE_SECRET_KEY": "x", "PYTHONPATH": str(ROOT),
           "RETENTION_CONVERSATION_DAYS": "30"}
    run = subprocess.run([sys.executable, "-m", "console.retention"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "retention deleted conversations=1 events=1 bookings=0" in run.stderr
    assert count(tracker, rasa_events) == 0


def test_a_long_conversations_folded_state_goes_with_its_events(dbs):
    """The tracker store keeps a long conversation's slots (names, contacts) in
    `tracker_windows`: retention deletes that row with the events."""
    from rasa_server.tracker_store import FastSQLTrackerStore
    from tests.unit.test_tracker_window import DOMAIN, play

    console, tracker, bookings_db = dbs
    store = FastSQLTrackerStore(DOMAIN, host=str(tracker.url.render_as_string(hide_password=False)), window_events=20)
    play(store, "long-ago", 40, stamp=time.time() - 400 * DAY)
    play(store, "this-week", 40, stamp=time.time() - 2 * DAY)
    windows = sa.table("tracker_windows", sa.column("sender_id"))
    assert count(tracker, windows) == 2
    apply_retention(console, tracker, bookings_db, RetentionPolicy(conversation_days=365, booking_days=365))
    with tracker.connect() as connection:
        assert list(connection.execute(sa.select(windows.c.sender_id)).scalars()) == ["this-week"]
    store.engine.dispose()
