"""The staff's daily workflow over HTTP through the real console process on SQLite files:
the queue (search, assign, paging, overdue highlight), the list (previews, topic and tag
filters, bad dates), transcripts (button titles, hiding actions, links to requests) and the
staff accounts page."""
from __future__ import annotations

# ruff: noqa: F811 - shared fixtures are imported, then named as test arguments
import html
import json
import re
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from actions.booking_store import BookingRequest, BookingStore, bookings
from console.db import rasa_events
from tests.unit.test_console_app import ADMIN, PASSWORD, Client, app, audit_rows, staff  # noqa: F401


def event_rows(tracker, sender, *events):
    with tracker.begin() as connection:
        for event in events:
            connection.execute(rasa_events.insert().values(
                sender_id=sender, type_name=event["event"], timestamp=time.time(),
                intent_name=((event.get("parse_data") or {}).get("intent") or {}).get("name"),
                action_name=event.get("name") if event["event"] == "action" else None, data=json.dumps(event)))


def book(app, sender, name="Dewi Lestari", contact="0812-3456-7890", hours_ago=0,
         symptoms="her right hand copies the left"):
    reference = BookingStore(app["bookings"]).save(BookingRequest(
        sender, "child", 6, symptoms, name, contact, "weekday mornings", True))[0]
    if hours_ago:
        with app["bookings"].begin() as connection:
            connection.execute(bookings.update().where(bookings.c.reference == reference).values(
                created_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago)))
    return reference


def row_of(page, reference):
    found = re.search(r'<tr class="[^"]*" id="booking-' + reference + r'">.*?</tr>', page, re.S)
    return html.unescape(found.group(0)) if found else None


def create_staff(client, username, role="agent", display_name="", password="a-long-agent-password"):
    return client.request("/staff", {"csrf": client.csrf("/staff"), "username": username, "role": role,
                                     "display_name": display_name, "password": password})


def test_the_queue_finds_a_request_by_reference_name_or_phone_in_any_form(app, staff):
    wanted = book(app, "queue-search", name="Siti Rahma", contact="+62 812-5555-0101")
    other = book(app, "queue-other", name="Budi", contact="budi@example.com", symptoms="both hands")
    local = book(app, "queue-local", name="Dewi Kartika", contact="081322223333")
    for search in ("+62 813 2222 3333", "0813-2222-3333", "kartika dewi", local[4:].lower(), local.replace("-", " ")):
        page = staff.request("/bookings?q=" + urllib.parse.quote(search))[2]
        assert row_of(page, local) and row_of(page, wanted) is None, search
    for search in (wanted.lower(), "siti", "RAHMA", "081255550101"[1:], "+62 812 5555 0101", "0812-5555-0101",
                   "rahma siti", "copies the left"):
        page = staff.request("/bookings?q=" + urllib.parse.quote(search))[2]
        assert row_of(page, wanted), search
        assert row_of(page, other) is None, search
    page = staff.request("/bookings?q=nobody-like-this")[2]
    assert "No consultation requests match." in page


def test_requests_are_assigned_to_a_named_colleague_and_filtered_by_who_has_them(app, staff):
    assert create_staff(staff, "ana.lima", display_name="Ana")[0] == 302
    reference = book(app, "queue-assign")
    status, headers, _ = staff.request(f"/bookings/{reference}", {
        "csrf": staff.csrf(), "status": "new", "assign": "ana.lima", "back": "/bookings?q=x&page=1"})
    assert status == 302 and headers["Location"] == f"/bookings?q=x&page=1&notice=booking-saved#booking-{reference}"
    assert "Saved. The request below" in staff.request(headers["Location"].split("#")[0])[2]
    assert "nobody yet" not in row_of(staff.request("/bookings?assigned=ana.lima")[2], reference)
    assert row_of(staff.request("/bookings?assigned=none")[2], reference) is None
    # Someone else changing the status keeps Ana on it.
    staff.request(f"/bookings/{reference}", {"csrf": staff.csrf(), "status": "contacted", "assign": "keep"})
    assert "ana.lima" in row_of(staff.request("/bookings?assigned=ana.lima")[2], reference)
    assert (ADMIN, "booking_assign", f"{reference} -> ana.lima") in audit_rows(app)
    # An unknown name is not stored as an assignee.
    staff.request(f"/bookings/{reference}", {"csrf": staff.csrf(), "status": "contacted", "assign": "mallory"})
    assert row_of(staff.request("/bookings?assigned=none")[2], reference)


