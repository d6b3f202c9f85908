"""The staff console's HTTP behaviour: the real app in its own process on real SQLite files."""
from __future__ import annotations

import html
import json
import re
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from actions.booking_store import BookingRequest, BookingStore, live_requests, staff_presence
from console.db import engine_for, rasa_events, rasa_metadata
from tests.support import console_process
from tests.support.console_process import FakeRasa
from tests.unit.test_console import make_old_bookings_db

ADMIN, PASSWORD = "admin.unit", "a-long-unit-password"
ODD_SENDERS = ["+447700900123", "whatsapp:+447700900123", "two words", "a/b", "what?x=1", "hash#tag", "José Ñ"]
MAX_FAILED = 4


class Client(console_process.Client):
    """The console's HTTP client, signing in as this module's admin unless told otherwise."""

    def sign_in(self, username=ADMIN, password=PASSWORD, client_ip=None):
        return super().sign_in(username, password, client_ip)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console_app")
    urls = console_process.sqlite_urls(workdir)
    tracker = engine_for(urls["tracker"])
    rasa_metadata.create_all(tracker)
    bookings = engine_for(urls["bookings"])
    # A bookings database from before change requests, live requests and staff presence.
    make_old_bookings_db(bookings)
    with FakeRasa().serving() as rasa, console_process.console_process(
            workdir, urls, PASSWORD, accounts=[(ADMIN, "admin")], extra_env={
                "CONSOLE_MAX_FAILED_LOGINS": str(MAX_FAILED),
                # the tests pose as different clients through X-Forwarded-For
                "CONSOLE_PROXIES_COUNT": "1",
                "RASA_URL": rasa.url, "RASA_API_TOKEN": "unit-rasa-token"}) as console:
        yield {"url": console.url, "tracker": tracker, "bookings": bookings,
               "console": engine_for(urls["console"]), "log": console.log, "rasa": rasa, "env": console.env}


@pytest.fixture()
def staff(app):
    client = Client(app["url"])
    assert client.sign_in(client_ip="10.1.0.1")[0] == 302
    return client


