"""The analytics page's numbers on a small handmade events table, through the real indexer,
on SQLite and PostgreSQL: the aggregations directly, then the real console app over HTTP."""
from __future__ import annotations

import html
import json
import re
import time
import xml.etree.ElementTree as ElementTree
from contextlib import ExitStack
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from actions.booking_store import bookings
from console import analytics, charts, operations
from console.db import engine_for, ensure_bookings_schema, rasa_events, rasa_metadata
from console.indexer import refresh_index
from console.tables import booking_first_contact
from tests.support import console_process
from tests.support.console_process import Client
from tests.support.postgres import temporary_database
from tests.unit.test_console import dbs  # noqa: F401 - the shared three-database fixture

ADMIN, PASSWORD = "admin.analytics", "a-long-analytics-password"
FIRST, LAST = date(2024, 3, 1), date(2024, 3, 7)
D = datetime(2024, 3, 1, tzinfo=timezone.utc).timestamp()
HOUR = 3600
HOSTILE = "<script>alert(1)</script>&"


# --- the handmade conversations ---------------------------------------------------------------

def user(text, intent, channel="rest", confidence=0.9, topic=None):
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": []}
    if topic:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": topic, "confidence": 0.9},
                                              "ranking": [{"intent_response_key": topic, "confidence": 0.9}]}}
    return {"event": "user", "text": text, "input_channel": channel, "parse_data": parse}


def bot(utter, text="..."):
    return {"event": "bot", "text": text, "metadata": {"utter_action": utter}}


def action(name):
    return {"event": "action", "name": name}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def add(tracker, sender, start, *events):
    """Events one second apart from `start`, as Rasa's SQL tracker store writes them."""
    with tracker.begin() as connection:
        for number, event in enumerate(events):
            connection.execute(rasa_events.insert().values(
                sender_id=sender, type_name=event["event"], timestamp=start + number,
                intent_name=((event.get("parse_data") or {}).get("intent") or {}).get("name"),
                action_name=event.get("name") if event["event"] == "action" else None, data=json.dumps(event)))


def make_conversations(tracker):
    # alice (rest), day 1: a symptom, the offer, the form, a booking, handed off.
    add(tracker, "alice", D + 600,
        user("my son's left hand copies his right", "report_symptom"), bot("utter_symptom_acknowledged_booking"),
        user("/request_consultation", "request_consultation"), action("consultation_form"),
        {"event": "active_loop", "name": "consultation_form"}, slot("requested_slot", "consult_for"),
        user("/affirm", "affirm"), action("action_submit_booking"), slot("booking_reference", "MMD-AAAAAA"),
        slot("handed_off", True))
    # bob (socketio), day 2: two FAQs (one 👍, one 👎) and a message not understood.
    add(tracker, "bob", D + 86400 + 100,
        user("what causes mmd", "faq", "socketio", topic="faq/causes"), bot("utter_faq/causes"),
        slot("answer_feedback", {"helpful": True, "answer": "It is caused by..."}),
        user("how is it treated", "faq", "socketio", topic="faq/treatment"), bot("utter_faq/treatment"),
        slot("answer_feedback", {"helpful": False, "answer": "Treatment..."}),
        user("blorp zzkx", "nlu_fallback", "socketio", confidence=0.2), action("action_clarify"))
    # carol (socketio), day 2: an emergency (its reply offers a consultation), taken over by staff.
    add(tracker, "carol", D + 86400 + 5000,
        user("my dad suddenly can't move his arm", "emergency", "socketio"), action("utter_emergency"),
        bot("utter_emergency_then_offer"), {"event": "pause"})
    # henry (socketio), day 3: an intent name that is markup.
    add(tracker, "henry", D + 2 * 86400, user("hello", HOSTILE, "socketio"))
    # dave (rest), day 4: a symptom, the offer declined, then the "not sure I understood" reply.
    add(tracker, "dave", D + 3 * 86400 + 50,
        user("my hands mirror each other", "report_symptom"), bot("utter_symptom_acknowledged"),
        user("no thanks", "deny"), user("hm", "greet"), bot("utter_default"))
    # frank (rest), the last second of day 7: books.
    add(tracker, "frank", D + 7 * 86400 - 1, user("/affirm", "affirm"), action("action_submit_booking"))
    # before and after the period: never counted.
    add(tracker, "erin", D - 3 * 86400, user("my child's hands", "report_symptom"))
    add(tracker, "gina", D + 7 * 86400, user("hi", "greet"))


