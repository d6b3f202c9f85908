"""Each message's and each conversation's language (English or Bahasa Indonesia) in the staff
console: the index on real SQLite and PostgreSQL from events shaped as Rasa writes them (the
`language` entity in a user message's parse data, the `language` slot set right after it),
the list filter, transcript, exports, story, inbox and analytics; then the same over HTTP
through the real console process."""
from __future__ import annotations

# ruff: noqa: F811 - shared fixtures are imported, then named as test arguments
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import analytics, inbox, queries
from console.db import create_console_schema, engine_for, rasa_metadata
from console.export import export_rows, to_csv, to_json
from console.indexer import refresh_index
from console.stories import conversation_story
from console.tables import booking_first_contact, conversation_index, index_state, message_index
from tests.unit.test_console import add_events, dbs  # noqa: F401 - dbs: the shared fixture

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12, tzinfo=timezone.utc).timestamp()


def said(text, intent="faq", language=None, confidence=0.95, channel="rest", ts=None, message_language=None):
    """A user event as Rasa writes it; `language` is the value of its language entity (none: no
    entity), `message_language` that of its message_language entity (en, id or other)."""
    entities = []
    for name, value in (("language", language), ("message_language", message_language)):
        if value is not None:
            entities.append({"entity": name, "value": value, "extractor": "LanguageDetector",
                             "confidence_entity": 0.99})
    event = {"event": "user", "text": text, "input_channel": channel, "message_id": f"m-{text[:8]}",
             "metadata": {}, "timestamp": ts or time.time(),
             "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                            "entities": entities,
                            "intent_ranking": [{"name": intent, "confidence": confidence}]}}
    return event


def slot(value, name="language", ts=None):
    return {"event": "slot", "name": name, "value": value, "timestamp": ts or time.time()}


def bot(utter, text="...", ts=None):
    return {"event": "bot", "text": text, "metadata": {"utter_action": utter}, "timestamp": ts or time.time()}


def messages(console, sender):
    with console.connect() as connection:
        return [dict(row) for row in connection.execute(
            sa.select(message_index).where(message_index.c.sender_id == sender)
            .order_by(message_index.c.event_id)).mappings()]


def conversation(console, sender):
    with console.connect() as connection:
        return dict(connection.execute(sa.select(conversation_index)
                                       .where(conversation_index.c.sender_id == sender)).mappings().one())


def test_each_message_has_its_entitys_language_else_the_slots_at_that_point(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "bilingual",
               said("apa itu mmd", language="id"), slot("id"), bot("utter_faq/what_is"),
               said("ok", intent="affirm", language="other"),  # unclear: no slot set, the entity says other
               said("/affirm", intent="affirm"),  # a button press: no entity, the slot is still id
               said("what causes it", language="en"), slot("en"), bot("utter_faq/causes"),
               said("hmm", intent="nlu_fallback", confidence=0.3))  # an older message: no entity, slot en
    refresh_index(console, tracker)
    rows = messages(console, "bilingual")
    assert [(row["language"], row["language_entity"]) for row in rows] == [
        ("id", "id"), ("other", "other"), ("id", None), ("en", "en"), ("en", None)]
    assert conversation(console, "bilingual")["language"] == "en"

    # No entity: the slot set right after the message decides, even when it arrives in a later batch.
    add_events(tracker, "bilingual", said("/request_consultation", intent="request_consultation"))
    refresh_index(console, tracker)
    assert messages(console, "bilingual")[-1]["language"] == "en"  # the slot's value so far
    add_events(tracker, "bilingual", slot("id"))
    refresh_index(console, tracker)
    assert messages(console, "bilingual")[-1]["language"] == "id"
    assert conversation(console, "bilingual")["language"] == "id"