def add_conversation(tracker, sender, text="hello there"):
    event = {"event": "user", "text": text, "input_channel": "rest", "timestamp": time.time(),
             "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}}
    with tracker.begin() as connection:
        connection.execute(rasa_events.insert().values(sender_id=sender, type_name="user", timestamp=time.time(),
                                                       intent_name="greet", data=json.dumps(event)))


def test_a_long_message_shows_whole_with_the_part_the_assistant_read_highlighted_and_a_note(app, staff):
    part = "Sorry, he just collapsed and is not breathing!"
    whole = "His left hand copies the right one <b>when</b> he writes. " * 30 + part + " Also, about school."
    start = whole.index(part)
    event = {"event": "user", "text": part, "input_channel": "rest", "timestamp": time.time(),
             "parse_data": {"intent": {"name": "emergency", "confidence": 1.0}},
             "metadata": {"mmd_long_message": {"text": whole, "chars": 25_000, "read_from": start,
                                               "read_to": start + len(part), "part": 2, "urgent": True}}}
    with app["tracker"].begin() as connection:
        connection.execute(rasa_events.insert().values(sender_id="long-writer", type_name="user", timestamp=time.time(),
                                                       intent_name="emergency", data=json.dumps(event)))
    status, _, body = staff.request("/conversations/long-writer")
    assert status == 200
    assert (html.escape(whole[:start]) + '<mark title="The part the assistant read">' + html.escape(part) + "</mark>"
            + html.escape(whole[start + len(part):])) in body
    assert (f"Long message: 25,000 characters, the first {len(whole):,} kept. The assistant read only the "
            "highlighted part, which looked most urgent.") in body
    assert "<b>when</b>" not in body  # still escaped


def audit_rows(app):
    with app["console"].connect() as connection:
        return connection.execute(sa.text("SELECT username, action, detail FROM audit_log ORDER BY id")).all()


def test_conversations_whose_ids_need_escaping_open_and_take_actions(app, staff):
    for number, sender in enumerate(ODD_SENDERS):
        add_conversation(app["tracker"], sender, f"message number {number}")
    listing = staff.request("/")[2]
    for number, sender in enumerate(ODD_SENDERS):
        link = re.search(r'href="(/conversations/[^"]+)">' + re.escape(sender[:24].replace("&", "&amp;")),
                         listing).group(1)
        status, _, body = staff.request(link)
        assert status == 200 and f"message number {number}" in body, sender
        csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
        status, headers, _ = staff.request(link + "/tags", {"csrf": csrf, "tag": "odd id"})
        assert status == 302 and headers["Location"] == link, sender
        assert "odd id" in staff.request(link)[2]
    status, headers, _ = staff.request(link + "/forget", {"csrf": csrf, "confirm": "forget"})
    assert status == 302
    with app["tracker"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(rasa_events)
                                  .where(rasa_events.c.sender_id == ODD_SENDERS[-1])).scalar_one() == 0


def test_every_page_and_redirect_says_no_store(app, staff):
    for path in ["/", "/bookings", "/audit", "/login", "/no-such-page"]:
        assert staff.request(path)[1]["Cache-Control"] == "no-store", path
    assert Client(app["url"]).request("/")[1]["Cache-Control"] == "no-store"  # redirect to sign in


def test_static_paths_that_are_not_files_are_404(app):
    client = Client(app["url"])
    assert client.request("/static/console.css")[0] == 200
    for path in ["/static/", "/static", "/static/nothing.css", "/static/..%2Fapp.py"]:
        assert client.request(path)[0] == 404, path


def test_a_huge_page_number_is_a_page_not_an_error(staff):
    status, _, body = staff.request(f"/?page={2 ** 63}")
    assert status == 200 and "No conversations match" in body


def test_notices_are_fixed_texts_never_what_the_link_says(app, staff):
    add_conversation(app["tracker"], "notice-user")
    body = staff.request("/conversations/notice-user?notice=" + urllib.parse.quote("Call 0900 123 now"))[2]
    assert "0900" not in body and 'class="notice"' not in body
    body = staff.request("/?notice=forgotten")[2]
    assert "The user was forgotten" in body
    body = staff.request("/conversations/notice-user?notice=confirm-forget")[2]
    assert "Type forget to confirm." in body


def test_the_audit_log_keeps_only_real_account_names(app):
    client = Client(app["url"])
    client.sign_in("my-secret-password-typed-here", "x", client_ip="10.2.0.1")
    client.sign_in(ADMIN, "wrong-password-123", client_ip="10.2.0.1")
    failed = [row for row in audit_rows(app) if row.action == "sign_in_failed"]
    assert [row.username for row in failed[-2:]] == ["unknown", ADMIN]
    assert "my-secret-password" not in json.dumps([list(row) for row in audit_rows(app)])


def test_a_note_on_a_booking_keeps_its_handler_and_audits_no_status_change(app, staff):
    reference = BookingStore(app["bookings"]).save(
        BookingRequest("queue-user", "self", 30, "x", "Ann", "a@b.cd", "any", True))[0]
    csrf = staff.csrf()
    with app["console"].begin() as connection:  # an agent already handles it
        connection.execute(sa.text("INSERT INTO booking_handling VALUES (:r, 'bob', 0)"), {"r": reference})
    before = len(audit_rows(app))
    status, _, _ = staff.request(f"/bookings/{reference}", {"csrf": csrf, "status": "new", "note": "left a message"})
    assert status == 302
    body = staff.request("/bookings")[2]
    assert "left a message" in body and "bob" in body
    assert [row.action for row in audit_rows(app)[before:]] == []
    staff.request(f"/bookings/{reference}", {"csrf": csrf, "status": "contacted", "note": ""})
    assert [(row.action, row.detail) for row in audit_rows(app)[before:]] == [
        ("booking_status", f"{reference} -> contacted")]


def test_a_note_on_a_booking_that_does_not_exist_is_404(app, staff):
    status, _, body = staff.request("/bookings/MMD-NOPE00", {"csrf": staff.csrf(), "status": "new", "note": "hi"})
    assert status == 404 and "No such consultation request" in body
    with app["console"].connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM notes WHERE booking_reference = 'MMD-NOPE00'")
                                  ).scalar_one() == 0


def test_a_cookie_not_signed_with_the_secret_key_is_refused(app, staff):
    token = staff.cookie.split("=", 1)[1].rsplit(".", 1)[0]
    forged = Client(app["url"])
    forged.cookie = f"mmd_staff_session={token}"  # the raw session token, unsigned
    assert forged.request("/")[0] == 302
    forged.cookie = f"mmd_staff_session={token}.{'0' * 64}"
    assert forged.request("/")[0] == 302
    assert staff.request("/")[0] == 200