def test_new_requests_waiting_past_the_alert_time_are_highlighted_with_their_age(app, staff):
    old = book(app, "queue-old", hours_ago=30)
    fresh = book(app, "queue-fresh")
    page = staff.request("/bookings?status=new")[2]
    assert 'class="status--new overdue"' in page.split(f'id="booking-{old}"')[0][-60:]
    assert "1 d ago — overdue" in row_of(page, old)
    assert "overdue" not in row_of(page, fresh) and "under 1 min ago" in row_of(page, fresh)


def test_the_queue_is_paged(app, staff):
    for number in range(55):
        book(app, f"queue-page-{number}", name=f"Pager {number}")
    first = staff.request("/bookings?q=pager")[2]
    assert "Page 1 of 2" in first and first.count('id="booking-') == 50
    second = staff.request("/bookings?q=pager&page=2")[2]
    assert second.count('id="booking-') == 5 and 'rel="prev"' in second


def test_the_list_shows_the_first_message_and_reports_dates_it_cannot_read(app, staff):
    event_rows(app["tracker"], "list-preview", {
        "event": "user", "text": "my <b>son</b> mirrors with both hands",
        "parse_data": {"intent": {"name": "report_symptom", "confidence": 0.9}}})
    page = staff.request("/?q=mirrors+with+both")[2]
    assert "my &lt;b&gt;son&lt;/b&gt; mirrors with both hands" in page
    page = html.unescape(staff.request("/?from=2026-02-31&to=soon")[2])
    assert "From date '2026-02-31' is not a date (YYYY-MM-DD); it was ignored." in page
    assert "To date 'soon' is not a date" in page


def test_a_transcript_shows_pressed_buttons_by_title_hides_details_on_request_and_links_its_request(app, staff):
    sender = "transcript-buttons"
    event_rows(app["tracker"], sender,
               {"event": "user", "text": "my son's hands mirror", "parse_data": {"intent": {"name": "report_symptom"}}},
               {"event": "bot", "text": "Would you like to book?", "data": {"buttons": [
                   {"title": "Yes, book a consultation", "payload": "/request_consultation"},
                   {"title": "No thanks", "payload": "/deny"}]}},
               {"event": "user", "text": "/request_consultation",
                "parse_data": {"intent": {"name": "request_consultation", "confidence": 1.0}}},
               {"event": "action", "name": "consultation_form"},
               {"event": "slot", "name": "consult_for", "value": "child"})
    reference = book(app, sender)
    page = html.unescape(staff.request(f"/conversations/{sender}")[2])
    assert "[pressed “Yes, book a consultation”]" in page and "/request_consultation</" not in page
    assert "action: consultation_form" in page and "slot consult_for = child" in page
    assert f'href="/bookings?q={reference}#booking-{reference}"' in page
    hidden = html.unescape(staff.request(f"/conversations/{sender}?details=0")[2])
    assert "action: consultation_form" not in hidden and "slot consult_for" not in hidden
    assert "Show actions and slots" in hidden and "[pressed “Yes, book a consultation”]" in hidden