def test_a_conversation_is_in_its_last_known_language_and_english_when_none_is_known(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "switched", said("halo", intent="greet", language="id"), slot("id"),
               said("sorry, english please", intent="out_of_scope", language="en"), slot("en"),
               said("ok", intent="affirm", language="other"))
    add_events(tracker, "unknown", said("hello", intent="greet"), said("?", intent="nlu_fallback", language="other"))
    add_events(tracker, "indonesian", said("tangan saya ikut bergerak", intent="report_symptom", language="id"),
               slot("id"), said("/affirm", intent="affirm"))
    # A restart and a new session empty the slot: a later button press's language is unknown.
    add_events(tracker, "restarted", said("apa itu mmd", language="id"), slot("id"),
               {"event": "restart"}, said("/greet", intent="greet"),
               {"event": "session_started"}, said("/affirm", intent="affirm"))
    refresh_index(console, tracker)
    assert {sender: conversation(console, sender)["language"]
            for sender in ("switched", "unknown", "indonesian", "restarted")} == {
        "switched": "en", "unknown": "en", "indonesian": "id", "restarted": "id"}
    assert [row["language"] for row in messages(console, "restarted")] == ["id", None, None]
    assert [row["language"] for row in messages(console, "indonesian")] == ["id", "id"]


def test_the_list_filters_by_language_with_the_other_filters_and_pages(dbs, monkeypatch):
    console, tracker, _ = dbs
    for number in range(5):
        add_events(tracker, f"id-{number}", said(f"tangan saya {number}", intent="report_symptom", language="id"),
                   slot("id"))
    add_events(tracker, "en-symptom", said("my hand copies", intent="report_symptom", language="en"), slot("en"))
    add_events(tracker, "id-greet", said("halo", intent="greet", language="id"), slot("id"))
    add_events(tracker, "old", said("hello", intent="greet"))
    refresh_index(console, tracker)
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)

    def senders(**filters):
        listing = queries.list_conversations(console, queries.ConversationFilter(**filters))
        return listing["total"], listing["pages"], sorted(row["sender_id"] for row in listing["rows"])

    assert senders(language="id", flags=["symptom"])[:2] == (5, 3)
    pages = [senders(language="id", flags=["symptom"], page=page)[2] for page in (1, 2, 3)]
    assert sorted(sum(pages, [])) == [f"id-{number}" for number in range(5)]
    assert senders(language="en") == (2, 1, ["en-symptom", "old"])
    assert senders(language="en", flags=["symptom"]) == (1, 1, ["en-symptom"])
    assert senders(language="id", text="halo") == (1, 1, ["id-greet"])
    assert senders()[0] == 8
    listing = queries.list_conversations(console, queries.ConversationFilter(language="id", page=3))
    assert {row["language"] for row in listing["rows"]} == {"id"}
    # From the URL: anything but en or id is every language.
    assert queries.ConversationFilter.from_args(_Args(language=" ID ")).language == "id"
    assert queries.ConversationFilter.from_args(_Args(language="fr")).language == ""


class _Args(dict):
    def get(self, name, default=None):
        return super().get(name, default)

    def getlist(self, name):
        return []


def test_transcript_exports_and_story_name_the_language(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "cerita", said("apa penyebab mmd", language="id"), slot("id"), bot("utter_faq/causes"),
               said("/affirm", intent="affirm"), bot("utter_goodbye"))
    add_events(tracker, "plain", said("hello", intent="greet"), bot("utter_greet"))
    refresh_index(console, tracker)
    data = queries.transcript(tracker, "cerita")
    assert data["language"] == "id"
    assert [turn["language"] for turn in data["turns"] if turn["kind"] == "user"] == ["id", "id"]
    assert "language" not in queries.transcript(tracker, "plain")["turns"][0]  # unknown: no key
    assert queries.transcript(tracker, "plain")["language"] == "en"

    rows = export_rows([{"sender_id": sender, **queries.transcript(tracker, sender)} for sender in ("cerita", "plain")],
                       redact=True)
    assert {(row["conversation"], row["language"]) for row in rows} == {("cerita", "id"), ("plain", "en")}
    assert [row["message_language"] for row in rows if row["speaker"] == "user"] == ["id", "id", ""]
    assert all(row["message_language"] == "" for row in rows if row["speaker"] != "user")
    table = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert list(table[0])[-2:] == ["language", "message_language"] and table[0]["language"] == "id"
    assert {row["language"] for row in json.loads(to_json(rows))} == {"id", "en"}

    info = inbox.DomainInfo(intents=("faq", "affirm"), topics=("faq/causes",), out_of_scope_intent=None)
    story = conversation_story(tracker, "cerita", info)
    assert "# Language: Bahasa Indonesia (id)." in story
    assert "# Language: English (en)." in conversation_story(tracker, "plain", info)


