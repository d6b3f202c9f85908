"""Staff console parts on real SQLite and PostgreSQL databases: accounts, sessions, index, queue,
export, forget."""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader

from actions.booking_store import BookingRequest, BookingStore, live_requests, staff_presence
from console import auth, operations, queries
from console.db import create_console_schema, engine_for, ensure_bookings_schema, rasa_events, rasa_metadata
from console.export import export_rows, redact_text, to_csv
from console.indexer import refresh_index
from console.presence import Presence
from console.ratelimit import FailureLimiter
from tests.support.postgres import temporary_database

PASSWORD = "a-long-enough-password"


@pytest.fixture(params=["sqlite", "postgresql"])
def dbs(request, tmp_path):
    """The console's, Rasa's and the bookings database: three SQLite files, or one PostgreSQL database."""
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / name}" for name in ("console.db", "tracker.db", "bookings.db")]
        databases = None
    else:
        databases = temporary_database("console_unit")
        urls = [next(databases)[1]] * 3
    engines = [engine_for(url) for url in urls]
    console, tracker, bookings = engines
    create_console_schema(console)
    rasa_metadata.create_all(tracker)
    yield console, tracker, bookings
    for engine in engines:
        engine.dispose()
    if databases is not None:
        databases.close()


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
    token = auth.sign_in(console, "alice", PASSWORD, 60)
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


def test_failed_sign_ins_never_lock_the_account(dbs):
    console, *_ = dbs
    auth.create_user(console, "erin", PASSWORD, "agent")
    for _ in range(12):  # someone else typing erin's name with wrong passwords
        with pytest.raises(auth.AuthError, match="Wrong username or password"):
            auth.sign_in(console, "erin", "wrong", 60)
    assert auth.session_for(console, auth.sign_in(console, "erin", PASSWORD, 60), 60).user.username == "erin"


def test_unknown_users_get_the_same_answer(dbs):
    console, *_ = dbs
    with pytest.raises(auth.AuthError, match="Wrong username or password"):
        auth.sign_in(console, "nobody", PASSWORD, 60)


def test_failures_are_limited_per_client_within_a_window():
    limiter = FailureLimiter(max_failures=3, window_seconds=60)
    for second in range(3):
        assert limiter.retry_after("10.0.0.1", now=100 + second) == 0
        limiter.failed("10.0.0.1", now=100 + second)
    assert limiter.retry_after("10.0.0.1", now=103) == pytest.approx(57)
    assert limiter.retry_after("10.0.0.2", now=103) == 0  # another client is not affected
    assert limiter.retry_after("10.0.0.1", now=160.5) == 0  # the oldest failure left the window


def test_session_cookies_are_signed_with_the_secret_key():
    cookie = auth.sign_cookie("key-one", "token123")
    assert auth.token_from_cookie("key-one", cookie) == "token123"
    assert auth.token_from_cookie("key-two", cookie) is None  # another key: signed out
    assert auth.token_from_cookie("key-one", "token123") is None  # unsigned
    assert auth.token_from_cookie("key-one", "token124." + cookie.split(".")[1]) is None  # tampered
    assert auth.token_from_cookie("key-one", "é.ü") is None and auth.token_from_cookie("key-one", None) is None


def test_sessions_expire(dbs):
    console, *_ = dbs
    auth.create_user(console, "frank", PASSWORD, "agent")
    token = auth.sign_in(console, "frank", PASSWORD, 0)
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
                                "intent": "greet", "confidence": 0.98, "asked": None, "button": None}
    assert data["turns"][1]["text"] == "Hi!" and data["paused"] is True