def add_booking(bookings_db, reference, sender, created, status):
    with bookings_db.begin() as connection:
        connection.execute(bookings.insert().values(
            reference=reference, idempotency_key="key-" + reference, sender_id=sender, consult_for="self",
            patient_age=30, symptom_description="x", requester_name="N", contact="n@example.com",
            preferred_times="any", consent=True, status=status,
            created_at=datetime.fromtimestamp(created, tz=timezone.utc)))


def make_bookings(console, bookings_db):
    """Alice's two requests (contacted after 2 h, scheduled after 30 min), frank's (closed after
    4 h), dave's still new, bob's cancelled: 2 conversations contacted, median 2 h."""
    ensure_bookings_schema(bookings_db)
    for reference, sender, created, status, wait in [
            ("MMD-AAAAAA", "alice", D + 700, "contacted", 2 * HOUR),
            ("MMD-BBBBBB", "alice", D + 800, "scheduled", HOUR / 2),
            ("MMD-CCCCCC", "frank", D + 7 * 86400 - 0.5, "closed", 4 * HOUR),
            ("MMD-DDDDDD", "dave", D + 3 * 86400, "new", None),
            ("MMD-EEEEEE", "bob", D + 86400 + 200, "cancelled", None)]:
        add_booking(bookings_db, reference, sender, created, status)
        if wait is not None:
            assert analytics.record_first_contact(console, bookings_db, reference, status, at=created + wait)


@pytest.fixture()
def made(dbs):  # noqa: F811 - the imported fixture
    console, tracker, bookings_db = dbs
    make_conversations(tracker)
    refresh_index(console, tracker)
    make_bookings(console, bookings_db)
    return console, tracker, bookings_db


# --- the aggregations ---------------------------------------------------------------------------

def test_every_figure_of_the_period_on_all_channels(made):
    console, _, bookings_db = made
    data = analytics.report(console, bookings_db, analytics.Period(FIRST, LAST))
    assert data["totals"] == {
        "messages": 12, "conversations": 6, "fallbacks": 2, "symptom": 2, "emergency": 1, "offered": 3,
        "started": 1, "completed": 2, "helpful": 1, "unhelpful": 1, "handed": 2}
    assert data["fallback_rate"] == pytest.approx(100 * 2 / 12)
    assert data["handoff_rate"] == pytest.approx(100 * 2 / 6)
    assert data["helpful_rate"] == 50
    assert [(row["day"].day, row["conversations"], row["messages"]) for row in data["days"]] == [
        (1, 1, 3), (2, 2, 4), (3, 1, 1), (4, 1, 3), (5, 0, 0), (6, 0, 0), (7, 1, 1)]
    assert [(row["symptom"], row["emergency"], row["fallbacks"]) for row in data["days"]][:4] == [
        (1, 0, 0), (0, 1, 1), (0, 0, 0), (1, 0, 1)]
    assert data["top_intents"][:3] == [("affirm", 2), ("faq", 2), ("report_symptom", 2)]
    assert (HOSTILE, 1) in data["top_intents"] and len(data["top_intents"]) == 9
    assert data["top_topics"] == [("faq/causes", 1), ("faq/treatment", 1)]
    assert data["funnel"] == [("Offered a consultation", 3), ("Started the booking form", 1),
                              ("Completed a booking", 2), ("Contacted by staff", 2)]
    assert (data["median_contact_seconds"], data["contact_measured"]) == (2 * HOUR, 3)