def test_the_inbox_shows_and_filters_each_messages_language(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "inbox-id", said("blorf apa", intent="nlu_fallback", language="id", confidence=0.2),
               slot("id"), bot("utter_default"))
    add_events(tracker, "inbox-en", said("blorf what", intent="nlu_fallback", language="en", confidence=0.2),
               slot("en"), bot("utter_default"))
    add_events(tracker, "inbox-other", said("qwzx", intent="nlu_fallback", language="other", confidence=0.2),
               bot("utter_default"), said("zzz", intent="nlu_fallback", confidence=0.2))
    refresh_index(console, tracker)

    def texts(language):
        return sorted(row["text"] for row in inbox.list_open(console, language=language)["rows"])

    assert texts("") == ["blorf apa", "blorf what", "qwzx", "zzz"]
    assert texts("id") == ["blorf apa"] and texts("en") == ["blorf what"]
    assert texts("other") == ["qwzx", "zzz"]  # another language, or not known
    assert {row["text"]: row["language"] for row in inbox.list_open(console)["rows"]}["zzz"] is None


def test_analytics_filters_by_language_and_counts_conversations_per_language(dbs):
    console, tracker, bookings_db = dbs
    hour = 3600
    add_events(tracker, "a-id", said("tangan saya", intent="report_symptom", language="id", ts=NOON),
               slot("id", ts=NOON), said("/affirm", intent="affirm", ts=NOON + 60))
    add_events(tracker, "b-id", said("apa itu mmd", language="id", ts=NOON + hour), slot("id", ts=NOON + hour),
               said("what is it", language="en", ts=NOON + 2 * hour), slot("en", ts=NOON + 2 * hour),
               said("maaf, bahasa indonesia", intent="out_of_scope", language="id", ts=NOON + 3 * hour),
               slot("id", ts=NOON + 3 * hour))
    add_events(tracker, "c-en", said("my hand copies", intent="report_symptom", language="en", ts=NOON),
               slot("en", ts=NOON))
    add_events(tracker, "d-none", said("hello", intent="greet", ts=NOON))
    refresh_index(console, tracker)

    everything = analytics.report(console, bookings_db, analytics.Period(DAY, DAY))
    assert everything["totals"]["conversations"] == 4
    assert everything["languages"] == [("en", 2), ("id", 2)]
    indonesian = analytics.report(console, bookings_db, analytics.Period(DAY, DAY, language="id"))
    assert (indonesian["totals"]["conversations"], indonesian["totals"]["messages"],
            indonesian["totals"]["symptom"]) == (2, 5, 1)
    assert indonesian["languages"] == [("en", 0), ("id", 2)]
    english = analytics.report(console, bookings_db, analytics.Period(DAY, DAY, "rest", "en"))
    assert (english["totals"]["conversations"], english["totals"]["messages"]) == (2, 2)

    period, error = analytics.parse_period(_Args({"from": "2026-11-20", "to": "2026-11-20", "language": "id"}),
                                           DAY)
    assert error is None and period.language == "id" and period.form()["language"] == "id"
    assert analytics.parse_period(_Args({"language": "xx"}), DAY)[0].language == ""

    # The first contact keeps the conversation's language, so the median follows the filter.
    with console.begin() as connection:
        connection.execute(booking_first_contact.insert(), [
            {"reference": "MMD-AAAAAA", "channel": "rest", "language": "id", "requested_at": NOON, "at": NOON + hour},
            {"reference": "MMD-BBBBBB", "channel": "rest", "language": "en", "requested_at": NOON,
             "at": NOON + 5 * hour},
            {"reference": "MMD-CCCCCC", "channel": "rest", "language": None, "requested_at": NOON,
             "at": NOON + 9 * hour}])
    indonesian = analytics.report(console, bookings_db, analytics.Period(DAY, DAY, language="id"))
    assert (indonesian["median_contact_seconds"], indonesian["contact_measured"]) == (hour, 1)
    assert analytics.report(console, bookings_db, analytics.Period(DAY, DAY))["contact_measured"] == 3