def test_the_messages_count_is_user_and_bot_messages_not_actions_or_slots(dbs):
    """The transcript's "Messages a–b of n" counts what was said (user and bot messages); the
    action and slot rows are counted as rows, and the list's Turns are the user's messages."""
    console, tracker, _ = dbs
    events = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
              {"event": "action", "name": "action_listen"}]
    for number in range(30):
        events += [user(f"question {number}", "ask"), {"event": "action", "name": "utter_answer"},
                   {"event": "bot", "text": f"answer {number}"},
                   {"event": "slot", "name": "topic", "value": f"topic {number}"},
                   {"event": "slot", "name": "requested_slot", "value": None},
                   {"event": "action", "name": "action_listen"}]
    add_events(tracker, "counted", *events)
    page = queries.transcript_page(tracker, "counted", queries.TranscriptCursor(size=40))
    # 121 rows (action_session_start, then user, action, bot and slot of each turn): the
    # latest 40 are the last 10 turns, 20 messages.
    assert page["messages"] == {"first": 41, "last": 60, "total": 60}
    assert (page["first"], page["last"], page["total"]) == (82, 121, 121)
    quiet = queries.transcript_page(tracker, "counted", queries.TranscriptCursor(size=40, details=False))
    assert quiet["messages"] == {"first": 21, "last": 60, "total": 60} and quiet["total"] == 60
    first = queries.transcript_page(tracker, "counted", queries.TranscriptCursor(after=0, size=40))
    assert first["messages"] == {"first": 1, "last": 20, "total": 60}  # 9 turns, then a user and a bot row
    empty = queries.transcript_page(tracker, "nobody")
    assert empty["messages"] == {"first": 0, "last": 0, "total": 0}
    refresh_index(console, tracker)
    listing = queries.list_conversations(console, queries.ConversationFilter())
    assert [row["turns"] for row in listing["rows"] if row["sender_id"] == "counted"] == [30]
    # The pager says it: messages, and the rows (actions and slots too) labelled as rows.
    pages = Environment(loader=FileSystemLoader(Path(queries.__file__).parent / "templates"),
                        autoescape=True).get_template("_pages.html").module
    text = " ".join(str(pages.rows_pager(page, {})).split()).replace("\u2013", "-")
    assert "Messages 41-60 of 60" in text and "rows 82-121 of 121" in text
    text = " ".join(str(pages.rows_pager(quiet, {})).split()).replace("\u2013", "-")
    assert "Messages 21-60 of 60" in text and "pages-rows" not in text and " rows " not in text


def long_message_event(whole, part, intent="emergency", chars=None):
    """A too-long message's user event as rasa_server/limits.py stores it: the part read as its
    text, the whole message in its metadata."""
    start = whole.index(part)
    event = user(part, intent, 1.0)
    event["metadata"] = {"mmd_long_message": {"text": whole, "chars": chars or len(whole), "read_from": start,
                                              "read_to": start + len(part), "part": 2, "urgent": True}}
    return event


def test_a_long_message_is_whole_in_the_transcript_and_the_exports_with_the_part_read(dbs):
    from rasa_server import limits

    _, tracker, _ = dbs
    part = "Sorry, he just collapsed and is not breathing!"
    whole = "My son Sam is 7, mail me at sam@example.com. " * 3 + part + " We also wondered about school."
    add_events(tracker, "long", long_message_event(whole, part, chars=50_000), user("hi", "greet"))
    turns = queries.transcript(tracker, "long")["turns"]
    assert turns[0]["text"] == part  # what the assistant read: stories and the inbox's examples use it
    start = whole.index(part)
    assert turns[0]["long"] == {"text": whole, "before": whole[:start], "read": part,
                                "after": whole[start + len(part):], "kept": len(whole), "chars": 50_000,
                                "urgent": True}
    assert "long" not in turns[1]
    conversation = {"sender_id": "long", **queries.transcript(tracker, "long")}
    shown = export_rows([conversation], redact=False)
    assert shown[0]["text"] == whole and shown[0]["intent"] == "emergency"
    redacted = export_rows([conversation], redact=True)[0]["text"]
    assert "sam@example.com" not in redacted and part in redacted and "We also wondered about school." in redacted
    assert queries.LONG_MESSAGE_KEY == limits.LONG_MESSAGE_KEY


def test_a_long_message_record_that_does_not_hold_the_part_read_shows_without_a_highlight():
    data = long_message_event("the whole text", "whole")
    data["metadata"]["mmd_long_message"].update(read_from=0, read_to=3)  # not where "whole" is
    found = queries.long_message(data, "whole")  # found where it is
    assert (found["before"], found["read"], found["after"]) == ("the ", "whole", " text")
    data["metadata"]["mmd_long_message"]["text"] = "something else"
    assert queries.long_message(data, "whole") == {"text": "something else", "before": "something else", "read": "",
                                                   "after": "", "kept": 14, "chars": 14, "urgent": True}
    assert queries.long_message({"metadata": {"mmd_long_message": "junk"}}, "x") is None
    assert queries.long_message({"metadata": None}, "x") is None


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