def test_failures_slow_down_the_client_not_the_account(app):
    attacker, colleague = Client(app["url"]), Client(app["url"])
    for _ in range(MAX_FAILED):
        assert attacker.sign_in(ADMIN, "wrong-password-123", client_ip="10.3.0.1")[0] == 401
    status, body = attacker.sign_in(ADMIN, PASSWORD, client_ip="10.3.0.1")
    assert status == 429 and "Too many failed sign-ins" in body
    status, body = attacker.sign_in("nobody-at-all", PASSWORD, client_ip="10.3.0.1")
    assert status == 429  # the same answer whether the account exists or not
    assert colleague.sign_in(client_ip="10.3.0.2")[0] == 302  # the account itself is not locked


def _median_sign_in_seconds(app, username, password, client_ip):
    times = []
    for _ in range(5):
        started = time.perf_counter()
        Client(app["url"]).sign_in(username, password, client_ip=client_ip)
        times.append(time.perf_counter() - started)
    return sorted(times)[2]


def test_unknown_users_and_wrong_passwords_take_the_same_time(app):
    unknown = _median_sign_in_seconds(app, "no-such-user", "wrong-password-123", "10.4.0.1")
    wrong = _median_sign_in_seconds(app, ADMIN, "wrong-password-123", "10.4.0.2")
    assert abs(unknown - wrong) < 0.5 * max(unknown, wrong), (unknown, wrong)