def test_first_contact_records_the_conversations_language(dbs):
    from actions.booking_store import BookingRequest, BookingStore

    console, tracker, bookings_db = dbs
    add_events(tracker, "booker", said("saya mau konsultasi", intent="request_consultation", language="id"),
               slot("id"))
    refresh_index(console, tracker)
    reference = BookingStore(bookings_db).save(BookingRequest(
        "booker", "child", 6, "tangan kanan ikut bergerak", "Dewi", "0812-3456-7890", "pagi", True))[0]
    assert analytics.record_first_contact(console, bookings_db, reference, "contacted")
    with console.connect() as connection:
        assert connection.execute(sa.select(booking_first_contact.c.language)).scalar_one() == "id"


def test_an_older_console_database_is_migrated_and_its_index_rebuilt_with_languages(dbs):
    console, tracker, _ = dbs
    add_events(tracker, "before", said("apa itu mmd", language="id"), slot("id"))
    refresh_index(console, tracker)
    with console.begin() as connection:  # as the release before languages left it
        for table, column in (("conversation_index", "language"), ("conversation_index", "language_slot"),
                              ("message_index", "language"), ("message_index", "language_entity"),
                              ("booking_first_contact", "language")):
            if table == "conversation_index" and column == "language":
                connection.execute(sa.text("DROP INDEX ix_conversation_index_language"))
            connection.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        connection.execute(index_state.update().values(name="events-v4"))
        connection.execute(sa.text("INSERT INTO booking_first_contact (reference, channel, requested_at, at) "
                                   "VALUES ('MMD-OLD123', 'rest', 1.0, 2.0)"))
    create_console_schema(console)
    for table in ("conversation_index", "message_index", "booking_first_contact"):
        assert "language" in {c["name"] for c in sa.inspect(console).get_columns(table)}, table
    refresh_index(console, tracker)
    assert conversation(console, "before")["language"] == "id"
    assert [row["language"] for row in messages(console, "before")] == ["id"]
    with console.connect() as connection:  # the console's own rows are kept, their language unknown
        assert connection.execute(sa.select(booking_first_contact.c.reference,
                                            booking_first_contact.c.language)).all() == [("MMD-OLD123", None)]


# --- over HTTP, through the real console process --------------------------------------------------