def test_a_channel_counts_only_its_messages_requests_and_contacts(made):
    console, _, bookings_db = made
    web = analytics.report(console, bookings_db, analytics.Period(FIRST, LAST, "socketio"))
    assert web["totals"] == {
        "messages": 5, "conversations": 3, "fallbacks": 1, "symptom": 0, "emergency": 1, "offered": 1,
        "started": 0, "completed": 0, "helpful": 1, "unhelpful": 1, "handed": 1}
    assert (web["contacted"], web["median_contact_seconds"], web["contact_measured"]) == (0, None, 0)
    rest = analytics.report(console, bookings_db, analytics.Period(FIRST, LAST, "rest"))
    assert (rest["totals"]["conversations"], rest["totals"]["completed"], rest["contacted"]) == (3, 2, 2)
    assert (rest["median_contact_seconds"], rest["contact_measured"]) == (2 * HOUR, 3)
    assert analytics.channels(console) == ["rest", "socketio"]


def test_a_shorter_period_and_an_even_number_of_contacts(made):
    console, _, bookings_db = made
    one_day = analytics.report(console, bookings_db, analytics.Period(FIRST + timedelta(days=1),
                                                                      FIRST + timedelta(days=1)))
    assert (one_day["totals"]["conversations"], one_day["totals"]["messages"]) == (2, 4)
    assert (one_day["contacted"], one_day["contact_measured"]) == (0, 0)
    add_booking(bookings_db, "MMD-FFFFFF", "frank", D + 2 * 86400, "contacted")
    assert analytics.record_first_contact(console, bookings_db, "MMD-FFFFFF", "contacted", at=D + 2 * 86400 + 10 * HOUR)
    data = analytics.report(console, bookings_db, analytics.Period(FIRST, LAST))
    assert (data["median_contact_seconds"], data["contact_measured"]) == (3 * HOUR, 4)  # (2 h + 4 h) / 2
    empty = analytics.report(console, bookings_db, analytics.Period(date(2023, 1, 1), date(2023, 1, 31)))
    assert empty["totals"]["conversations"] == 0 and empty["fallback_rate"] is None
    assert len(empty["days"]) == 31 and all(row["conversations"] == 0 for row in empty["days"])


def test_the_first_contact_is_recorded_once_when_staff_change_the_status(made):
    console, tracker, bookings_db = made
    add_booking(bookings_db, "MMD-GGGGGG", "bob", time.time() - 90 * 60, "new")

    def recorded():
        with console.connect() as connection:
            return connection.execute(sa.select(booking_first_contact)
                                      .where(booking_first_contact.c.reference == "MMD-GGGGGG")).mappings().first()

    assert operations.update_booking(bookings_db, console, "MMD-GGGGGG", "cancelled", "ann")
    assert recorded() is None  # cancelled is no contact
    before = time.time()
    assert operations.update_booking(bookings_db, console, "MMD-GGGGGG", "contacted", "ann")
    first = recorded()
    assert first["channel"] == "socketio" and before <= first["at"] <= time.time()
    assert first["at"] - first["requested_at"] == pytest.approx(90 * 60, abs=30)
    assert operations.update_booking(bookings_db, console, "MMD-GGGGGG", "scheduled", "ann")
    assert recorded()["at"] == first["at"]


def test_the_bookings_database_down_leaves_contacted_unknown_not_an_error(made):
    console, _, _ = made
    down = engine_for("postgresql://nobody@127.0.0.1:1/none", 1)
    data = analytics.report(console, down, analytics.Period(FIRST, LAST))
    assert data["contacted"] is None and data["totals"]["conversations"] == 6
    assert "unknown" in analytics.charts_for(data)["funnel"]


# --- the period and the charts ------------------------------------------------------------------

class Args(dict):
    def get(self, name, default=None):
        return super().get(name, default)


TODAY = date(2024, 5, 20)


@pytest.mark.parametrize("args, expected", [
    ({}, (date(2024, 4, 21), TODAY, "")),
    ({"from": "2024-05-01"}, (date(2024, 5, 1), TODAY, "")),
    ({"to": "2024-03-31"}, (date(2024, 3, 2), date(2024, 3, 31), "")),
    ({"from": "2024-03-01", "to": "2024-03-01", "channel": " rest "}, (date(2024, 3, 1), date(2024, 3, 1), "rest")),
])
def test_periods(args, expected):
    period, error = analytics.parse_period(Args(args), TODAY)
    assert error is None and (period.first, period.last, period.channel) == expected


