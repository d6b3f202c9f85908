"""The console's index tables built from real Rasa event rows: each message's reasons for the
inbox, the conversation flags and topics, and rebuilding when the columns change
(SQLite and PostgreSQL)."""
from __future__ import annotations

# ruff: noqa: F811 - shared fixtures are imported, then named as test arguments
import time

import pytest
import sqlalchemy as sa

from console import queries
from console.db import create_console_schema
from console.indexer import reasons_for, refresh_index
from console.tables import conversation_index, message_index, staff_users
from tests.unit.test_console import add_events, dbs, user  # noqa: F401 - dbs: the shared fixture


def faq(text, topic, confidence, second_topic, second_confidence, intent_confidence=0.95):
    event = user(text, "faq", intent_confidence)
    event["parse_data"]["intent_ranking"] = [{"name": "faq", "confidence": intent_confidence},
                                             {"name": "report_symptom", "confidence": 0.03}]
    event["parse_data"]["response_selector"] = {"faq": {
        "response": {"intent_response_key": topic, "confidence": confidence},
        "ranking": [{"intent_response_key": topic, "confidence": confidence},
                    {"intent_response_key": second_topic, "confidence": second_confidence}]}}
    return event


def bot(utter, text="..."):
    return {"event": "bot", "text": text, "metadata": {"utter_action": utter}}


def messages(console, sender):
    with console.connect() as connection:
        return [dict(row) for row in connection.execute(
            sa.select(message_index).where(message_index.c.sender_id == sender)
            .order_by(message_index.c.event_id)).mappings()]


def test_each_message_gets_the_reasons_staff_should_look_at_it(dbs):
    console, tracker, _ = dbs
    overruled = user("my dad's face is drooping", "emergency", 1.0)
    overruled["parse_data"]["safety_override"] = {"classifier_intent": "report_symptom",
                                                  "classifier_confidence": 0.7}
    overruled["parse_data"]["entities"] = [{"entity": "safety_rule", "value": "red_flag"}]
    add_events(tracker, "inbox-1",
               faq("what causes it", "faq/causes", 0.97, "faq/genes", 0.02), bot("utter_faq/causes"),
               faq("can it be cured", "faq/treatment", 0.46, "faq/prognosis", 0.41), bot("utter_faq/treatment"),
               user("blorf zzz", "nlu_fallback", 0.2), bot("utter_default"),
               overruled, {"event": "action", "name": "action_emergency"},
               faq("is it inherited", "faq/inheritance", 0.99, "faq/genes", 0.01), bot("utter_faq/inheritance"),
               {"event": "slot", "name": "answer_feedback", "value": {"helpful": False, "answer": "Yes..."}})
    refresh_index(console, tracker)
    rows = messages(console, "inbox-1")
    assert [row["reasons"] for row in rows] == [
        "", "close_topics", "fallback", "safety_override emergency", "unhelpful"]
    assert rows[1]["topic"] == "faq/treatment" and rows[1]["second_topic"] == "faq/prognosis"
    assert rows[3]["classifier_intent"] == "report_symptom" and rows[3]["emergency_reply"]
    assert rows[4]["feedback"] == "unhelpful" and rows[0]["feedback"] is None


def test_a_reply_in_a_later_batch_still_belongs_to_its_message(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "split", user("hmm", "greet", 0.9))
    refresh_index(console, tracker)
    assert messages(console, "split")[0]["reasons"] == ""
    add_events(tracker, "split", bot("utter_default"), {"event": "active_loop", "name": "consultation_form"})
    refresh_index(console, tracker)
    [row] = messages(console, "split")
    assert row["fallback_reply"] and row["form_started"] and row["reasons"] == "fallback"


def test_close_top_two_intents_are_flagged_but_not_when_the_rules_decided():
    assert reasons_for({"intent": "faq", "confidence": 0.52, "second_confidence": 0.45}) == "close_intents"
    assert reasons_for({"intent": "faq", "confidence": 0.9, "second_confidence": 0.05}) == ""
    assert "close_intents" not in reasons_for({"intent": "emergency", "confidence": 1.0, "second_confidence": 0.9,
                                               "classifier_intent": "report_symptom"})