ADMIN, PASSWORD = "admin.language", "a-long-language-password"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The console in its own process on SQLite files (as tests/unit/test_console_app.py starts it)."""
    from tests.e2e.servers import free_port, wait_until_up

    workdir = tmp_path_factory.mktemp("console_language")
    urls = {name: f"sqlite:///{workdir / (name + '.db')}" for name in ("console", "tracker", "bookings")}
    tracker = engine_for(urls["tracker"])
    rasa_metadata.create_all(tracker)
    port = free_port()
    env = {**os.environ, "CONSOLE_DB_URL": urls["console"], "TRACKER_DB_URL": urls["tracker"],
           "BOOKINGS_DB_URL": urls["bookings"], "CONSOLE_SECRET_KEY": "language-key", "STAFF_PORT": str(port),
           "CONSOLE_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT), "RASA_URL": "http://127.0.0.1:9",
           "RASA_API_TOKEN": ""}
    subprocess.run([sys.executable, "-m", "console.cli", "create-user", ADMIN, "--role", "admin"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    log = workdir / "console.log"
    process = subprocess.Popen([sys.executable, "-m", "console.app"], cwd=ROOT, env=env,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, 60)
        bookings_db = engine_for(urls["bookings"])
        yield {"url": f"http://127.0.0.1:{port}", "tracker": tracker, "bookings": bookings_db}
        bookings_db.dispose()
    finally:
        process.terminate()
        process.wait(timeout=20)
        tracker.dispose()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A signed-in browser without JavaScript: GETs with the session cookie, redirects not followed."""

    def __init__(self, base):
        self.base, self.cookie = base, ""
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path, form=None):
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"Cookie": self.cookie} if self.cookie else {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def sign_in(self, username, password):
        status, headers, _ = self.request("/login", {"username": username, "password": password})
        if status == 302:
            self.cookie = headers["Set-Cookie"].split(";")[0]
        return status


@pytest.fixture(scope="module")
def client(served):
    staff = Client(served["url"])
    assert staff.sign_in(ADMIN, PASSWORD) == 302
    tracker = served["tracker"]
    today = time.time()
    for number in range(52):  # more than a page of Indonesian conversations with a symptom
        add_events(tracker, f"web-id-{number:02d}",
                   said(f"tangan saya ikut bergerak {number}", intent="report_symptom", language="id", ts=today),
                   slot("id", ts=today))
    later = today + 1  # listed first, above the Indonesian ones
    add_events(tracker, "web-en", said("my hand copies the other", intent="report_symptom", language="en", ts=later),
               slot("en", ts=later))
    add_events(tracker, "web-mixed", said("blorf apa itu", intent="nlu_fallback", language="id", confidence=0.2,
                                          ts=today), slot("id", ts=today), bot("utter_default", ts=today),
               said("qwzx", intent="nlu_fallback", language="other", confidence=0.2, ts=today),
               bot("utter_default", ts=today))
    return staff


def cells(page, label):
    return re.findall(r'<td data-label="' + label + r'">(.*?)</td>', page, re.S)


def test_the_list_shows_and_filters_languages_keeping_filters_and_pages(client):
    status, _, page = client.request("/")
    assert status == 200 and '<th scope="col">Language</th>' in page
    assert '>Bahasa Indonesia</option>' in page and '<select name="language">' in page
    shown = [re.sub(r"<[^>]+>", "", cell) for cell in cells(page, "Language")]
    assert set(shown) == {"EN", "ID"}

    status, _, page = client.request("/?flag=symptom&language=id")
    assert status == 200 and "Conversations <small>(52)</small>" in page
    assert '<option value="id" selected>' in page
    assert all(re.sub(r"<[^>]+>", "", cell) == "ID" for cell in cells(page, "Language"))
    next_link = re.search(r'<a href="([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
    assert dict(urllib.parse.parse_qsl(next_link.split("?", 1)[1])) == {
        "flag": "symptom", "language": "id", "page": "2"}
    page = client.request(next_link)[2]
    assert "Page 2 of 2" in page and len(cells(page, "Language")) == 2
    assert "Conversations <small>(1)</small>" in client.request("/?flag=symptom&language=en")[2]


def test_the_transcript_and_the_exports_name_the_language(client):
    page = client.request("/conversations/web-id-07")[2]
    assert "Language: <strong>Bahasa Indonesia</strong> (ID)" in page
    status, headers, body = client.request("/export?format=csv&language=en")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(body)))
    assert {row["conversation"] for row in table} == {"web-en"}
    assert {row["language"] for row in table} == {"en"}
    body = client.request("/export?format=json&language=id&flag=fallback")[2]
    rows = json.loads(body)
    assert {row["conversation"] for row in rows} == {"web-mixed"} and {row["language"] for row in rows} == {"id"}
    assert [row["message_language"] for row in rows if row["speaker"] == "user"] == ["id", "other"]
    story = client.request("/conversations/web-en/story.yml")[2]
    assert "# Language: English (en)." in story


def test_the_inbox_shows_each_messages_language_and_filters_by_it(client):
    page = client.request("/inbox")[2]
    assert '<select name="language">' in page and 'title="Bahasa Indonesia">ID</abbr>' in page
    assert "blorf apa itu" in page and "qwzx" in page
    page = client.request("/inbox?language=other")[2]
    assert "qwzx" in page and "blorf apa itu" not in page
    assert '<input type="hidden" name="language" value="other">' in page  # kept after a decision
    page = client.request("/inbox?language=id")[2]
    assert "blorf apa itu" in page and "qwzx" not in page