def test_admins_create_deactivate_reactivate_and_sign_out_staff(app, staff):
    assert create_staff(staff, "bo.agent", display_name="Bo")[0] == 302
    agent = Client(app["url"])
    assert agent.sign_in("bo.agent", "a-long-agent-password", client_ip="10.9.0.1")[0] == 302
    assert agent.request("/")[0] == 200
    # The agent cannot manage staff.
    assert agent.request("/staff")[0] == 403
    page = html.unescape(staff.request("/staff")[2])
    assert "Bo from the care team" in page
    assert create_staff(staff, "bo.agent")[0] == 409
    status, _, body = create_staff(staff, "short.pw", password="short")
    assert status == 400 and "at least 12 characters" in body

    staff.request("/staff/bo.agent", {"csrf": staff.csrf("/staff"), "action": "sign-out"})
    assert agent.request("/")[0] == 302  # signed out everywhere
    assert agent.sign_in("bo.agent", "a-long-agent-password", client_ip="10.9.0.1")[0] == 302
    staff.request("/staff/bo.agent", {"csrf": staff.csrf("/staff"), "action": "deactivate"})
    assert agent.request("/")[0] == 302
    status, body = agent.sign_in("bo.agent", "a-long-agent-password", client_ip="10.9.0.2")
    assert status == 401 and "Wrong username or password." in body  # same answer as a wrong password
    staff.request("/staff/bo.agent", {"csrf": staff.csrf("/staff"), "action": "reactivate"})
    assert agent.sign_in("bo.agent", "a-long-agent-password", client_ip="10.9.0.3")[0] == 302
    actions = [row[1] for row in audit_rows(app) if row[0] == ADMIN]
    assert {"staff_create", "staff_sign-out", "staff_deactivate", "staff_reactivate"} <= set(actions)
    # The last admin cannot lock everyone out, nor deactivate themself.
    status, headers, _ = staff.request(f"/staff/{ADMIN}", {"csrf": staff.csrf("/staff"), "action": "deactivate"})
    assert "notice=yourself" in headers["Location"]
    assert staff.request("/")[0] == 200


def test_an_admin_lets_a_blocked_network_try_again(app, staff):
    blocked = Client(app["url"])
    for _ in range(6):
        blocked.sign_in(ADMIN, "wrong-password-xyz", client_ip="10.77.0.1")
    assert blocked.sign_in(ADMIN, PASSWORD, client_ip="10.77.0.1")[0] == 429
    assert "10.77.0.1" in staff.request("/staff")[2]
    staff.request("/blocked-sign-ins", {"csrf": staff.csrf("/staff"), "client": "10.77.0.1"})
    assert blocked.sign_in(ADMIN, PASSWORD, client_ip="10.77.0.1")[0] == 302
    assert "10.77.0.1" not in staff.request("/staff")[2]
    with app["console"].connect() as connection:
        unblocks = "SELECT count(*) FROM audit_log WHERE action = 'sign_in_unblock'"
        assert connection.execute(sa.text(unblocks)).scalar() == 1


def test_a_staff_reply_is_shown_under_the_staff_members_name_once(app, staff):
    sender = "transcript-agent"
    event_rows(app["tracker"], sender,
               {"event": "user", "text": "can I talk to a person", "parse_data": {"intent": {"name": "request_human"}}},
               {"event": "pause"},
               {"event": "slot", "name": "agent_name", "value": "Ana from the care team"},
               {"event": "bot", "text": "Ana from the care team: Hello, how can I help?",
                "metadata": {"utter_action": "utter_agent_message"}})
    page = html.unescape(staff.request(f"/conversations/{sender}")[2])
    turn = re.search(r'<li class="turn turn--bot turn--staff">(.*?)</li>', page, re.S).group(1)
    assert '<span class="who">Ana from the care team</span> Hello, how can I help?' in turn
    assert turn.count("Ana from the care team") == 1
    assert "— Ana from the care team took over the chat ·" not in page  # agent_name came after the pause
    assert "— The care team took over the chat ·" in page or "— Care team took over the chat ·" in page


