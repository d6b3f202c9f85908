"""Staff console parts on real SQLite databases: accounts, sessions, index, queue, export, forget."""
from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from actions.booking_store import BookingRequest, BookingStore
from console import auth, operations, queries
from console.db import create_console_schema, engine_for, rasa_events, rasa_metadata
from console.export import export_rows, redact_text, to_csv
from console.indexer import refresh_index

PASSWORD = "a-long-enough-password"


@pytest.fixture()
def dbs(tmp_path):
    console = engine_for(f"sqlite:///{tmp_path / 'console.db'}")
    tracker = engine_for(f"sqlite:///{tmp_path / 'tracker.db'}")
    bookings = engine_for(f"sqlite:///{tmp_path / 'bookings.db'}")
    create_console_schema(console)
    rasa_metadata.create_all(tracker)
    return console, tracker, bookings


def add_events(tracker, sender, *events):
    with tracker.begin() as connection:
        for event in events:
            connection.execute(rasa_events.insert().values(
                sender_id=sender, type_name=event["event"], timestamp=event.get("timestamp", time.time()),
                intent_name=((event.get("parse_data") or {}).get("intent") or {}).get("name"),
                action_name=event.get("name") if event["event"] == "action" else None,
                data=json.dumps(event)))


def user(text, intent, confidence=0.9, channel="rest"):
    return {"event": "user", "text": text, "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}}}


def test_sign_in_gives_a_session_with_csrf_and_sign_out_ends_it(dbs):
    console, *_ = dbs
    auth.create_user(console, "alice", PASSWORD, "agent")
    token = auth.sign_in(console, "alice", PASSWORD, 60, 5, 15)
    session = auth.session_for(console, token, 60)
    assert session.user.username == "alice" and not session.user.is_admin
    assert auth.csrf_ok(session, session.csrf_token) and not auth.csrf_ok(session, "forged")
    auth.sign_out(console, token)
    assert auth.session_for(console, token, 60) is None


def test_passwords_are_hashed_with_argon2_and_weak_ones_refused(dbs):
    console, *_ = dbs
    auth.create_user(console, "bob", PASSWORD, "admin")
    with console.connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM staff_users")).scalar_one()
    assert stored.startswith("$argon2") and PASSWORD not in stored
    with pytest.raises(ValueError):
        auth.create_user(console, "carol", "short", "agent")
    with pytest.raises(ValueError):
        auth.create_user(console, "dave", PASSWORD, "superuser")


def test_repeated_failures_lock_the_account_even_for_the_right_password(dbs):
    console, *_ = dbs
    auth.create_user(console, "erin", PASSWORD, "agent")
    for _ in range(2):
        with pytest.raises(auth.AuthError, match="Wrong"):
            auth.sign_in(console, "erin", "wrong", 60, 3, 15)
    with pytest.raises(auth.AuthError, match="locked"):
        auth.sign_in(console, "erin", "wrong", 60, 3, 15)
    with pytest.raises(auth.AuthError, match="locked"):
        auth.sign_in(console, "erin", PASSWORD, 60, 3, 15)


def test_unknown_users_get_the_same_answer(dbs):
    console, *_ = dbs
    with pytest.raises(auth.AuthError, match="Wrong username or password"):
        auth.sign_in(console, "nobody", PASSWORD, 60, 3, 15)


def test_sessions_expire(dbs):
    console, *_ = dbs
    auth.create_user(console, "frank", PASSWORD, "agent")
    token = auth.sign_in(console, "frank", PASSWORD, 0, 5, 15)
    time.sleep(0.01)
    assert auth.session_for(console, token, 0) is None


def test_the_index_flags_conversations_and_reads_only_new_events(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "u1", user("my hand copies the other", "report_symptom"),
               {"event": "action", "name": "action_acknowledge_symptom"},
               {"event": "slot", "name": "handed_off", "value": True})
    add_events(tracker, "u2", user("blah", "nlu_fallback", 0.3), {"event": "action", "name": "utter_emergency"})
    assert refresh_index(console, tracker) == 5
    assert refresh_index(console, tracker) == 0
    add_events(tracker, "u1", user("thanks", "thank"))
    assert refresh_index(console, tracker) == 1

    everything = queries.list_conversations(console, queries.ConversationFilter())
    assert everything["total"] == 2
    rows = {row["sender_id"]: row for row in everything["rows"]}
    assert rows["u1"]["turns"] == 2 and rows["u1"]["symptom"] and rows["u1"]["handed_off"]
    assert rows["u2"]["emergency"] and rows["u2"]["fallback"] and not rows["u2"]["handed_off"]

    def senders(**kwargs):
        listing = queries.list_conversations(console, queries.ConversationFilter(**kwargs))
        return [row["sender_id"] for row in listing["rows"]]

    assert senders(flags=["handed_off"]) == ["u1"]
    assert senders(intent="nlu_fallback") == ["u2"]
    assert senders(text="COPIES the") == ["u1"]
    operations.set_reviewed(console, "u2", "alice", True)
    assert senders(reviewed="yes") == ["u2"] and senders(reviewed="no") == ["u1"]
    operations.add_tag(console, "u1", "  Follow   Up ")
    assert senders(tag="follow up") == ["u1"]


def test_transcript_shows_turns_with_intent_and_the_paused_state(dbs):
    _, tracker, _ = dbs
    add_events(tracker, "u3", user("hi", "greet", 0.98), {"event": "bot", "text": "Hi!"},
               {"event": "pause"})
    data = queries.transcript(tracker, "u3")
    assert data["turns"][0] == {"kind": "user", "ts": pytest.approx(data["turns"][0]["ts"]), "text": "hi",
                                "intent": "greet", "confidence": 0.98}
    assert data["turns"][1]["text"] == "Hi!" and data["paused"] is True


def test_queue_puts_the_oldest_new_request_first_and_status_changes_stick(dbs):
    console, _, bookings_engine = dbs
    store = BookingStore(bookings_engine)
    references = []
    for number in range(3):
        references.append(store.save(BookingRequest(f"s{number}", "self", 30, "x", "Ann", "a@b.cd", "any", True))[0])
        time.sleep(0.01)
    assert operations.update_booking(bookings_engine, console, references[0], "contacted", "alice")
    assert not operations.update_booking(bookings_engine, console, references[1], "bogus", "alice")
    queue = queries.booking_queue(bookings_engine, console)
    assert [row["reference"] for row in queue] == [references[1], references[2], references[0]]
    assert queue[2]["status"] == "contacted" and queue[2]["handled_by"] == "alice"


def test_export_redacts_contact_details_unless_asked_and_defuses_formulas():
    conversation = {"sender_id": "u4", "turns": [
        {"kind": "user", "ts": 1.0, "text": "mail me at sam@example.com or +44 7700 900123", "intent": "inform",
         "confidence": 0.9},
        {"kind": "slot", "ts": 2.0, "name": "contact", "value": "sam@example.com"},
        {"kind": "user", "ts": 3.0, "text": "=HYPERLINK(1)", "intent": "out_of_scope", "confidence": 0.5}]}
    redacted = export_rows([conversation], redact=True)
    assert "sam@example.com" not in json.dumps(redacted) and "7700" not in json.dumps(redacted)
    assert redacted[1]["text"] == "contact=[redacted]"
    assert "sam@example.com" in export_rows([conversation], redact=False)[0]["text"]
    assert "'=HYPERLINK(1)" in to_csv(redacted)
    assert redact_text("no contact here") == "no contact here"


def test_forget_deletes_events_bookings_and_console_records(dbs):
    console, tracker, bookings_engine = dbs
    add_events(tracker, "gone", user("hi", "greet"))
    add_events(tracker, "kept", user("hi", "greet"))
    BookingStore(bookings_engine).save(BookingRequest("gone", "self", 30, "x", "Ann", "a@b.cd", "any", True))
    refresh_index(console, tracker)
    operations.add_note(console, "alice", "called", sender_id="gone")
    counts = operations.forget_user(console, tracker, bookings_engine, "gone")
    assert counts == {"events": 1, "bookings": 1}
    assert queries.transcript(tracker, "gone")["turns"] == []
    assert queries.transcript(tracker, "kept")["turns"]
    listing = queries.list_conversations(console, queries.ConversationFilter())
    assert [row["sender_id"] for row in listing["rows"]] == ["kept"]
    assert queries.review_state(console, "gone")["notes"] == []
