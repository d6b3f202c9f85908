"""The needs-attention inbox, test-story export and `make training-data`: the real console app
in its own process on real SQLite files and on PostgreSQL, and the real script on a real
console database."""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
import warnings
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from console.db import create_console_schema, engine_for, rasa_events, rasa_metadata
from console.tables import audit_log, corrections
from tests.support import console_process
from tests.support.console_process import Client
from tests.support.postgres import temporary_database

ROOT = Path(__file__).resolve().parents[2]
ADMIN, PASSWORD = "admin.inbox", "a-long-inbox-password"
SCRIPT = ROOT / "scripts" / "training_data.py"


# --- the app on SQLite files or one PostgreSQL database ------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"inbox_{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            urls = console_process.sqlite_urls(workdir)
        else:
            databases = temporary_database("console_inbox")
            stack.callback(databases.close)
            urls = dict.fromkeys(console_process.DATABASES, next(databases)[1])
        tracker = engine_for(urls["tracker"])
        stack.callback(tracker.dispose)
        rasa_metadata.create_all(tracker)
        console = stack.enter_context(console_process.console_process(
            workdir, urls, PASSWORD, accounts=[(ADMIN, "admin")], extra_env={
                "CONSOLE_SECRET_KEY": "inbox-key", "RASA_URL": "http://127.0.0.1:9"}))
        console_db = engine_for(urls["console"])
        stack.callback(console_db.dispose)
        yield {"url": console.url, "tracker": tracker, "console": console_db, "log": console.log,
               "console_url": urls["console"]}


@pytest.fixture()
def staff(app):
    client = Client(app["url"])
    assert client.sign_in(ADMIN, PASSWORD)[0] == 302
    return client


# --- Rasa's events as the tracker store keeps them ---------------------------------------------

def add_events(tracker, sender, *events):
    """Appends events to Rasa's events table; returns their ids."""
    ids = []
    with tracker.begin() as connection:
        for event in events:
            parse = event.get("parse_data") or {}
            result = connection.execute(rasa_events.insert().values(
                sender_id=sender, type_name=event["event"], timestamp=event.get("timestamp", time.time()),
                intent_name=(parse.get("intent") or {}).get("name"),
                action_name=event.get("name") if event["event"] == "action" else None, data=json.dumps(event)))
            ids.append(result.inserted_primary_key[0])
    return ids


def user(text, intent, confidence=0.95, ranking=(), topic=None, topics=(), channel="rest", entities=(),
         classifier=None, ago=0.0):
    parse = {"intent": {"name": intent, "confidence": confidence},
             "intent_ranking": [{"name": intent, "confidence": confidence}]
             + [{"name": name, "confidence": value} for name, value in ranking],
             "entities": list(entities)}
    if topics:
        parse["response_selector"] = {"faq": {
            "response": {"intent_response_key": topic or topics[0][0], "confidence": topics[0][1]},
            "ranking": [{"intent_response_key": name, "confidence": value} for name, value in topics]}}
    if classifier:
        parse["safety_override"] = {"classifier_intent": classifier, "classifier_confidence": 0.7}
    return {"event": "user", "text": text, "input_channel": channel, "parse_data": parse,
            "timestamp": time.time() - ago}


def action(name, ago=0.0):
    return {"event": "action", "name": name, "timestamp": time.time() - ago}