def test_analytics_filters_by_language_and_shows_conversations_per_language(client):
    status, _, page = client.request("/analytics")
    assert status == 200 and "Conversations per language" in page and "all languages" in page
    assert "<svg" in page and page.count("<svg") == 7  # the charts as before
    figure = re.search(r'data-figure="conversations">([^<]+)<', page).group(1)
    assert figure == "54"
    per_language = dict(re.findall(r'<span data-language="(\w+)">[^<]*<strong>(\d+)</strong>', page))
    assert per_language == {"en": "1", "id": "53"}
    page = client.request("/analytics?language=id")[2]
    assert re.search(r'data-figure="conversations">([^<]+)<', page).group(1) == "53"
    assert '<option value="id" selected>Bahasa Indonesia</option>' in page
    assert "all channels,\n  Bahasa Indonesia." in page


# --- what a nurse found using the console in Bahasa Indonesia --------------------------------------

def book(bookings_db, sender, name="Dewi", age=6):
    from actions.booking_store import BookingRequest, BookingStore

    return BookingStore(bookings_db).save(BookingRequest(
        sender, "child", age, "tangan kanan ikut bergerak", name, "0812-3456-7890", "pagi", True))[0]


def test_the_queue_shows_and_filters_each_requests_language_with_the_other_filters_and_pages(dbs, monkeypatch):
    console, tracker, bookings_db = dbs
    for number in range(3):
        add_events(tracker, f"q-id-{number}", said("saya mau konsultasi", intent="request_consultation",
                                                    language="id"), slot("id"))
    add_events(tracker, "q-en", said("I want a consultation", intent="request_consultation", language="en"),
               slot("en"))
    refresh_index(console, tracker)
    references = {sender: book(bookings_db, sender) for sender in ("q-id-0", "q-id-1", "q-id-2", "q-en")}
    references["q-unindexed"] = book(bookings_db, "q-unindexed")  # its conversation not indexed: English
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)

    def queue(**filters):
        listing = queries.booking_queue(bookings_db, console, query=queries.QueueFilter(**filters), paged=True)
        return listing["total"], listing["pages"], {row["sender_id"]: row["language"] for row in listing["rows"]}

    assert queue(language="id")[:2] == (3, 2)
    pages = [queue(language="id", page=page)[2] for page in (1, 2)]
    assert {**pages[0], **pages[1]} == {"q-id-0": "id", "q-id-1": "id", "q-id-2": "id"}
    assert queue(language="en") == (2, 1, {"q-en": "en", "q-unindexed": "en"})
    assert queue(language="id", text=references["q-id-1"]) == (1, 1, {"q-id-1": "id"})
    assert queue(language="en", text="Dewi", page=1)[0] == 2 and queue()[0] == 5
    assert {row["sender_id"]: row["language"] for row in queries.booking_queue(bookings_db, console)} == {
        "q-id-0": "id", "q-id-1": "id", "q-id-2": "id", "q-en": "en", "q-unindexed": "en"}
    assert queries.QueueFilter.from_args(_Args(language=" ID ")).language == "id"
    assert queries.QueueFilter.from_args(_Args(language="fr")).language == ""