# 12 argon2 sign-ins at once (seconds of CPU), timed to a quarter of a second: left out of make
# check, whose second test worker shares the two cores.
@pytest.mark.slow
def test_parallel_sign_ins_do_not_stall_other_pages(app):
    client = Client(app["url"])
    threads = [threading.Thread(target=Client(app["url"]).sign_in, args=(ADMIN, PASSWORD, f"10.5.0.{n}"))
               for n in range(12)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    slowest = 0.0
    while any(thread.is_alive() for thread in threads):
        started = time.perf_counter()
        assert client.request("/health")[0] == 200
        slowest = max(slowest, time.perf_counter() - started)
    for thread in threads:
        thread.join()
    assert slowest < 0.25, slowest


# --- after-booking requests, consent, live requests and staff presence ----------------------

def test_a_bookings_database_from_before_the_upgrade_gets_the_new_tables_at_start_up(app, staff):
    inspector = sa.inspect(app["bookings"])
    assert {"booking_updates", "live_requests", "staff_presence"} <= set(inspector.get_table_names())
    assert "patient_age_label" in {column["name"] for column in inspector.get_columns("bookings")}
    body = html.unescape(staff.request("/bookings")[2])
    assert "MMD-OLD222" in body and '<td data-label="For">self</td><td data-label="Age">44</td>' in body


def test_the_queue_shows_age_label_symptoms_consent_and_the_users_changes(app, staff):
    store = BookingStore(app["bookings"])
    sender = "declined+consent user"
    reference = store.save(BookingRequest(sender, "child", 1, "his left hand copies the right one", "Dewi",
                                          "081322223333", "after 5pm", False, patient_age_label="18 months"))[0]
    store.record_update(reference, "change", "can I change my appointment to friday?")
    store.record_update(reference, "cancel")
    add_conversation(app["tracker"], sender, "I need an appointment for my baby")
    status, _, page = staff.request("/bookings")
    assert status == 200
    row = html.unescape(re.search(r'<tr class="status--cancelled" id="booking-' + reference + r'">.*?</tr>',
                                  page, re.S).group(0))
    assert '<td data-label="For">child</td><td data-label="Age">18 months</td>' in row
    assert '<td data-label="Symptoms" class="symptoms">his left hand copies the right one</td>' in row
    assert "Conversation not shared — answers only" in row
    link = re.search(r'<a href="(/conversations/[^"]+)" class="not-shared-link">([^<]+)</a>', row)
    assert link.group(1) == "/conversations/" + urllib.parse.quote(sender, safe="")
    assert "not shared: do not use it to prepare" in link.group(2)
    assert re.search(r"Change asked \d{1,2} \w{3} \d\d:\d\d: 'can I change my appointment to friday\?'", row)
    assert re.search(r"Cancelled by the user \d{1,2} \w{3} \d\d:\d\d", row)
    assert "<strong>cancelled</strong>" in row  # kept in the queue, not deleted
    transcript = html.unescape(staff.request(link.group(1))[2])
    banner = re.search(r'<div class="banner banner--warning" role="alert">(.*?)</div>', transcript, re.S).group(1)
    assert "Conversation not shared — answers only" in banner and reference in banner
    assert "Do not use it to prepare" in banner
    shared = store.save(BookingRequest("shared-user", "self", 30, "x", "Ann", "a@b.cd", "any", True))[0]
    add_conversation(app["tracker"], "shared-user")
    assert "banner--warning" not in staff.request("/conversations/shared-user")[2]
    row = re.search(r'id="booking-' + shared + r'">.*?</tr>', staff.request("/bookings")[2], re.S).group(0)
    assert "not shared" not in row


def presence_of(app, username):
    with app["bookings"].connect() as connection:
        return connection.execute(sa.select(staff_presence.c.last_seen)
                                  .where(staff_presence.c.username == username)).scalar_one_or_none()


def test_staff_presence_is_marked_on_every_page_at_most_once_a_minute_and_cleared_at_sign_out(app):
    console_process.create_user(app["env"], "agent.presence", PASSWORD)
    agent = Client(app["url"])
    assert agent.sign_in("agent.presence", client_ip="10.6.0.1")[0] == 302
    assert presence_of(app, "agent.presence") is None  # signing in is not a page yet
    assert agent.request("/")[0] == 200
    seen = presence_of(app, "agent.presence")
    assert seen is not None and BookingStore(app["bookings"]).staff_available(60)
    stale = seen.replace(year=2000)
    with app["bookings"].begin() as connection:
        connection.execute(staff_presence.update().where(staff_presence.c.username == "agent.presence")
                           .values(last_seen=stale))
    assert agent.request("/bookings")[0] == 200
    assert presence_of(app, "agent.presence") == stale  # written less than a minute ago: not again
    csrf = agent.csrf()
    assert agent.request("/logout", {"csrf": csrf})[0] == 302
    assert presence_of(app, "agent.presence") is None
    assert agent.sign_in("agent.presence", client_ip="10.6.0.1")[0] == 302
    agent.request("/bookings")
    assert presence_of(app, "agent.presence") > stale  # back online at once
    assert "agent.presence" not in app["log"].read_text()


def test_waiting_users_are_at_the_top_of_the_queue_and_in_the_nav_until_taken_over(app, staff):
    sender = "whatsapp:+44 7700/900?#é"
    add_conversation(app["tracker"], sender, "can I talk to a real person?")
    assert BookingStore(app["bookings"]).request_live_handoff(sender)
    with app["bookings"].begin() as connection:
        connection.execute(live_requests.update().where(live_requests.c.sender_id == sender).values(
            created_at=datetime.now(timezone.utc) - timedelta(minutes=3, seconds=2)))
    assert '<a href="/bookings#waiting" class="badge">1 waiting for a human</a>' in staff.request("/")[2]
    page = html.unescape(staff.request("/bookings")[2])
    section = re.search(r'<section id="waiting".*?</section>', page, re.S).group(0)
    assert page.index("Waiting for a human") < page.index("<table")
    link = "/conversations/" + urllib.parse.quote(sender, safe="")
    assert f'<a href="{link}">{sender}</a>' in section and "waiting 3 min" in section
    transcript = staff.request(link)[2]
    assert "asked to talk to a human and has been waiting 3 min" in transcript
    csrf = re.search(r'name="csrf" value="([^"]+)"', transcript).group(1)
    app["rasa"].calls.clear()
    assert staff.request(link + "/takeover", {"csrf": csrf, "action": "start"})[0] == 302
    # Who took over is recorded first (the transcript names them), then the user is told.
    assert app["rasa"].calls[0] == (f"/conversations/{sender}/tracker/events",
                                    {"event": "slot", "name": "agent_name", "value": "Admin from the care team"})
    assert app["rasa"].calls[1] == (f"/conversations/{sender}/execute", {"name": "utter_agent_joined"})

    def status():
        with app["bookings"].connect() as connection:
            return connection.execute(sa.select(live_requests.c.status)
                                      .where(live_requests.c.sender_id == sender)).scalar_one()

    assert status() == "taken"
    assert "waiting for a human" not in staff.request("/")[2]
    assert "No one is waiting." in staff.request("/bookings")[2]
    assert staff.request(link + "/takeover", {"csrf": csrf, "action": "end"})[0] == 302
    assert status() == "taken"  # handing back does not put the user back in the queue