def bot(text, utter_action):
    return {"event": "bot", "text": text, "metadata": {"utter_action": utter_action}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def senders(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def rows_of(page):
    """The inbox rows: event id -> the row's HTML."""
    return {int(match.group(1)): match.group(0)
            for match in re.finditer(r'<tr class="[^"]*" id="message-(\d+)">.*?</tr>', page, re.S)}


def counts_of(page):
    attention = int(re.search(r'<span id="attention-count"><strong>(\d+)</strong>', page).group(1))
    waiting = int(re.search(r'<span id="waiting-count"><strong>(\d+)</strong>', page).group(1))
    return attention, waiting


def csrf_of(page):
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def audit_rows(app, since=0):
    with app["console"].connect() as connection:
        return connection.execute(sa.select(audit_log.c.id, audit_log.c.username, audit_log.c.action,
                                            audit_log.c.detail).where(audit_log.c.id > since)
                                  .order_by(audit_log.c.id)).all()


def last_audit_id(app):
    with app["console"].connect() as connection:
        return connection.execute(sa.select(sa.func.coalesce(sa.func.max(audit_log.c.id), 0))).scalar_one()


def correction(app, event_id):
    with app["console"].connect() as connection:
        return connection.execute(sa.select(corrections).where(corrections.c.event_id == event_id)).mappings().first()


def seed_inbox(app):
    """A fallback, an older emergency the safety net caught, close FAQ topics on another channel,
    and a confident greeting; returns their user event ids."""
    tracker = app["tracker"]
    fallback_sender, emergency_sender, faq_sender, fine_sender = (senders(p) for p in ("fb", "em", "faq", "ok"))
    fallback = add_events(tracker, fallback_sender,
                          user("blorp <b>zzz</b> qwerty", "nlu_fallback", 0.5,
                               ranking=[("greet", 0.31), ("faq", 0.2)], ago=60),
                          action("action_default_fallback", ago=59))[0]
    emergency = add_events(tracker, emergency_sender,
                           user("my girl is having a seizure right now", "emergency", 1.0, ranking=[("faq", 0.7)],
                                classifier="faq", entities=[{"entity": "safety_rule", "value": "red_flag",
                                                             "start": 0, "end": 0}], ago=3600),
                           action("action_emergency", ago=3599))[0]
    faq = add_events(tracker, faq_sender,
                     user("why does it happen to some kids", "faq", 0.97, ranking=[("report_symptom", 0.02)],
                          topics=[("faq/causes", 0.5), ("faq/inheritance", 0.45)], channel="socketio", ago=30),
                     action("action_answer_faq", ago=29))[0]
    fine = add_events(tracker, fine_sender, user("hello there", "greet", 0.99, ranking=[("thank", 0.01)]),
                      action("utter_greet"))[0]
    return {"fallback": fallback, "emergency": emergency, "faq": faq, "fine": fine,
            "senders": (fallback_sender, emergency_sender, faq_sender, fine_sender)}


# --- the inbox --------------------------------------------------------------------------------------

def test_the_inbox_lists_what_needs_attention_emergencies_first_with_filters_and_labels(app, staff):
    seeded = seed_inbox(app)
    status, _, page = staff.request("/inbox")
    assert status == 200
    rows = rows_of(page)
    assert {seeded["fallback"], seeded["emergency"], seeded["faq"]} <= set(rows)
    assert seeded["fine"] not in rows
    order = [int(match) for match in re.findall(r'id="message-(\d+)"', page)]
    # the emergency is an hour older than the others, and still listed above them
    assert order.index(seeded["emergency"]) < order.index(seeded["faq"]) < order.index(seeded["fallback"])
    assert page.index("Safety first") < page.index(f'id="message-{seeded["emergency"]}"') < page.index("Other messages")

    emergency = html.unescape(rows[seeded["emergency"]])
    assert 'class="inbox-urgent"' in emergency and "Safety" in emergency
    assert "emergency" in emergency and "safety net overruled" in emergency and "classifier said: faq" in emergency
    link = ("/conversations/" + urllib.parse.quote(seeded["senders"][1], safe="")
            + f"?after={seeded['emergency'] - 1}#:~:text=my%20girl%20is")
    assert link in emergency

    fallback = rows[seeded["fallback"]]
    assert "blorp &lt;b&gt;zzz&lt;/b&gt; qwerty" in fallback and "<b>zzz" not in fallback  # text, never markup
    assert "not understood" in fallback and "2nd: greet 0.31" in fallback
    assert 'value="confirm"' not in fallback  # nothing to confirm when it was not understood
    assert re.search(r'<option value="greet" selected>', fallback)  # the classifier's best guess

    faq = rows[seeded["faq"]]
    assert "unsure FAQ topic" in faq and "topic <strong>faq/causes</strong> 0.50" in faq
    assert "2nd topic: faq/inheritance 0.45" in faq and "socketio" in faq
    assert 'value="confirm"' in faq and re.search(r'<option value="faq/causes" selected>', faq)
    assert '<option value="red_flag_context"' not in faq and '<option value="nlu_fallback"' not in faq

    only_emergencies = staff.request("/inbox?reason=emergency")[2]  # one list, paged
    assert seeded["emergency"] in rows_of(only_emergencies) and "Safety first" not in only_emergencies
    assert seeded["faq"] not in rows_of(only_emergencies)
    only_fallbacks = rows_of(staff.request("/inbox?reason=fallback")[2])
    assert seeded["fallback"] in only_fallbacks and seeded["faq"] not in only_fallbacks
    only_socketio = rows_of(staff.request("/inbox?channel=socketio")[2])
    assert seeded["faq"] in only_socketio and seeded["fallback"] not in only_socketio
    assert staff.request("/inbox?reason=<script>&page=x")[0] == 200  # unknown filters are ignored


def test_confirm_correct_and_out_of_scope_take_one_click_leave_the_inbox_and_are_counted_and_audited(app, staff):
    seeded = seed_inbox(app)
    page = staff.request("/inbox")[2]
    attention, waiting = counts_of(page)
    csrf = csrf_of(page)
    since = last_audit_id(app)

    status, headers, _ = staff.request(f"/inbox/{seeded['faq']}", {"csrf": csrf, "action": "confirm",
                                                                    "reason": "close_topics"})
    assert status == 302 and headers["Location"] == "/inbox?reason=close_topics&done=confirmed"
    status, headers, _ = staff.request(f"/inbox/{seeded['fallback']}",
                                       {"csrf": csrf, "action": "correct", "label": "faq/what_is"})
    assert status == 302 and headers["Location"] == "/inbox?done=corrected"
    assert staff.request(f"/inbox/{seeded['emergency']}", {"csrf": csrf, "action": "out_of_scope"})[0] == 302

    confirmed, corrected, out = (correction(app, seeded[k]) for k in ("faq", "fallback", "emergency"))
    assert (confirmed["verdict"], confirmed["intent"], confirmed["topic"], confirmed["by"]) == (
        "confirmed", "faq", "faq/causes", ADMIN)
    assert (corrected["verdict"], corrected["intent"], corrected["topic"], corrected["predicted_intent"]) == (
        "corrected", "faq", "faq/what_is", "nlu_fallback")
    assert (out["verdict"], out["intent"], out["exported_at"]) == ("out_of_scope", None, None)
    assert corrected["text"] == "blorp <b>zzz</b> qwerty" and corrected["sender_id"] == seeded["senders"][0]

    status, _, page = staff.request("/inbox?done=corrected")
    assert status == 200 and "Corrected: kept as a training example" in page
    assert not {seeded["faq"], seeded["fallback"], seeded["emergency"]} & set(rows_of(page))
    assert counts_of(page) == (attention - 3, waiting + 3)
    nav = re.search(r'<a href="/inbox" class="nav-inbox">.*?</a>', page, re.S).group(0)
    assert f'>{attention - 3}</span>' in nav and f"{waiting + 3} to add" in nav
    assert "to add" in staff.request("/bookings")[2]  # the nav of every page

    actions = [(row.username, row.action) for row in audit_rows(app, since)]
    assert actions == [(ADMIN, "inbox_confirmed"), (ADMIN, "inbox_corrected"), (ADMIN, "inbox_out_of_scope")]
    details = " ".join(row.detail for row in audit_rows(app, since))
    assert "nlu_fallback -> faq/what_is" in details and "blorp" not in details
    assert not any(sender in details for sender in seeded["senders"])

    handled = html.unescape(staff.request("/inbox?view=handled")[2])
    assert "blorp <b>zzz</b> qwerty" in handled and f"by {ADMIN}" in handled
    assert "corrected</strong>: faq/what_is" in handled


def test_a_decision_is_taken_once_checked_and_can_be_reopened_until_written(app, staff):
    seeded = seed_inbox(app)
    csrf = csrf_of(staff.request("/inbox")[2])
    target = f"/inbox/{seeded['faq']}"
    assert staff.request(target, {"action": "confirm"})[0] == 403  # no CSRF token
    assert staff.request(target, {"csrf": csrf, "action": "correct", "label": "no_such_intent"})[0] == 400
    assert staff.request(target, {"csrf": csrf, "action": "correct", "label": ""})[0] == 400
    assert staff.request(target, {"csrf": csrf, "action": "delete_everything"})[0] == 400
    assert staff.request(f"/inbox/{seeded['fallback']}", {"csrf": csrf, "action": "confirm"})[0] == 400
    assert staff.request(f"/inbox/{seeded['fine']}", {"csrf": csrf, "action": "confirm"})[0] == 404
    assert correction(app, seeded["faq"]) is None and correction(app, seeded["fallback"]) is None
    assert Client(app["url"]).request(target, {"csrf": csrf, "action": "confirm"})[0] == 302  # to sign in
    assert correction(app, seeded["faq"]) is None

    # Correct with the pre-selected prediction unchanged is a confirmation.
    assert staff.request(target, {"csrf": csrf, "action": "correct", "label": "faq/causes"})[0] == 302
    assert correction(app, seeded["faq"])["verdict"] == "confirmed"
    status, headers, _ = staff.request(target, {"csrf": csrf, "action": "out_of_scope"})
    assert headers["Location"] == "/inbox?done=already"
    assert correction(app, seeded["faq"])["verdict"] == "confirmed"

    attention, waiting = counts_of(staff.request("/inbox")[2])
    status, headers, _ = staff.request(target, {"csrf": csrf, "action": "reopen", "view": "handled"})
    assert headers["Location"] == "/inbox?view=handled&done=reopened"
    assert correction(app, seeded["faq"]) is None
    page = staff.request("/inbox")[2]
    assert seeded["faq"] in rows_of(page) and counts_of(page) == (attention + 1, waiting - 1)
    assert audit_rows(app)[-1].action == "inbox_reopen"

    staff.request(target, {"csrf": csrf, "action": "confirm"})
    with app["console"].begin() as connection:  # as `make training-data` marks it
        connection.execute(corrections.update().where(corrections.c.event_id == seeded["faq"])
                           .values(exported_at=time.time(), export_result="written"))
    assert staff.request(target, {"csrf": csrf, "action": "reopen"})[1]["Location"] == "/inbox?done=exported"
    assert correction(app, seeded["faq"]) is not None


def test_messages_of_forgotten_or_expired_conversations_leave_the_inbox_and_its_counts(app, staff):
    seeded = seed_inbox(app)
    page = staff.request("/inbox")[2]
    attention, _ = counts_of(page)
    assert {seeded["fallback"], seeded["faq"]} <= set(rows_of(page))
    transcript = staff.request("/conversations/" + seeded["senders"][0])[2]
    staff.request("/conversations/" + seeded["senders"][0] + "/forget",
                  {"csrf": csrf_of(transcript), "confirm": "forget"})
    with app["console"].begin() as connection:  # as data retention leaves an expired message
        connection.execute(sa.text("UPDATE message_index SET text = '', sender_id = 'conversation#x@1' "
                                   "WHERE event_id = :id"), {"id": seeded["faq"]})
        connection.execute(sa.text("UPDATE conversation_index SET sender_id = 'conversation#x@1' "
                                   "WHERE sender_id = :sender"), {"sender": seeded["senders"][2]})
    page = staff.request("/inbox")[2]
    assert not {seeded["fallback"], seeded["faq"]} & set(rows_of(page))
    assert counts_of(page)[0] == attention - 2
    nav = re.search(r'<a href="/inbox" class="nav-inbox">.*?</a>', staff.request("/bookings")[2], re.S).group(0)
    assert f">{attention - 2}</span>" in nav


def booking_conversation(app, sender):
    """A booking with personal answers, an FAQ and a take-over; returns the user event ids."""
    ids = add_events(
        app["tracker"], sender,
        action("action_session_start"), {"event": "session_started"}, action("action_listen"),
        user("what is mmd", "faq", 0.99, topics=[("faq/what_is", 0.98)]),
        action("action_answer_faq"), bot("MMD is …", "utter_faq/what_is"), action("action_listen"),
        user("/request_consultation", "request_consultation", 1.0),
        action("utter_start_booking"), action("consultation_form"),
        {"event": "active_loop", "name": "consultation_form"}, slot("requested_slot", "consult_for"),
        action("action_listen"),
        user('/inform{"consult_for": "child"}', "inform", 1.0,
             entities=[{"entity": "consult_for", "value": "child"}]),
        action("consultation_form"), slot("consult_for", "child"), slot("requested_slot", "requester_name"),
        bot("What is your name?", "utter_ask_requester_name"), action("action_listen"),
        user("Sam Jones", "inform", 0.41, ranking=[("greet", 0.38)]),
        action("consultation_form"), slot("requester_name", "Sam Jones"),
        {"event": "active_loop", "name": None}, slot("requested_slot", None), action("action_listen"),
        user("thanks Sam here, mail sam@example.com or [x](y) 07700 900123 and his hand copies the other",
             "report_symptom", 0.45, ranking=[("inform", 0.44)]),
        action("action_acknowledge_symptom"), action("action_listen"),
        user("hmm", "nlu_fallback", 0.3, ranking=[("affirm", 0.3)]), action("action_default_fallback"),
        {"event": "rewind"},
        user("is it genetic", "faq", 0.9, topics=[("faq/inheritance", 0.9)]), action("action_answer_faq"),
        action("action_listen"),
        action("utter_agent_joined"), action("action_listen"), {"event": "pause"},
        user("are you a real person", "bot_challenge", 0.9), action("utter_iamabot"),
    )
    return ids


def test_a_conversation_is_saved_as_a_test_story_rasa_reads(app, staff, tmp_path):
    sender = "whatsapp:+44 7700/900?#é"
    booking_conversation(app, sender)
    path = "/conversations/" + urllib.parse.quote(sender, safe="") + "/story.yml"
    since = last_audit_id(app)
    status, headers, body = staff.request(path)
    assert status == 200 and headers["Content-Type"].startswith("application/x-yaml")
    assert re.fullmatch(r'attachment; filename="test_conversation_[0-9a-f]{12}\.yml"', headers["Content-Disposition"])
    for personal in ("Sam", "sam@", "07700", "7700"):
        assert personal not in body, personal
    story = yaml.safe_load(body)
    assert story["version"] == "3.1" and len(story["stories"]) == 1
    assert story["stories"][0]["story"].startswith("conversation#")
    assert story["stories"][0]["steps"] == [
        {"user": "what is mmd", "intent": "faq/what_is"},
        {"action": "action_answer_faq"},
        {"intent": "request_consultation"},
        {"action": "utter_start_booking"},
        {"action": "consultation_form"},
        {"active_loop": "consultation_form"},
        {"intent": "inform", "entities": [{"consult_for": "child"}]},
        {"action": "consultation_form"},
        {"intent": "inform"},  # the name: an answer to a personal question
        {"action": "consultation_form"},
        {"active_loop": None},
        {"user": "thanks [redacted] here, mail [redacted] or [x] (y) [redacted] and his hand copies the other",
         "intent": "report_symptom"},
        {"action": "action_acknowledge_symptom"},
        {"user": "is it genetic", "intent": "faq/inheritance"},
        {"action": "action_answer_faq"},
    ]
    assert [(row.action, row.detail.startswith("conversation#")) for row in audit_rows(app, since)] == [
        ("story_export", True)]
    assert "Save as test story" in staff.request(path[:-len("/story.yml")])[2]
    assert staff.request("/conversations/nobody-here/story.yml")[0] == 404

    # Rasa's own reader takes it with the project's domain, without a warning.
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    domain = Domain.load(str(ROOT / "domain"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        saved = tmp_path / "test_saved_story.yml"  # as a developer saves it into tests/stories/
        saved.write_text(body, encoding="utf-8")
        steps = YAMLStoryReader(domain, source_name=str(saved)).read_from_file(saved)
    assert not [str(w.message) for w in caught if issubclass(w.category, UserWarning)]  # Rasa's data warnings
    events = steps[0].events
    users = [e for e in events if isinstance(e, UserUttered)]
    assert [u.intent_name for u in users] == ["faq", "request_consultation", "inform", "inform", "report_symptom",
                                              "faq"]
    assert users[0].full_retrieval_intent_name == "faq/what_is"
    assert users[2].entities == [{"entity": "consult_for", "value": "child"}]
    assert users[4].entities == []  # "[x] (y)" stays text, not entity markup
    assert [e.action_name for e in events if isinstance(e, ActionExecuted)][-1] == "action_answer_faq"


def test_decisions_keep_a_training_example_without_personal_data(app, staff):
    sender = senders("personal")
    booking_conversation(app, sender)
    page = staff.request("/inbox")[2]
    with app["tracker"].connect() as connection:
        ids = dict(connection.execute(sa.select(rasa_events.c.data, rasa_events.c.id).where(
            rasa_events.c.sender_id == sender, rasa_events.c.type_name == "user")).all())
    by_text = {json.loads(data)["text"]: event_id for data, event_id in ids.items()}
    name = by_text["Sam Jones"]
    mixed = next(event_id for text, event_id in by_text.items() if text.startswith("thanks Sam"))
    # The answer to "What is your name?" is personal: never listed (nor a training example).
    assert mixed in rows_of(page) and name not in rows_of(page)
    csrf = csrf_of(page)
    assert staff.request(f"/inbox/{name}", {"csrf": csrf, "action": "confirm"})[0] in (302, 404)
    staff.request(f"/inbox/{mixed}", {"csrf": csrf, "action": "correct", "label": "report_symptom"})
    assert correction(app, name) is None
    example = correction(app, mixed)["example"]
    for personal in ("Sam", "sam@", "07700"):
        assert personal not in example
    assert "his hand copies the other" in example
    assert correction(app, mixed)["text"].startswith("thanks Sam")  # staff still see what was typed


# --- make training-data -------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def console_db(request, tmp_path):
    if request.param == "sqlite":
        url, databases = f"sqlite:///{tmp_path / 'console.db'}", None
    else:
        databases = temporary_database("console_training")
        url = next(databases)[1]
    engine = engine_for(url)
    create_console_schema(engine)
    yield url, engine
    engine.dispose()
    if databases is not None:
        databases.close()


def decision(engine, text, verdict="corrected", intent=None, topic=None, example="same", predicted="nlu_fallback"):
    with engine.begin() as connection:
        next_id = connection.execute(sa.select(sa.func.coalesce(sa.func.max(corrections.c.event_id), 0))).scalar_one()
        connection.execute(corrections.insert().values(
            event_id=next_id + 1, sender_id="someone", text=text, example=text if example == "same" else example,
            reasons="fallback", predicted_intent=predicted, verdict=verdict, intent=intent, topic=topic,
            by="alice", at=time.time() + next_id))
    return next_id + 1


def run_script(url, *args):
    env = {**os.environ, "CONSOLE_DB_URL": url, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_training_data_writes_redacted_new_examples_merged_by_intent_and_marks_them(console_db, tmp_path):
    url, engine = console_db
    output = tmp_path / "nlu" / "staff_corrections.yml"
    output.parent.mkdir()
    output.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hiya folks\n'
                      '- intent: faq/causes\n  examples: |\n    - what makes the hands copy\n', encoding="utf-8")
    written = [
        decision(engine, "why does it happen to some kids", intent="faq", topic="faq/causes"),
        decision(engine, "can you recommend a plumber", verdict="out_of_scope"),
        decision(engine, "my son is 7, his hands copy each other. mail sam@example.com",
                 intent="report_symptom", example="my son is 7, his hands copy each other. mail [redacted]"),
        decision(engine, "hiya   FOLKS", intent="thank"),  # an earlier staff label, changed
    ]
    skipped = {
        decision(engine, "WHAT  is MMD", verdict="confirmed", intent="faq", topic="faq/what_is"): "duplicate",
        decision(engine, "What  is mmd", intent="out_of_scope"): "conflict",  # faq.yml says faq/what_is
        decision(engine, "Sam Jones", intent="inform", example=None): "personal",
        decision(engine, "07700 900123 call me", intent="inform", example="[redacted] call me"): "personal",
        decision(engine, "/greet", verdict="confirmed", intent="greet"): "payload",
        decision(engine, "did it spread to her brain", verdict="confirmed", intent="red_flag_context"): "not-trainable",
        decision(engine, "tell me about [x](y) things", intent="chitchat_unknown"): "not-trainable",
        decision(engine, "some [label](entity) here", intent="greet"): "markup",
    }
    heldout_text = "so what's MMD"  # in tests/nlu/heldout.yml: never trained on
    skipped[decision(engine, heldout_text, intent="faq", topic="faq/what_is")] = "held-out"

    stdout = run_script(url, "--output", str(output))
    text = output.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    blocks = {block["intent"]: block["examples"].splitlines() for block in data["nlu"]}
    assert list(blocks) == sorted(blocks)  # grouped by intent
    assert blocks["faq/causes"] == ["- what makes the hands copy", "- why does it happen to some kids"]
    assert blocks["out_of_scope"] == ["- can you recommend a plumber"]
    assert blocks["report_symptom"] == ["- my son is 7, his hands copy each other. mail"]
    assert blocks["thank"] == ["- hiya FOLKS"] and "greet" not in blocks  # moved by the later decision
    for absent in ("sam@", "Sam", "07700", "redacted", "MMD", "/greet", "[label]", "brain", "[x]", "what's"):
        assert absent not in text, absent

    with engine.connect() as connection:
        results = dict(connection.execute(sa.select(corrections.c.event_id, corrections.c.export_result)).all())
        assert connection.execute(sa.select(sa.func.count()).select_from(corrections)
                                  .where(corrections.c.exported_at.is_(None))).scalar_one() == 0
    assert {event_id: results[event_id] for event_id in skipped} == skipped
    assert [results[event_id] for event_id in written] == ["written", "written", "written", "moved"]
    assert "wrote 4 example(s)" in stdout and f"skipped {len(skipped)}" in stdout
    assert "already in faq.yml" in stdout and "faq.yml has it as faq/what_is" in stdout
    assert "Sam" not in stdout and "07700" not in stdout and "sam@" not in stdout

    # Rasa reads the file, and the examples are the ones written.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    training = RasaYAMLReader().reads(text)
    assert {m.get("text") for m in training.intent_examples} >= {"why does it happen to some kids", "hiya FOLKS"}

    # A second run has nothing to do and leaves the file alone; a new decision is merged in.
    assert "nothing to write" in run_script(url, "--output", str(output))
    assert output.read_text(encoding="utf-8") == text
    decision(engine, "is it catching", intent="faq", topic="faq/contagious")
    assert "would write 1" in run_script(url, "--output", str(output), "--dry-run")
    assert output.read_text(encoding="utf-8") == text
    run_script(url, "--output", str(output))
    merged = {block["intent"]: block["examples"] for block in yaml.safe_load(output.read_text())["nlu"]}
    assert merged["faq/contagious"] == "- is it catching\n" and merged["faq/causes"].count("- ") == 2


def test_training_data_without_a_console_database_table_writes_nothing(tmp_path):
    output = tmp_path / "staff_corrections.yml"
    stdout = run_script(f"sqlite:///{tmp_path / 'empty.db'}", "--output", str(output))
    assert "nothing to write" in stdout and not output.exists()


@pytest.mark.slow  # the whole `rasa data validate` on a copy of the project: most of a minute
def test_the_written_file_passes_the_projects_data_validation(tmp_path):
    """`rasa data validate` with the project's own filter (scripts/validate_data.py) on a copy of
    the project whose data/nlu holds the written file: no new warning, so training takes it."""
    import shutil

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "config.yml", project / "config.yml")
    for name in ("domain", "data", "actions", "common", "console", "rasa_server", "spacy_pipeline"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "validate_data.py", project / "scripts" / "validate_data.py")
    for name in (".venv", "build"):
        (project / name).symlink_to(ROOT / name)
    assert not (project / "data" / "nlu" / "staff_corrections.yml").exists()

    url = f"sqlite:///{tmp_path / 'console.db'}"
    engine = engine_for(url)
    create_console_schema(engine)
    decision(engine, "why does it happen to some kids", intent="faq", topic="faq/causes")
    decision(engine, "is it catching", intent="faq", topic="faq/contagious")
    decision(engine, "can you recommend a plumber", verdict="out_of_scope")
    decision(engine, "my boy's hands copy each other when he writes", intent="report_symptom")
    decision(engine, "is this thing a robot", verdict="confirmed", intent="bot_challenge")
    decision(engine, "my daughter collapsed and is not breathing", verdict="confirmed", intent="emergency")
    decision(engine, "what is MMD", intent="greet")  # a conflict: never written
    engine.dispose()
    output = project / "data" / "nlu" / "staff_corrections.yml"
    assert "wrote 6 example(s)" in run_script(url, "--output", str(output), "--nlu-dir", str(output.parent))

    completed = subprocess.run([sys.executable, str(project / "scripts" / "validate_data.py")], cwd=project,
                               env={**os.environ, "PYTHONPATH": str(project)}, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "data valid, no warnings" in completed.stdout