def test_saving_the_same_status_with_a_note_changes_neither_status_nor_handler(dbs):
    console, _, bookings_engine = dbs
    reference = BookingStore(bookings_engine).save(
        BookingRequest("s-note", "self", 30, "x", "Ann", "a@b.cd", "any", True))[0]
    assert operations.update_booking(bookings_engine, console, reference, "contacted", "alice")
    # bob only adds a note: the queue's form sends the current status along
    assert not operations.update_booking(bookings_engine, console, reference, "contacted", "bob")
    assert queries.booking_queue(bookings_engine, console)[0]["handled_by"] == "alice"
    assert operations.booking_exists(bookings_engine, reference)
    assert not operations.booking_exists(bookings_engine, "MMD-NOPE00")


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
    add_events(tracker, "gone", user("blorf my name is Ann", "nlu_fallback", 0.2))
    refresh_index(console, tracker)
    operations.add_note(console, "alice", "called", sender_id="gone")
    from console import inbox
    from console.tables import corrections, message_index
    [event_id] = [row["event_id"] for row in inbox.list_open(console)["rows"] if row["sender_id"] == "gone"]
    assert inbox.decide(console, tracker, event_id, "out_of_scope", "", "alice").code == "out_of_scope"
    counts = operations.forget_user(console, tracker, bookings_engine, "gone")
    assert counts == {"events": 2, "bookings": 1}
    with console.connect() as connection:  # what the user typed, kept by the index and the inbox
        for table in (message_index, corrections):
            assert connection.execute(sa.select(sa.func.count()).select_from(table)
                                      .where(table.c.sender_id == "gone")).scalar_one() == 0, table.name
    assert queries.transcript(tracker, "gone")["turns"] == []
    assert queries.transcript(tracker, "kept")["turns"]
    listing = queries.list_conversations(console, queries.ConversationFilter())
    assert [row["sender_id"] for row in listing["rows"]] == ["kept"]
    assert queries.review_state(console, "gone")["notes"] == []