def test_each_message_reads_message_language_first_so_other_languages_show_and_count(dbs):
    console, tracker, bookings_db = dbs
    # A Spanish emergency in an English conversation: `language` (en / id only) is absent or
    # English, `message_language` says other; the slot stays English.
    add_events(tracker, "es-emergency", said("hello", intent="greet", language="en", message_language="en", ts=NOON),
               slot("en", ts=NOON),
               said("ayuda, mi hijo no respira", intent="emergency", message_language="other", ts=NOON + 60),
               bot("utter_emergency", ts=NOON + 60),
               said("mi hijo", intent="nlu_fallback", language="en", message_language="other", confidence=0.2,
                    ts=NOON + 120))
    add_events(tracker, "es-only", said("hola, ¿hablas español?", intent="unsupported_language",
                                        message_language="other", ts=NOON),
               bot("utter_languages_spoken", ts=NOON))
    refresh_index(console, tracker)
    assert [row["language"] for row in messages(console, "es-emergency")] == ["en", "other", "other"]
    assert conversation(console, "es-emergency")["language"] == "en"
    listing = inbox.list_open(console, language="other")
    assert [(row["text"], row["language"]) for row in listing["urgent"]] == [("ayuda, mi hijo no respira", "other")]
    assert [(row["text"], row["language"]) for row in listing["rows"]] == [("mi hijo", "other")]
    assert not inbox.list_open(console, language="en")["rows"] and not inbox.list_open(console, language="en")["urgent"]
    turns = [turn for turn in queries.transcript(tracker, "es-emergency")["turns"] if turn["kind"] == "user"]
    assert [turn["language"] for turn in turns] == ["en", "other", "other"]

    # Every message in another language: an "other" conversation, also across index batches.
    assert conversation(console, "es-only")["language"] == "other"
    assert queries.transcript(tracker, "es-only")["language"] == "other"
    add_events(tracker, "es-only", said("gracias", intent="thank", message_language="other", ts=NOON + 60))
    refresh_index(console, tracker)
    assert conversation(console, "es-only")["language"] == "other"
    report = analytics.report(console, bookings_db, analytics.Period(DAY, DAY))
    assert report["languages"] == [("en", 1), ("id", 0), ("other", 1)]
    add_events(tracker, "es-only", said("ok then english please", intent="change_language", language="en",
                                        message_language="en", ts=NOON + 120), slot("en", ts=NOON + 120))
    refresh_index(console, tracker)
    assert conversation(console, "es-only")["language"] == "en"
    assert analytics.report(console, bookings_db, analytics.Period(DAY, DAY))["languages"] == [("en", 2), ("id", 0)]


INDONESIAN_SUMMARY = ("Mohon periksa permintaan Anda:\n• Untuk: anak\n• Usia: 7\n• Yang Anda perhatikan: tangan kanan "
                      "ikut\n• Nama Anda: Dewi Lestari\n• Kontak: dewi at mail\n• Waktu yang diinginkan: Sabtu\n"
                      "• Bagikan percakapan ini kepada klinisi: ya\nKirim ke klinik sekarang?")


def test_the_indonesian_summary_is_redacted_like_the_english_one_and_bot_words_are_kept(dbs):
    _, tracker, _ = dbs
    add_events(tracker, "ringkasan",
               said("saya mau konsultasi", intent="request_consultation", language="id"), slot("id"),
               slot("requester_name", "requested_slot"),
               bot("utter_ask_requester_name", "Siapa nama Anda? Pilih salah satu: nama Anda atau nama wali."),
               # A wrong answer the form refused: the words are the bot's own.
               said("salah satu", intent="inform", language="id", confidence=0.3),
               bot("utter_ask_requester_name", "Siapa nama Anda? Pilih salah satu: nama Anda atau nama wali."),
               said("Dewi Lestari", intent="nlu_fallback", confidence=0.3), slot("Dewi Lestari", "requester_name"),
               slot(None, "requested_slot"),
               bot("utter_booking_summary", INDONESIAN_SUMMARY),
               said("salah satu", intent="inform", language="id"))  # the same answer again, whole
    data = queries.transcript(tracker, "ringkasan")
    texts = [row["text"] for row in export_rows([{"sender_id": "ringkasan", **data}], redact=True)]
    summary = next(text for text in texts if text.startswith("Mohon periksa"))
    for line in ("• Usia: [redacted]", "• Yang Anda perhatikan: [redacted]", "• Nama Anda: [redacted]",
                 "• Kontak: [redacted]", "• Waktu yang diinginkan: [redacted]", "• Untuk: anak",
                 "• Bagikan percakapan ini kepada klinisi: ya"):
        assert line in summary.split("\n"), line
    assert "Dewi" not in json.dumps(texts) and "Lestari" not in json.dumps(texts)
    assert texts.count("Siapa nama Anda? Pilih salah satu: nama Anda atau nama wali.") == 2
    assert texts[-1] == "[redacted]"  # the typed answer, whole, where it appears again
    from common.domain import load_domain
    from console.redaction import redact_patterns, response_labels

    assert {"usia", "nama anda", "kontak", "yang anda perhatikan", "waktu yang diinginkan",
            "age", "your name"} <= set(response_labels(load_domain()))
    assert redact_patterns("• Usia: 7") == "• Usia: [redacted]" and redact_patterns("• Untuk: anak") == "• Untuk: anak"


