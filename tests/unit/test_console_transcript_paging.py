"""A long transcript is paged (issue 14): a conversation of 2,500 events in Rasa's real events
table, read by the real console in its own process, on SQLite and on PostgreSQL.

The page shows a bounded number of rows (the latest by default), the pager moves through every
row without gaps, bad page arguments are a clear answer (400 or clamped, never a 500), and what
depends on the whole conversation (language switch, take-over, final slots, exports) still does."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from contextlib import ExitStack

import pytest
import sqlalchemy as sa

from console import queries
from console.db import engine_for, rasa_events, rasa_metadata
from tests.support import console_process
from tests.support.console_process import Client, FakeRasa
from tests.support.postgres import temporary_database

ADMIN, PASSWORD = "admin.paging", "a-long-paging-password"
SENDER = "long-talker"
MIXED = "mixed-talker"  # ~650 events: user, bot, action and slot events, as Rasa stores a form
TURNS = 620  # 4 events each (user, action, bot, action_listen) + the buttons and the take-over
PAGE = queries.TRANSCRIPT_PAGE_SIZE
ROW = re.compile(r'<li class="turn ')


def event_row(sender, event, start):
    parse = event.get("parse_data") or {}
    # As Rasa's SQLTrackerStore writes it: the action's or the slot's name in action_name.
    return {"sender_id": sender, "type_name": event["event"], "timestamp": start + event.pop("_offset"),
            "intent_name": (parse.get("intent") or {}).get("name"),
            "action_name": event.get("name") if event["event"] in ("action", "slot") else None,
            "data": json.dumps(event)}


def long_conversation():
    """2,500 events: the first messages in Bahasa Indonesia, then English; a button pressed
    at turn 600; a staff member takes over at the end and the user's last message closes it."""
    events = []

    def add(event):
        event["_offset"] = len(events)
        events.append(event)

    add({"event": "session_started"})
    for number in range(TURNS):
        language = "id" if number < 10 else "en"
        if number == 600:
            add({"event": "user", "text": "/affirm", "input_channel": "rest",
                 "parse_data": {"intent": {"name": "affirm", "confidence": 1.0}, "entities": []}})
        else:
            add({"event": "user", "text": f"message {number}", "input_channel": "rest",
                 "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                                "entities": [{"entity": "message_language", "value": language}]}})
        add({"event": "action", "name": "utter_greet"})
        buttons = [{"title": "Yes, book", "payload": "/affirm"}] if number == 599 else []
        add({"event": "bot", "text": f"reply {number}", "data": {"buttons": buttons},
             "metadata": {"utter_action": "utter_greet"}})
        add({"event": "action", "name": "action_listen"})
    add({"event": "slot", "name": "agent_name", "value": "Ana from the care team"})
    add({"event": "pause"})
    add({"event": "bot", "text": "Ana from the care team: hello, I am here",
         "metadata": {"utter_action": "utter_agent_message"}})
    add({"event": "slot", "name": "requester_name", "value": "Sam Jones"})
    while len(events) < 2499:
        add({"event": "action", "name": "action_listen"})
    add({"event": "user", "text": "LAST MESSAGE", "input_channel": "rest",
         "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                        "entities": [{"entity": "message_language", "value": "en"}]}})
    return events


def mixed_conversation():
    """About 650 events as Rasa stores a chat that fills a form: every turn is a user message,
    an action, the bot's answer and action_listen; some turns set a slot, some start the form
    (active_loop and requested_slot events, never rows). Returns the events and the key of every
    row the transcript shows with actions and slots, in order (`row_key` of each shown row)."""
    events, rows = [], []

    def add(event, key=None):
        event["_offset"] = len(events)
        events.append(event)
        if key:
            rows.append((event["event"], key))

    add({"event": "action", "name": "action_session_start"}, "action_session_start")
    add({"event": "session_started"})
    add({"event": "action", "name": "action_listen"})
    number = 0
    while len(events) < 645:
        add({"event": "user", "text": f"question {number}", "input_channel": "rest",
             "parse_data": {"intent": {"name": "ask", "confidence": 0.8},
                            "entities": [{"entity": "message_language", "value": "en"}]}}, f"question {number}")
        if number % 4 == 1:
            add({"event": "active_loop", "name": "booking_form"})
            add({"event": "slot", "name": "requested_slot", "value": "requester_name"})
        add({"event": "action", "name": f"action_step_{number}"}, f"action_step_{number}")
        add({"event": "bot", "text": f"answer {number}", "data": {},
             "metadata": {"utter_action": "utter_answer"}}, f"answer {number}")
        if number % 3 == 0:
            add({"event": "slot", "name": "topic", "value": f"topic {number}"}, f"topic {number}")
        add({"event": "action", "name": "action_listen"})
        number += 1
    return events, rows


MIXED_EVENTS, MIXED_ROWS = mixed_conversation()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"paging_{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            urls = console_process.sqlite_urls(workdir)
        else:
            databases = temporary_database("console_paging")
            stack.callback(databases.close)
            urls = dict.fromkeys(console_process.DATABASES, next(databases)[1])
        tracker = engine_for(urls["tracker"])
        stack.callback(tracker.dispose)
        rasa_metadata.create_all(tracker)
        with tracker.begin() as connection:  # as Rasa's SQLTrackerStore makes it
            connection.execute(sa.text("CREATE INDEX ix_events_sender_id ON events (sender_id)"))
        start = time.time() - 3600
        events = long_conversation()
        assert len(events) == 2500
        with tracker.begin() as connection:
            connection.execute(rasa_events.insert(), [event_row(SENDER, event, start) for event in events])
            connection.execute(rasa_events.insert(), [event_row("short-one", {
                "event": "user", "text": "just one", "_offset": 0,
                "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}}, start)])
            connection.execute(rasa_events.insert(), [event_row(MIXED, dict(event), start)
                                                      for event in MIXED_EVENTS])
        rasa = stack.enter_context(FakeRasa().serving())
        console = stack.enter_context(console_process.console_process(
            workdir, urls, PASSWORD, accounts=[(ADMIN, "admin")], extra_env={
                "CONSOLE_SECRET_KEY": "paging-key", "RASA_URL": rasa.url, "RASA_API_TOKEN": "paging-token"}))
        yield {"url": console.url, "tracker": tracker}


@pytest.fixture()
def staff(app):
    client = Client(app["url"])
    assert client.sign_in(ADMIN, PASSWORD)[0] == 302
    return client


def has_first_message(body):
    return re.search(r"message 0\s", body) is not None


def rows_of(body):
    return len(ROW.findall(body))


def position(body):
    found = re.search(r"Messages ([\d,]+)–([\d,]+) of ([\d,]+)", body)
    return tuple(int(value.replace(",", "")) for value in found.groups()) if found else None


def rows_position(body):
    """The pager's rows (actions and slots too): shown after the messages when they differ."""
    found = re.search(r"rows ([\d,]+)–([\d,]+) of ([\d,]+)", body)
    return tuple(int(value.replace(",", "")) for value in found.groups()) if found else position(body)


def messages_of(tracker, sender=SENDER):
    """User and bot messages of the conversation: what the pager counts as messages."""
    with tracker.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(rasa_events).where(
            rasa_events.c.sender_id == sender, rasa_events.c.type_name.in_(("user", "bot")))).scalar_one()


def link(body, name):
    found = re.search(r'<a href="([^"]+)"[^>]*class="pages-' + name + '"', body)
    return html.unescape(found.group(1)) if found else None


def shown_rows(tracker, details=True):
    with tracker.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(rasa_events).where(
            rasa_events.c.sender_id == SENDER, queries._shown(details))).scalar_one()


def test_the_latest_page_is_the_default_bounded_and_says_where_it_is(app, staff):
    total = shown_rows(app["tracker"])
    assert total > 5 * PAGE
    status, _, body = staff.request(f"/conversations/{SENDER}")
    assert status == 200
    assert rows_of(body) == PAGE
    assert rows_position(body) == (total - PAGE + 1, total, total)
    # "Messages" counts what was said (user and bot), not the action and slot rows.
    messages = messages_of(app["tracker"])
    assert messages < total and position(body)[1:] == (messages, messages)
    assert "LAST MESSAGE" in body and not has_first_message(body)
    assert link(body, "earlier") and link(body, "first") and not link(body, "later") and not link(body, "latest")
    # What depends on the whole conversation: its language switch, the take-over, the slots.
    assert "switched from Bahasa Indonesia" in body
    assert "You are talking to this user; the bot is paused." in body
    assert "<dt>requester_name</dt><dd>Sam Jones</dd>" in body
    assert 'turn--staff"><span class="who">Ana from the care team</span> hello, I am here' in body


def test_earlier_and_later_walk_every_row_without_gaps(app, staff):
    total = shown_rows(app["tracker"])
    assert total % PAGE  # the first page is short: it must not repeat the next page's rows
    body = staff.request(f"/conversations/{SENDER}")[2]
    seen = [rows_position(body)]
    path = link(body, "earlier")
    while path:
        body = staff.request(path)[2]
        seen.append(rows_position(body))
        assert rows_of(body) == seen[-1][1] - seen[-1][0] + 1, path
        path = link(body, "earlier")
    assert seen[-1] == (1, total % PAGE, total) and has_first_message(body) and not link(body, "first")
    # Every row once, in order: each page ends just before the next one starts.
    ends = list(reversed(seen))
    assert all(later[0] == earlier[1] + 1 for earlier, later in zip(ends, ends[1:], strict=False)), ends
    assert len(seen) == -(-total // PAGE)
    # ... and back by Later: the same pages.
    body = staff.request(link(body, "later"))[2]
    assert rows_position(body) == ends[1] and link(body, "latest")
    body = staff.request(link(body, "latest"))[2]
    assert rows_position(body)[1] == total and "LAST MESSAGE" in body
    first = staff.request(link(body, "first"))[2]
    assert rows_position(first) == (1, PAGE, total)


def test_a_page_reads_what_came_before_it_and_matches_the_whole_transcript(app):
    tracker = app["tracker"]
    whole = queries.transcript(tracker, SENDER)
    assert len(whole["turns"]) == shown_rows(tracker)
    with tracker.connect() as connection:
        press = connection.execute(sa.select(rasa_events.c.id).where(
            rasa_events.c.sender_id == SENDER, rasa_events.c.type_name == "user",
            rasa_events.c.data.contains('"/affirm"'))).scalar_one()
    # A page that starts with the button press: the offer was on the page before.
    page = queries.transcript_page(tracker, SENDER, queries.TranscriptCursor(after=press - 1, size=10))
    assert page["turns"][0]["button"] == "Yes, book"
    for cursor in [queries.TranscriptCursor(), queries.TranscriptCursor(after=0),
                   queries.TranscriptCursor(after=press - 1, size=10), queries.TranscriptCursor(before=press, size=37)]:
        page = queries.transcript_page(tracker, SENDER, cursor)
        assert page["turns"] == whole["turns"][page["first"] - 1:page["last"]], cursor
        assert page["slots"] == whole["slots"] and page["paused"] == whole["paused"] is True


def test_every_transcript_query_is_bounded(app):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    sa.event.listen(app["tracker"], "before_cursor_execute", record)
    try:
        queries.transcript_page(app["tracker"], SENDER, queries.TranscriptCursor(before=1000))
        queries.transcript(app["tracker"], SENDER)
    finally:
        sa.event.remove(app["tracker"], "before_cursor_execute", record)
    reads = [s for s in statements if " FROM events" in s and s.startswith("SELECT")]
    assert reads
    for statement in reads:
        aggregate = statement.startswith(("SELECT count(", "SELECT max(")) or " IN (" in statement
        assert "LIMIT" in statement or aggregate, statement


def test_hiding_actions_and_slots_keeps_the_place_and_pages_what_was_said(app, staff):
    body = staff.request(f"/conversations/{SENDER}")[2]
    earlier = link(body, "earlier")
    body = staff.request(earlier)[2]
    hide = html.unescape(re.search(r'<p class="view-options"><a href="([^"]+)">Hide', body).group(1))
    assert "before=" in hide and "details=0" in hide
    quiet = staff.request(hide)[2]
    said = shown_rows(app["tracker"], details=False)
    assert rows_of(quiet) == PAGE and rows_position(quiet)[2] == said
    assert "action: utter_greet" not in quiet and "turn--action" not in quiet


def test_bad_page_arguments_are_a_clear_answer_never_an_error(app, staff):
    total = shown_rows(app["tracker"])
    for args in ["before=abc", "after=1.5", "before=1&after=2", "size=lots"]:
        status, _, body = staff.request(f"/conversations/{SENDER}?{args}")
        assert status == 400 and 'role="alert"' in body and "Traceback" not in body, args
        assert f'href="/conversations/{SENDER}"' in body
    clamped = {"size=100000": (queries.MAX_TRANSCRIPT_PAGE_SIZE, total),
               "size=0": (queries.TRANSCRIPT_PAGE_SIZE, total),
               "size=1": (queries.MIN_TRANSCRIPT_PAGE_SIZE, total),
               f"after={2 ** 70}": (PAGE, total), f"before={2 ** 70}": (PAGE, total),
               "before=-5": (PAGE, PAGE), "after=-5": (PAGE, PAGE), "page=7": (PAGE, total)}
    for args, (rows, last) in clamped.items():
        status, _, body = staff.request(f"/conversations/{SENDER}?{args}")
        assert status == 200 and rows_of(body) == rows and rows_position(body)[1] == last, args
    assert staff.request(f"/conversations/{SENDER}/turns?before=x")[0] == 400
    assert staff.request("/conversations/nobody-here?before=5")[0] == 404


def test_a_short_conversation_has_no_pager(staff):
    body = staff.request("/conversations/short-one")[2]
    assert "just one" in body and "Messages " not in body and rows_of(body) == 1


def test_the_live_refresh_gets_the_same_page_and_the_whole_count(app, staff):
    total = shown_rows(app["tracker"])
    status, _, body = staff.request(f"/conversations/{SENDER}/turns")
    data = json.loads(body)
    assert status == 200 and data["count"] == total and data["paused"] is True
    assert rows_of(data["html"]) == PAGE and "LAST MESSAGE" in data["html"]
    earlier = json.loads(staff.request(f"/conversations/{SENDER}/turns?after=0&details=0")[2])
    assert has_first_message(earlier["html"]) and "LAST MESSAGE" not in earlier["html"]
    assert rows_of(earlier["html"]) == PAGE and earlier["count"] == shown_rows(app["tracker"], details=False)


def test_exports_still_hold_the_whole_conversation(app, staff):
    whole = [turn for turn in queries.transcript(app["tracker"], SENDER)["turns"]
             if turn["kind"] in ("user", "bot", "slot")]
    status, headers, body = staff.request("/export?format=json&unredacted=1")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    rows = [row for row in json.loads(body) if row["conversation"] == SENDER]
    assert len(rows) == len(whole) > 1000
    assert rows[0]["text"] == "message 0" and rows[-1]["text"] == "LAST MESSAGE"
    body = staff.request("/export?format=csv")[2]
    table = list(csv.DictReader(io.StringIO(body)))
    assert len([row for row in table if row["conversation"] == SENDER]) == len(whole)
    assert [row["text"] for row in table if row["conversation"] == "short-one"] == ["just one"]
    assert "Sam Jones" not in body


ROW_ITEM = re.compile(r'<li class="turn turn--(\w+)[^"]*">(.*?)</li>', re.S)
ROW_KEY = re.compile(r"question \d+|answer \d+|action_\w+|topic \d+")


def row_keys(body):
    """Each shown row of a transcript page as (kind, key): its question, answer, action or slot value."""
    keys = []
    for kind, inner in ROW_ITEM.findall(body):
        found = ROW_KEY.search(html.unescape(re.sub(r"<[^>]+>", " ", inner)))
        keys.append(({"user": "user", "bot": "bot", "action": "action", "slot": "slot"}.get(kind, kind),
                     found.group(0) if found else inner))
    return keys


def walk(staff, path, direction):
    """(path, rows, messages position) of each page from `path` following `direction` links."""
    pages = []
    while path:
        body = staff.request(path)[2]
        pages.append((path, row_keys(body), position(body)))
        path = link(body, direction)
    return pages


@pytest.mark.parametrize("details", ["1", "0"])
def test_pages_of_a_mixed_conversation_show_every_row_once_in_order_both_ways(app, staff, details):
    """User, bot, action and slot events as Rasa stores them (with events that are never rows:
    action_listen, requested_slot, active_loop): forwards from the first page and backwards from
    the latest, every shown row is on exactly one page, in order, and Earlier / Later from a page
    give back its neighbours exactly."""
    expected = [row for row in MIXED_ROWS if details == "1" or row[0] in ("user", "bot")]
    assert len(MIXED_EVENTS) >= 645 and len(expected) > PAGE and len(expected) % PAGE
    suffix = "" if details == "1" else "&details=0"
    latest = f"/conversations/{MIXED}" + ("" if details == "1" else "?details=0")
    forwards = walk(staff, link(staff.request(latest)[2], "first"), "later")
    backwards = list(reversed(walk(staff, latest, "earlier")))
    assert forwards[0][0] == f"/conversations/{MIXED}?after=0{suffix}"
    for pages in (forwards, backwards):
        shown = [row for _, rows, _ in pages for row in rows]
        assert shown == expected
        assert len(pages) == -(-len(expected) // PAGE)
        # Back and forth: each page's Earlier is the page before it, its Later the page after it.
        for before, after in zip(pages, pages[1:], strict=False):
            assert row_keys(staff.request(link(staff.request(after[0])[2], "earlier"))[2]) == before[1]
            assert row_keys(staff.request(link(staff.request(before[0])[2], "later"))[2]) == after[1]
        # "Messages a–b of n": the page's user and bot messages, contiguous, n in all.
        messages = messages_of(app["tracker"], MIXED)
        spans = [span for _, _, span in pages]
        assert spans[0][0] == 1 and spans[-1][1] == spans[-1][2] == messages
        assert all(b[0] == a[1] + 1 and a[2] == messages for a, b in zip(spans, spans[1:], strict=False))
        assert all(span[1] - span[0] + 1 == len([r for r in rows if r[0] in ("user", "bot")])
                   for (_, rows, span) in pages)


def test_pages_of_the_queries_neither_overlap_nor_skip(app):
    """The same at the source: transcript_page's cursors (first_id / last_id) walked both ways."""
    tracker = app["tracker"]
    for details in (True, False):
        whole = queries.transcript_page(tracker, MIXED, queries.TranscriptCursor(
            after=0, size=queries.MAX_TRANSCRIPT_PAGE_SIZE, details=details))
        total = whole["total"]
        forwards, cursor = [], queries.TranscriptCursor(after=0, size=64, details=details)
        while True:
            page = queries.transcript_page(tracker, MIXED, cursor)
            forwards.append((page["first"], page["last"], len(page["turns"])))
            if not page["later"]:
                break
            cursor = queries.TranscriptCursor(after=page["last_id"], size=64, details=details)
        expected = [(start, min(start + 63, total)) for start in range(1, total + 1, 64)]
        assert [(a, b) for a, b, _ in forwards] == expected
        assert all(rows == b - a + 1 for a, b, rows in forwards)
        backwards, cursor = [], queries.TranscriptCursor(size=64, details=details)
        while True:
            page = queries.transcript_page(tracker, MIXED, cursor)
            backwards.append((page["first"], page["last"]))
            if not page["earlier"]:
                break
            cursor = queries.TranscriptCursor(before=page["first_id"], size=64, details=details)
        ends = list(reversed(backwards))
        assert ends[0][0] == 1 and ends[-1][1] == total
        assert all(b[0] == a[1] + 1 for a, b in zip(ends, ends[1:], strict=False))