@pytest.mark.parametrize("args, message", [
    ({"from": "yesterday"}, "The start date 'yesterday' is not a date: use YYYY-MM-DD"),
    ({"to": "2024-02-30"}, "The end date '2024-02-30' is not a date"),
    ({"from": "2024-3-1"}, "is not a date"),
    ({"from": "2024-05-02", "to": "2024-05-01"}, "The start date 2024-05-02 is after the end date 2024-05-01."),
    ({"from": "2022-01-01", "to": "2024-01-01"}, "choose at most 366 days"),
    ({"from": "9999-12-31"}, "out of range"),
])
def test_invalid_periods_say_what_is_wrong(args, message):
    period, error = analytics.parse_period(Args(args), TODAY)
    assert message in error and (period.first, period.last) == (date(2024, 4, 21), TODAY)


def test_durations_and_rates_as_the_page_shows_them():
    assert [analytics.duration(s) for s in (None, 30, 42 * 60, 3 * HOUR, 3 * HOUR + 300, 50 * HOUR)] == [
        "—", "under 1 min", "42 min", "3 h", "3 h 5 min", "2 d 2 h"]
    assert analytics.percent(analytics.rate(1, 3)) == "33.3 %" and analytics.percent(analytics.rate(1, 0)) == "—"
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 12, 240, 251)] == [1, 1, 5, 10, 20, 250, 500]


def svgs(page: str):
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def test_charts_are_well_formed_svg_with_escaped_labels_and_a_table_of_the_same_numbers():
    days = [FIRST + timedelta(days=n) for n in range(3)]
    figures = [
        charts.day_columns("c1", "Per day", days, [2, 0, 5], "conversations"),
        charts.day_lines("c2", "Lines", days, [("A & B", [1, None, 3]), ("<C>", [0, 0, 1])]),
        charts.bars("c3", "Top", [(HOSTILE, 4, "4"), ("faq", 2, "2")], ["Intent", "Messages"]),
        charts.bars("c4", "Empty", [], ["Intent", "Messages"]),
    ]
    for figure in figures:
        [svg] = svgs(str(figure))
        root = ElementTree.fromstring(svg)  # well formed: every label escaped
        assert root.get("role") == "img" and root.find("{http://www.w3.org/2000/svg}title").text
        assert "style=" not in str(figure) and "<script" not in str(figure)
    assert "<td>5</td>" in str(figures[0]) and "<th scope=\"row\">2024-03-03</th>" in str(figures[0])
    assert str(figures[0]).count("<rect") == 2  # no bar for a day without conversations
    assert "&lt;script&gt;" in str(figures[2]) and HOSTILE not in str(figures[2])
    assert "No data in this period." in str(figures[3])


# --- the page, in the real console app over HTTP ------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console_analytics_app")
    with ExitStack() as stack:
        if request.param == "sqlite":
            urls = console_process.sqlite_urls(workdir)
        else:
            databases = temporary_database("console_analytics_app")
            stack.callback(databases.close)
            urls = dict.fromkeys(console_process.DATABASES, next(databases)[1])
        engines = {name: engine_for(url) for name, url in urls.items()}
        for engine in engines.values():
            stack.callback(engine.dispose)
        rasa_metadata.create_all(engines["tracker"])
        make_conversations(engines["tracker"])
        console = stack.enter_context(console_process.console_process(
            workdir, urls, PASSWORD, accounts=[(ADMIN, "agent")]))
        yield {"url": console.url, **engines}


@pytest.fixture()
def staff(app):
    client = Client(app["url"])
    assert client.sign_in(ADMIN, PASSWORD)[0] == 302
    return client


def figures(page: str) -> dict:
    return {name: html.unescape(re.sub(r"<small>.*?</small>", "", value, flags=re.S)).strip()
            for name, value in re.findall(r'<dd data-figure="(\w+)">(.*?)</dd>', page, flags=re.S)}


def table(page: str, chart_id: str) -> list:
    """The rows of a chart's data table: [(row heading, cells...)]."""
    found = re.search(rf'<table class="visually-hidden chart-data" id="{chart_id}-data">(.*?)</table>', page, re.S)
    return [tuple(html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row))
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1))[1:]]