def test_a_name_accepted_by_the_form_does_not_flag_the_conversation_as_a_fallback(dbs):
    console, tracker, _ = dbs
    form_name = (slot("requester_name", "requested_slot"), bot("utter_ask_requester_name", "Siapa nama Anda?"),
                 said("Dewi Lestari", intent="nlu_fallback", confidence=0.3),
                 {"event": "action", "name": "consultation_form"}, slot("Dewi Lestari", "requester_name"),
                 slot("contact", "requested_slot"))
    add_events(tracker, "named", said("saya mau konsultasi", intent="request_consultation", language="id"),
               slot("id"), *form_name)
    add_events(tracker, "confused", said("blorf", intent="nlu_fallback", confidence=0.3), *form_name)
    refresh_index(console, tracker)
    listing = queries.list_conversations(console, queries.ConversationFilter(flags=["fallback"]))
    assert [row["sender_id"] for row in listing["rows"]] == ["confused"]
    assert not inbox.list_open(console, language="id")["rows"]  # the inbox agrees


def test_the_transcript_says_when_the_conversation_switched_language(dbs):
    _, tracker, _ = dbs
    add_events(tracker, "switcher", said("apa itu mmd", language="id"), slot("id"),
               said("english please", intent="change_language", language="en"), slot("en"), said("/affirm"))
    add_events(tracker, "steady", said("apa itu mmd", language="id"), slot("id"), said("makasih", language="id"))
    switched = queries.transcript(tracker, "switcher")
    assert (switched["language"], switched["switched_from"]) == ("en", "id")
    assert queries.transcript(tracker, "steady")["switched_from"] is None


def test_the_queue_shows_and_filters_languages_over_http(client, served):
    from console.db import ensure_bookings_schema

    ensure_bookings_schema(served["bookings"])
    indonesian = book(served["bookings"], "web-id-03", name="Dewi Web")
    english = book(served["bookings"], "web-en", name="Sam Web")
    status, _, page = client.request("/bookings")
    assert status == 200 and '<th scope="col">Language</th>' in page
    row = re.search(r'id="booking-' + indonesian + r'">.*?</tr>', page, re.S).group(0)
    assert '<td data-label="Language"><abbr title="Bahasa Indonesia">ID</abbr></td>' in row
    assert '<select name="language">' in page
    page = client.request("/bookings?language=id&status=new")[2]
    assert indonesian in page and english not in page and '<option value="id" selected>' in page
    back = re.search(r'name="back" value="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert dict(urllib.parse.parse_qsl(back.split("?", 1)[1])) == {"language": "id", "status": "new", "page": "1"}
    page = client.request("/bookings?language=en")[2]
    assert english in page and indonesian not in page


def test_the_transcript_header_says_the_language_switched(client, served):
    add_events(served["tracker"], "web-switched", said("apa itu mmd", language="id"), slot("id"),
               said("english please", intent="change_language", language="en"), slot("en"))
    page = client.request("/conversations/web-switched")[2]
    assert "Language: <strong>English</strong> (switched from Bahasa Indonesia)" in page


def test_a_web_chat_button_with_the_pages_language_is_shown_by_its_title():
    """The web chat adds the page's language to an intent it sends ('/request_human{"language":"id"}');
    the transcript still shows the button's title, not the payload."""
    from console.queries import _own_button, _without_entities

    assert _without_entities('/request_consultation{"language":"id"}') == "/request_consultation"
    assert _own_button('/request_human{"language":"id"}') == "Talk to a human"
    assert _own_button('/affirm{"language":"en"}') == "a button: affirm"
    assert _without_entities("ubah umur") == "ubah umur"