def test_the_list_finds_faq_topics_takeovers_previews_and_tags_in_any_case(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "topics", faq("  why   does it happen\n", "faq/causes", 0.9, "faq/genes", 0.1),
               bot("utter_faq/causes"), faq("is it inherited", "faq/inheritance", 0.9, "faq/genes", 0.1),
               bot("utter_which_topic"))  # the topic filter follows what was answered, not guessed
    add_events(tracker, "taken", user("a person please", "request_human"), {"event": "pause"})
    refresh_index(console, tracker)
    found = queries.list_conversations(console, queries.ConversationFilter(intent="faq/causes"))
    assert [row["sender_id"] for row in found["rows"]] == ["topics"]
    assert found["rows"][0]["preview"] == "why does it happen"
    assert queries.list_conversations(console, queries.ConversationFilter(intent="faq/pain"))["total"] == 0
    taken = queries.list_conversations(console, queries.ConversationFilter(flags=["taken_over"]))
    assert [row["sender_id"] for row in taken["rows"]] == ["taken"] and not taken["rows"][0]["booking"]
    from console import operations
    operations.add_tag(console, "taken", "Follow Up")
    assert queries.list_conversations(console, queries.ConversationFilter(tag="FOLLOW  up"))["total"] == 1


def test_dates_that_are_not_dates_are_reported_not_dropped():
    query = queries.ConversationFilter(date_from="2026-13-45", date_to="yesterday")
    assert len(query.problems) == 2 and "2026-13-45" in query.problems[0]
    assert queries.ConversationFilter(date_from="2026-11-20", date_to="2026-11-01").problems == [
        "The From date is after the To date: no conversation can match."]
    assert queries.ConversationFilter(date_from="2026-11-01").problems == []


def test_index_tables_from_an_older_version_are_rebuilt_and_staff_accounts_upgraded(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "old", user("hello", "greet"))
    refresh_index(console, tracker)
    with console.begin() as connection:  # as an older release left them
        connection.execute(sa.text("DROP TABLE message_index"))
        connection.execute(sa.text("ALTER TABLE conversation_index DROP COLUMN preview"))
        connection.execute(sa.text("ALTER TABLE staff_users DROP COLUMN display_name"))
        connection.execute(sa.text("ALTER TABLE staff_users DROP COLUMN active"))
        connection.execute(staff_users.insert().values(username="old.admin", password_hash="x", role="admin",
                                                       failed_logins=0, created_at=1.0))
    create_console_schema(console)
    columns = {c["name"] for c in sa.inspect(console).get_columns("conversation_index")}
    assert "preview" in columns
    refresh_index(console, tracker)
    with console.connect() as connection:
        assert connection.execute(sa.select(conversation_index.c.preview)).scalar_one() == "hello"
        assert connection.execute(sa.select(staff_users.c.active, staff_users.c.display_name)).one() == (True, None)
    assert len(messages(console, "old")) == 1


REPLICA = """
import sys, time
from console.db import engine_for
from console.indexer import refresh_index
console, tracker = engine_for(sys.argv[1]), engine_for(sys.argv[2])
deadline = time.time() + 8
while time.time() < deadline:
    refresh_index(console, tracker)
"""


# Two indexers racing over thousands of events (8 s): left out of make check, run by make unit.
@pytest.mark.slow
def test_two_console_replicas_indexing_at_once_count_every_event_once(dbs):
    """Two console processes on one database: before the compare-and-set claim, both could
    index the same batch and count turns twice."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    console, tracker, _ = dbs
    root = Path(__file__).resolve().parents[2]
    urls = [engine.url.render_as_string(hide_password=False) for engine in (console, tracker)]
    env = {**os.environ, "PYTHONPATH": str(root)}
    replicas = [subprocess.Popen([sys.executable, "-c", REPLICA, *urls], cwd=root, env=env,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for turn in range(60):  # events keep arriving while both replicas index
        add_events(tracker, f"race-{turn % 6}", user(f"question {turn}", "faq"), bot("utter_faq/causes"))
        time.sleep(0.05)
    for replica in replicas:
        _, errors = replica.communicate(timeout=60)
        assert replica.returncode == 0, errors[-2000:]
    refresh_index(console, tracker)
    with console.connect() as connection:
        turns = dict(connection.execute(sa.select(conversation_index.c.sender_id, conversation_index.c.turns)).all())
        indexed_messages = connection.execute(sa.select(sa.func.count()).select_from(message_index)).scalar_one()
    assert turns == {f"race-{number}": 10 for number in range(6)}
    assert indexed_messages == 60