def test_the_page_shows_the_periods_figures_and_charts(app, staff):
    status, headers, page = staff.request("/analytics?from=2024-03-01&to=2024-03-07")
    assert status == 200 and "default-src 'self'" in headers["Content-Security-Policy"]
    assert figures(page) == {"conversations": "6", "messages": "12", "symptom": "2", "emergency": "1",
                             "fallback_rate": "16.7 %", "handoff_rate": "33.3 %", "helpful": "50.0 %",
                             "first_contact": "—"}
    assert table(page, "chart-conversations") == [
        ("2024-03-01", "1"), ("2024-03-02", "2"), ("2024-03-03", "1"), ("2024-03-04", "1"), ("2024-03-05", "0"),
        ("2024-03-06", "0"), ("2024-03-07", "1")]
    assert table(page, "chart-funnel") == [
        ("Offered a consultation", "3"), ("Started the booking form", "1 (33.3 % of offered)"),
        ("Completed a booking", "2 (66.7 % of offered)"), ("Contacted by staff", "0 (0.0 % of offered)")]
    assert ("faq/causes", "1") in table(page, "chart-topics")
    assert (HOSTILE, "1") in table(page, "chart-intents")
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in page
    assert table(page, "chart-safety")[:2] == [("2024-03-01", "1", "0"), ("2024-03-02", "0", "1")]
    assert table(page, "chart-rates") == [
        ("Fallback rate (messages)", "16.7 % (2 of 12)"), ("Hand-off rate (conversations)", "33.3 % (2 of 6)"),
        ("Helpful answers", "50.0 % (1 of 2)")]
    assert len(svgs(page)) == 7
    for svg in svgs(page):
        ElementTree.fromstring(svg)
    # CSP: no inline style attribute or inline script anywhere on the page
    assert "style=" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert '<a href="/analytics">Analytics</a>' in page
    assert re.search(r'<option value="socketio"\s*>socketio</option>', page)


def test_a_channel_and_staffs_first_contact_show_on_the_page(app, staff):
    page = staff.request("/analytics?from=2024-03-01&to=2024-03-07&channel=socketio")[2]
    assert re.search(r'<option value="socketio"\s+selected>', page)
    assert (figures(page)["conversations"], figures(page)["messages"], figures(page)["fallback_rate"]) == (
        "3", "5", "20.0 %")
    ensure_bookings_schema(app["bookings"])
    add_booking(app["bookings"], "MMD-HTTP22", "bob", time.time() - 2 * HOUR - 60, "new")
    status, _, _ = staff.request("/bookings/MMD-HTTP22", {"csrf": staff.csrf(), "status": "contacted", "note": ""})
    assert status == 302
    page = staff.request("/analytics?channel=socketio")[2]  # the last 30 days: the request made now
    assert figures(page)["first_contact"] == "2 h 1 min"
    assert table(page, "chart-funnel")[-1] == ("Contacted by staff", "0")  # bob booked on no message: not counted
    everything = staff.request("/analytics")[2]
    assert table(everything, "chart-funnel")[-1][1].startswith("1")
    assert staff.request("/analytics?channel=rest")[2].count("2 h 1 min") == 0


@pytest.mark.parametrize("query, message", [
    ("from=03/01/2024", "The start date &#39;03/01/2024&#39; is not a date"),
    ("from=2024-03-08&to=2024-03-01", "The start date 2024-03-08 is after the end date 2024-03-01."),
    ("from=2020-01-01&to=2024-01-01", "choose at most 366 days"),
    ("to=%3Cb%3Ex%3C%2Fb%3E", "The end date &#39;&lt;b&gt;x&lt;/b&gt;&#39; is not a date"),
])
def test_an_invalid_period_is_a_message_on_the_page_not_an_error(staff, query, message):
    status, _, page = staff.request("/analytics?" + query)
    assert status == 400 and message in page and 'role="alert"' in page and "<svg" not in page
    assert "<b>x" not in page


def test_only_signed_in_staff_see_it(app):
    status, headers, _ = Client(app["url"]).request("/analytics")
    assert status == 302 and headers["Location"].startswith("/login")