# Waits on a deliberately slow Rasa and times other pages (6 s): left out of make check.
@pytest.mark.slow
def test_a_slow_rasa_during_a_take_over_does_not_stall_other_pages(app, staff):
    """Calls to Rasa's HTTP API run off the console's event loop."""
    import threading

    event_rows(app["tracker"], "slow-rasa", {"event": "user", "text": "a person please",
                                             "parse_data": {"intent": {"name": "request_human"}}})
    other = Client(app["url"])
    assert other.sign_in(client_ip="10.8.0.1")[0] == 302
    app["rasa"].delay = 1.5
    try:
        form = {"csrf": staff.csrf("/conversations/slow-rasa"), "action": "start"}
        taking_over = threading.Thread(target=staff.request, args=("/conversations/slow-rasa/takeover", form))
        taking_over.start()
        time.sleep(0.3)  # the take-over is now waiting for Rasa
        started = time.monotonic()
        assert other.request("/bookings")[0] == 200
        waited = time.monotonic() - started
        taking_over.join(timeout=30)
    finally:
        app["rasa"].delay = 0.0
    assert waited < 1.0, f"another page waited {waited:.2f} s for the take-over's call to Rasa"


def test_a_transcript_reads_as_the_conversation_went(app, staff):
    """Votes under the answer they rate, who took over and when it was handed back, the web
    chat's own button and topic chips by their titles, times on the bot's turns too."""
    sender = "transcript-reads"
    answer = "It does not always cause significant disability. Sources: GeneReviews."
    event_rows(app["tracker"], sender,
               {"event": "user", "text": "/request_human", "parse_data": {"intent": {"name": "request_human"}}},
               {"event": "bot", "text": "Here are some topics", "data": {"buttons": [
                   {"title": "Other treatment", "payload": "How is it treated?"}]}},
               {"event": "user", "text": "How is it treated?", "parse_data": {"intent": {"name": "faq"}}},
               {"event": "bot", "text": answer, "metadata": {"utter_action": "utter_faq/daily_life"}},
               {"event": "user", "text": "ok", "parse_data": {"intent": {"name": "affirm"}}},
               {"event": "slot", "name": "answer_feedback", "value": {"helpful": False, "answer": answer[:120]}},
               {"event": "slot", "name": "agent_name", "value": "Budi from the care team"},
               {"event": "pause"}, {"event": "resume"})
    page = html.unescape(staff.request(f"/conversations/{sender}?details=0")[2])
    turns = page[page.index('<ol class="turns">'):page.index("</ol>")]
    assert "[pressed “Talk to a human”]" in turns and "[pressed “Other treatment”]" in turns
    assert "answer_feedback" not in turns
    rated = turns.index(answer)
    assert turns.index("User rated the answer above: 👎 not helpful") > rated
    assert turns.index("User rated the answer above") < turns.index("</span> ok")  # under the answer, before "ok"
    assert "— Budi from the care team took over the chat ·" in turns and "— Handed back to the assistant ·" in turns
    assert re.search(r"Here are some topics.*?\d{4}-\d\d-\d\d \d\d:\d\d UTC", turns, re.S)
    assert "<title>Conversation transcript-reads" in page


def test_handing_back_offers_to_continue_a_booking_only_when_one_was_started(app, staff):
    for sender, events, expected in (
            ("handback-none", [], "utter_agent_left_no_booking"),
            ("handback-form", [{"event": "slot", "name": "consult_for", "value": "child"}], "utter_agent_left")):
        event_rows(app["tracker"], sender, {"event": "user", "text": "a person please",
                                            "parse_data": {"intent": {"name": "request_human"}}}, *events)
        app["rasa"].calls.clear()
        form = {"csrf": staff.csrf(f"/conversations/{sender}"), "action": "end"}
        status, headers, _ = staff.request(f"/conversations/{sender}/takeover", form)
        assert status == 302 and headers["Location"].endswith("?notice=handed-back#take-over")
        said = [body["name"] for path, body in app["rasa"].calls if path.endswith("/execute")]
        assert said == [expected], sender