def bot(text, utter_action):
    return {"event": "bot", "text": text, "metadata": {"utter_action": utter_action}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def test_redacted_export_drops_answers_to_personal_questions_and_every_later_mention(dbs):
    """The events a booking leaves in Rasa's tracker store (form questions, answers, summary)."""
    _, tracker, _ = dbs
    add_events(tracker, "whatsapp:+447700900123",
               user("hi, my name is Robin Park", "greet"),
               slot("requested_slot", "requester_name"),
               bot("What is your name?", "utter_ask_requester_name"),
               user("Sam Jones", "inform", 0.4), slot("requester_name", "Sam Jones"),
               slot("requested_slot", "contact"),
               bot("How can the clinic reach you?", "utter_ask_contact"),
               user("sam at example dot com", "inform"), slot("contact", "sam at example dot com"),
               slot("requested_slot", None),
               bot("Please check your request:\n• For: child\n• Age: 7\n• Your name: Sam Jones\n"
                   "• Contact: sam at example dot com\n• Preferred times: mornings\nShall I send it?",
                   "utter_booking_summary"),
               user("thanks Sam here again, reach me on 07700 900123 or sam@example.com", "thank"),
               bot("Thanks, Sam Jones.", "utter_thanks"))
    data = queries.transcript(tracker, "whatsapp:+447700900123")
    rows = export_rows([{"sender_id": "whatsapp:+447700900123", **data}], redact=True)
    dumped = json.dumps(rows)
    for personal in ("Sam", "Jones", "Robin", "Park", "sam at example", "7700", "sam@example.com", "+44"):
        assert personal not in dumped, personal
    texts = [row["text"] for row in rows]
    assert "requester_name=[redacted]" in texts and "contact=[redacted]" in texts
    assert texts[0] == "hi, my name is [redacted]"
    assert texts[texts.index("What is your name?") + 1] == "[redacted]"
    summary = next(text for text in texts if text.startswith("Please check"))
    assert "• For: child" in summary and "• Your name: [redacted]" in summary and "• Age: [redacted]" in summary
    assert rows[0]["conversation"].startswith("conversation#")  # the id is a phone number
    everything = export_rows([{"sender_id": "whatsapp:+447700900123", **data}], redact=False)
    assert "Sam Jones" in json.dumps(everything) and everything[0]["conversation"] == "whatsapp:+447700900123"


def test_the_answer_to_a_bot_question_is_redacted_without_a_requested_slot():
    conversation = {"sender_id": "u5", "turns": [
        {"kind": "bot", "ts": 1.0, "text": "What is your name?"},
        {"kind": "user", "ts": 2.0, "text": "Ann", "intent": "inform", "confidence": 0.9,
         "asked": "requester_name"},
        {"kind": "user", "ts": 3.0, "text": "how common is mmd", "intent": "faq", "confidence": 0.9,
         "asked": None}]}
    texts = [row["text"] for row in export_rows([conversation], redact=True)]
    assert texts == ["What is your name?", "[redacted]", "how common is mmd"]


def test_csv_leaves_empty_cells_empty():
    rows = [{"conversation": "u6", "timestamp": 1.0, "speaker": "bot", "text": "hi", "intent": "",
             "confidence": ""}]
    assert to_csv(rows).splitlines()[1] == "u6,1.0,bot,hi,,"
    assert "'-1" in to_csv([{**rows[0], "text": "-1"}]) and "'\tx" in to_csv([{**rows[0], "text": "\tx"}])


def test_the_fallback_flag_covers_the_not_understood_reply_and_the_fallback_action(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "f1", user("zzz", "faq", 0.95), {"event": "action", "name": "utter_default"},
               bot("Sorry, I'm not sure I understood.", "utter_default"))
    add_events(tracker, "f2", user("qqq", "greet", 0.95), {"event": "action", "name": "action_default_fallback"})
    add_events(tracker, "f3", user("qqq", "nlu_fallback", 0.95))
    add_events(tracker, "ok", user("hi", "greet", 0.99), bot("Hello!", "utter_greet"))
    refresh_index(console, tracker)
    listing = queries.list_conversations(console, queries.ConversationFilter(flags=["fallback"]))
    assert sorted(row["sender_id"] for row in listing["rows"]) == ["f1", "f2", "f3"]


def test_an_index_built_under_older_rules_is_rebuilt_once(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "old", user("zzz", "faq", 0.95), {"event": "action", "name": "utter_default"})
    with console.begin() as connection:  # what the console before the fallback fix left behind
        connection.execute(sa.text("INSERT INTO index_state (name, last_event_id) VALUES ('events', 2)"))
        connection.execute(sa.text("INSERT INTO conversation_index (sender_id, turns, symptom, emergency, booking,"
                                   " handed_off, fallback, intents, search_text)"
                                   " VALUES ('old', 1, false, false, false, false, false, 'faq', 'zzz')"))
    assert refresh_index(console, tracker) == 2 and refresh_index(console, tracker) == 0
    rows = queries.list_conversations(console, queries.ConversationFilter())["rows"]
    assert [(row["sender_id"], row["turns"], row["fallback"]) for row in rows] == [("old", 1, True)]


class Args(dict):
    def get(self, name, default=None):
        return super().get(name, [default])[0]

    def getlist(self, name):
        return super().get(name, [])


@pytest.mark.parametrize("page, expected", [("2", 2), ("0", 1), ("x", 1), (str(2 ** 63), queries.MAX_PAGE)])
def test_page_numbers_are_bounded(dbs, page, expected):
    console, *_ = dbs
    query = queries.ConversationFilter.from_args(Args(page=[page]))
    assert query.page == expected
    assert queries.list_conversations(console, query)["rows"] == []


# --- after-booking requests, consent, live requests and staff presence ----------------------

def test_the_queue_shows_the_age_label_consent_and_the_users_changes_and_keeps_cancellations(dbs):
    console, _, bookings_engine = dbs
    store = BookingStore(bookings_engine)
    baby = store.save(BookingRequest("baby-user", "child", 1, "his left hand copies the right", "Dewi",
                                     "0813", "after 5pm", False, patient_age_label="18 months"))[0]
    adult = store.save(BookingRequest("adult-user", "self", 30, "fingers mirror", "Ann", "a@b.cd", "any", True))[0]
    store.record_update(baby, "change", "can I change my appointment to friday?")
    store.record_update(baby, "cancel")
    queue = queries.booking_queue(bookings_engine, console)
    assert [row["reference"] for row in queue] == [adult, baby]  # cancelled: last, never deleted
    first, cancelled = queue
    assert (first["age"], first["shared"], first["updates"]) == ("30", True, [])
    assert cancelled["age"] == "18 months" and cancelled["shared"] is False
    assert cancelled["status"] == "cancelled" and cancelled["symptom_description"] == "his left hand copies the right"
    change, cancel = (update["text"] for update in cancelled["updates"])
    assert re.fullmatch(r"Change asked \d{1,2} [A-Z][a-z]{2} \d\d:\d\d: 'can I change my appointment to friday\?'",
                        change), change
    assert re.fullmatch(r"Cancelled by the user \d{1,2} [A-Z][a-z]{2} \d\d:\d\d", cancel), cancel
    info = queries.conversation_bookings(bookings_engine, "baby-user")
    assert info["not_shared"] == [baby] and info["waiting_since"] is None
    assert queries.conversation_bookings(bookings_engine, "adult-user")["not_shared"] == []


def test_update_texts_and_waiting_times_are_in_utc():
    at = datetime(2026, 11, 27, 15, 2, tzinfo=timezone.utc)
    assert queries.describe_update({"kind": "change", "detail": "friday?", "requested_by": "user",
                                    "created_at": at}) == "Change asked 27 Nov 15:02: 'friday?'"
    # PostgreSQL hands back aware times in its session's zone; SQLite naive UTC ones
    jakarta = at.astimezone(timezone(timedelta(hours=7)))
    assert queries.describe_update({"kind": "cancel", "requested_by": "user",
                                    "created_at": jakarta}) == "Cancelled by the user 27 Nov 15:02"
    assert queries.short_time(at.replace(tzinfo=None)) == "27 Nov 15:02"
    assert [queries.waited(at, at + timedelta(seconds=s)) for s in (5, 200, 3600, 7500, 90000)] == [
        "under 1 min", "3 min", "1 h", "2 h 5 min", "1 d"]


OLD_BOOKINGS = sa.Table(  # the bookings table as the first release created it
    "bookings", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("reference", sa.String(16), unique=True),
    sa.Column("idempotency_key", sa.String(64), unique=True), sa.Column("sender_id", sa.String(255)),
    sa.Column("consult_for", sa.String(16)), sa.Column("patient_age", sa.Integer),
    sa.Column("symptom_description", sa.Text), sa.Column("requester_name", sa.String(100)),
    sa.Column("contact", sa.String(255)), sa.Column("preferred_times", sa.String(255)),
    sa.Column("consent", sa.Boolean), sa.Column("status", sa.String(16), nullable=False, server_default="new"),
    sa.Column("created_at", sa.DateTime(timezone=True)))


def make_old_bookings_db(engine):
    OLD_BOOKINGS.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(OLD_BOOKINGS.insert().values(
            reference="MMD-OLD222", idempotency_key="k-old", sender_id="old-user", consult_for="self",
            patient_age=44, symptom_description="old symptom", requester_name="Old", contact="o@x.y",
            preferred_times="any", consent=True, status="new", created_at=datetime.now(timezone.utc)))


def test_a_bookings_database_from_before_the_new_tables_is_read_then_upgraded(dbs):
    console, _, bookings_engine = dbs
    make_old_bookings_db(bookings_engine)
    [row] = queries.booking_queue(bookings_engine, console)  # read as it is: no label, no updates
    assert (row["reference"], row["age"], row["updates"], row["shared"]) == ("MMD-OLD222", "44", [], True)
    assert queries.waiting_live_requests(bookings_engine) == []
    assert queries.waiting_count(bookings_engine) is None
    assert queries.conversation_bookings(bookings_engine, "old-user") == {
        "not_shared": [], "references": ["MMD-OLD222"], "waiting_since": None}
    assert operations.mark_live_request_taken(bookings_engine, "old-user") == 0
    assert ensure_bookings_schema(bookings_engine)
    inspector = sa.inspect(bookings_engine)
    assert {"booking_updates", "live_requests", "staff_presence"} <= set(inspector.get_table_names())
    assert "patient_age_label" in {column["name"] for column in inspector.get_columns("bookings")}
    assert queries.booking_queue(bookings_engine, console)[0]["age"] == "44"
    assert queries.waiting_count(bookings_engine) == 0


def test_waiting_users_are_listed_with_their_wait_until_taken_over(dbs):
    _, _, bookings_engine = dbs
    store = BookingStore(bookings_engine)
    sender = "whatsapp:+44 7700/900?#é"
    assert store.request_live_handoff(sender) and store.request_live_handoff("later")
    with bookings_engine.begin() as connection:
        connection.execute(live_requests.update().where(live_requests.c.sender_id == sender).values(
            created_at=datetime.now(timezone.utc) - timedelta(minutes=3, seconds=5)))
    waiting = queries.waiting_live_requests(bookings_engine)
    assert [(row["sender_id"], row["waited"]) for row in waiting] == [(sender, "3 min"), ("later", "under 1 min")]
    assert queries.waiting_count(bookings_engine) == 2
    assert queries.conversation_bookings(bookings_engine, sender)["waiting_since"] == "3 min"
    assert operations.mark_live_request_taken(bookings_engine, sender) == 1
    assert [row["sender_id"] for row in queries.waiting_live_requests(bookings_engine)] == ["later"]
    assert operations.mark_live_request_taken(bookings_engine, sender) == 0
    with bookings_engine.connect() as connection:
        assert connection.execute(sa.select(live_requests.c.status).where(
            live_requests.c.sender_id == sender)).scalar_one() == "taken"  # kept, never deleted


def test_presence_is_written_at_most_once_a_minute_per_user_and_deleted_at_sign_out(dbs):
    _, _, bookings_engine = dbs
    store = BookingStore(bookings_engine)
    store._ensure_schema()
    now = [1000.0]
    presence = Presence(bookings_engine, clock=lambda: now[0])

    def last_seen(username):
        with bookings_engine.connect() as connection:
            return connection.execute(sa.select(staff_presence.c.last_seen)
                                      .where(staff_presence.c.username == username)).scalar_one_or_none()

    assert presence.seen("alice") and presence.seen("bob")
    first = last_seen("alice")
    assert first is not None and store.staff_available(60)
    now[0] += 59
    assert not presence.seen("alice") and last_seen("alice") == first
    now[0] += 2
    assert presence.seen("alice") and last_seen("alice") > first
    presence.signed_out("alice")
    assert last_seen("alice") is None and last_seen("bob") is not None
    assert presence.seen("alice") and last_seen("alice") is not None  # signed in again: written at once
    presence.signed_out("alice")
    presence.signed_out("bob")
    assert not store.staff_available(3600)


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/no-tables.db", "postgresql://postgres@127.0.0.1:9/none"])
def test_a_failed_presence_write_is_logged_without_the_name_and_never_raises(url, tmp_path, caplog):
    engine = engine_for(url.format(tmp=tmp_path), timeout_seconds=1)
    presence = Presence(engine)
    with caplog.at_level(logging.WARNING):
        assert presence.seen("dr.jane.doe") is False
        presence.signed_out("dr.jane.doe")
    assert "staff presence not recorded" in caplog.text and "dr.jane.doe" not in caplog.text
    assert queries.waiting_count(engine) is None  # the nav badge is left out, the page still renders
    engine.dispose()


def test_forget_deletes_the_users_changes_and_live_requests(dbs):
    console, tracker, bookings_engine = dbs
    store = BookingStore(bookings_engine)
    reference = store.save(BookingRequest("forget-me", "self", 30, "x", "Ann", "a@b.cd", "any", True))[0]
    store.record_update(reference, "change", "friday")
    store.request_live_handoff("forget-me")
    store.request_live_handoff("keep-me")
    operations.forget_user(console, tracker, bookings_engine, "forget-me")
    assert store.updates_for(reference) == []
    assert [row["sender_id"] for row in queries.waiting_live_requests(bookings_engine)] == ["keep-me"]
