"""The staff console in a real browser (Debian chromium + Playwright) on data made by real
conversations with the real Rasa and action servers."""
from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request

import pytest

from tests.e2e.chat import Chat, texts, unique_suffix
from tests.e2e.conftest import ADMIN, ADMIN_PASSWORD
from tests.e2e.test_webchat_browser import REPLY_TIMEOUT_MS, bot_says, open_chat, say, session_id, wait_until

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

HOSTILE = "<b>bold</b><script>window.hacked=1</script>"


@pytest.fixture(scope="module", autouse=True)
def staff_offline_afterwards(stack):
    """The console marks staff online for live hand-offs: later tests expect nobody online."""
    yield
    db_rows(stack.workdir / "bookings.db", "DELETE FROM staff_presence")


def book(stack, sender: str) -> str:
    chat = Chat(stack.rasa_url, sender)
    chat.say(HOSTILE + " my son's left hand copies his right hand")
    for message in ["/request_consultation", '/inform{"consult_for": "child"}', "7", "Sam Jones",
                    "sam@example.com", "weekday mornings", "/affirm"]:
        chat.say(message)
    replies = chat.say("/affirm")
    assert "MMD-" in texts(replies)
    return texts(replies).split("reference is ")[1].split(".")[0]


def sign_in(page, console_url, password=ADMIN_PASSWORD):
    page.goto(console_url + "/")
    assert "/login" in page.url
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def db_rows(path, sql, *args):
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


def test_staff_review_a_handed_off_conversation_work_the_queue_export_and_forget(browser, stack, console_url):  # noqa: F811
    booked = f"booked-{unique_suffix()}"
    other = f"faq-{unique_suffix()}"
    reference = book(stack, booked)
    Chat(stack.rasa_url, other).say("how common is mmd")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, console_url, password="wrong-password-123")
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
    sign_in(page, console_url)
    page.get_by_role("heading", name="Conversations").wait_for()

    page.get_by_label("handed off").check()
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("link", name=booked).is_visible()
    assert page.get_by_role("link", name=other).count() == 0

    page.get_by_role("link", name=booked).click()
    page.get_by_role("heading", name="Transcript").wait_for()
    user_turn = page.locator(".turn--user").first
    assert HOSTILE in user_turn.inner_text()            # shown as text...
    assert page.locator(".turns b, .turns script").count() == 0  # ...never as markup
    assert page.evaluate("window.hacked") is None
    assert "report_symptom" in user_turn.inner_text()
    assert page.locator(".slots", has_text="handed_off").is_visible()
    page.get_by_label("New tag").fill("follow up")
    page.get_by_role("button", name="Add tag").click()
    page.get_by_role("button", name="Mark reviewed").click()
    assert page.get_by_text("Reviewed by " + ADMIN).is_visible()

    page.get_by_role("link", name="Consultation queue").click()
    page.get_by_label(f"Status of {reference}").select_option("contacted")
    page.get_by_label(f"Note on {reference}").fill("called, no answer")
    page.locator(f"form[action='/bookings/{reference}'] button").click()
    page.get_by_text("called, no answer").wait_for()
    assert db_rows(stack.workdir / "bookings.db", "SELECT status FROM bookings WHERE reference = ?",
                   reference) == [("contacted",)]

    page.goto(console_url + "/?flag=handed_off")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    exported = open(download_info.value.path(), encoding="utf-8").read()
    assert booked in exported and "[redacted]" in exported and "sam@example.com" not in exported
    # the name typed as an answer, the summary's "Your name:" line and every later mention
    for personal in ("Sam", "Jones", "sam@", "weekday mornings"):
        assert personal not in exported, personal
    assert "Your name: [redacted]" in exported and "requester_name=[redacted]" in exported
    assert "What is your name?" in exported and ",''," not in exported  # empty cells stay empty

    page.goto(f"{console_url}/conversations/{booked}")
    page.get_by_label("Type forget").fill("forget")
    page.get_by_role("button", name="Forget user").click()
    page.get_by_role("heading", name="Conversations").wait_for()
    assert db_rows(stack.workdir / "conversations.db", "SELECT COUNT(*) FROM events WHERE sender_id = ?",
                   booked) == [(0,)]
    assert db_rows(stack.workdir / "bookings.db", "SELECT COUNT(*) FROM bookings WHERE sender_id = ?",
                   booked) == [(0,)]

    page.get_by_role("link", name="Audit log").click()
    log = page.locator("table").inner_text()
    for action in ("sign_in_failed", "sign_in", "booking_status", "export", "forget_user"):
        assert action in log
    assert booked not in log and "sam@example.com" not in log
    context.close()


def test_an_agent_takes_over_a_web_chat_replies_and_hands_back(browser, stack, console_url, webchat_url):  # noqa: F811
    user_context, chat = open_chat(browser, webchat_url, {"width": 390, "height": 844})
    chat.get_by_role("button", name="Talk to a human").click()
    bot_says(chat, "care team")  # online or not, depending on the tests before
    sender = session_id(chat)

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    console = staff_context.new_page()
    sign_in(console, console_url)
    console.goto(f"{console_url}/conversations/{sender}")
    console.get_by_role("button", name="Take over this chat").click()
    bot_says(chat, "has joined the chat")

    console.get_by_label("Reply to the user").fill("Hello, I'm Dr Lee. How can I help?")
    console.get_by_role("button", name="Send reply").click()
    bot_says(chat, "I'm Dr Lee")

    say(chat, "thanks, my son is 7")
    chat.wait_for_timeout(1500)
    assert "How old" not in chat.locator(".msg--bot").last.inner_text()  # the bot stays quiet

    def staff_sees_the_message() -> bool:
        console.reload()
        return "thanks, my son is 7" in console.locator(".turns").inner_text()

    wait_until(staff_sees_the_message)

    console.get_by_role("button", name="Hand back to the bot").click()
    bot_says(chat, "has left the chat")
    say(chat, "how common is mmd")
    chat.locator(".msg--bot", has_text="1,000,000").wait_for(timeout=REPLY_TIMEOUT_MS)
    user_context.close()
    staff_context.close()


ODD_SENDER = "whatsapp:+44 7700/900?#é"


def test_a_conversation_whose_id_needs_escaping_is_opened_tagged_and_forgotten(browser, stack, console_url):  # noqa: F811
    Chat(stack.rasa_url, ODD_SENDER).say("how common is mmd")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, console_url)
    page.get_by_role("link", name=ODD_SENDER[:24]).click()
    page.get_by_role("heading", name="Transcript").wait_for()
    assert ODD_SENDER in page.locator("h1").inner_text()
    assert "how common is mmd" in page.locator(".turns").inner_text()
    page.get_by_label("New tag").fill("odd id")
    page.get_by_role("button", name="Add tag").click()
    assert page.locator(".tags", has_text="odd id").is_visible()
    page.get_by_label("Type forget").fill("forget")
    page.get_by_role("button", name="Forget user").click()
    page.get_by_role("status").wait_for()
    assert "forgotten" in page.get_by_role("status").inner_text()
    assert db_rows(stack.workdir / "conversations.db", "SELECT COUNT(*) FROM events WHERE sender_id = ?",
                   ODD_SENDER) == [(0,)]
    context.close()


def test_back_after_sign_out_does_not_show_the_queue_from_the_cache(browser, stack, console_url):  # noqa: F811
    book(stack, f"cache-{unique_suffix()}")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, console_url)
    page.get_by_role("link", name="Consultation queue").click()
    assert page.get_by_text("sam@example.com").first.is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.go_back()
    page.wait_for_load_state()
    assert "sam@example.com" not in page.content()
    context.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(url, data=None, cookie=None):
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_every_route_needs_a_session_and_forms_need_the_csrf_token(console_url):
    for path, data in [("/", None), ("/bookings", None), ("/export?format=csv", None), ("/audit", None),
                       ("/conversations/anyone", None), ("/bookings/MMD-AAAAAA", b"status=closed"),
                       ("/conversations/anyone/forget", b"confirm=forget"),
                       ("/conversations/anyone/takeover", b"action=start")]:
        status, headers = _status(console_url + path, data)
        assert status == 302 and headers["Location"].startswith("/login"), path
    status, headers = _status(console_url + "/login", f"username={ADMIN}&password={ADMIN_PASSWORD}".encode())
    cookie = headers["Set-Cookie"].split(";")[0]
    assert _status(console_url + "/bookings", cookie=cookie)[0] == 200
    assert _status(console_url + "/bookings/MMD-AAAAAA", b"status=closed", cookie)[0] == 403


def test_a_user_waiting_for_a_human_is_taken_over_and_a_declined_cancelled_request_is_shown(
        browser, stack, console_url, webchat_url):  # noqa: F811
    staff_context = browser.new_context(viewport={"width": 1400, "height": 900})
    console = staff_context.new_page()
    sign_in(console, console_url)  # staff online from the first page on
    console.get_by_role("heading", name="Conversations").wait_for()
    assert db_rows(stack.workdir / "bookings.db", "SELECT COUNT(*) FROM staff_presence WHERE username = ?",
                   ADMIN) == [(1,)]

    # A parent books for a baby without sharing the conversation, asks a change, then cancels.
    parent = Chat(stack.rasa_url, f"declined-{unique_suffix()}")
    for message in ["I need an appointment for my baby", "18 months", "his left hand copies the right one",
                    "dewi lestari 0813 2222 3333", "after 5pm on weekdays"]:
        parent.say(message)
    assert "Please check your request" in texts(parent.say("no"))  # no: answers only
    reference = texts(parent.say("yes")).split("reference is ")[1].split(".")[0]
    assert "change request" in texts(parent.say("can I change my appointment to friday?"))
    parent.say("cancel my appointment")
    assert "cancelled" in texts(parent.say("yes"))

    # Another user asks for a human in the web chat while staff are online.
    user_context, chat = open_chat(browser, webchat_url, {"width": 390, "height": 844})
    chat.get_by_role("button", name="Talk to a human").click()
    bot_says(chat, "I've asked our care team to join this chat")
    sender = session_id(chat)

    console.reload()
    badge = console.get_by_role("link", name="1 waiting for a human")
    assert badge.is_visible()
    badge.click()
    waiting = console.locator("#waiting")
    assert waiting.get_by_role("heading", name="Waiting for a human").is_visible()
    assert "waiting under 1 min" in waiting.inner_text() or "waiting 1 min" in waiting.inner_text()
    row = console.locator(f"#booking-{reference}")
    cells = row.locator("td")
    assert cells.nth(3).inner_text() == "18 months"
    assert cells.nth(4).inner_text() == "his left hand copies the right one"
    assert row.get_by_text("Conversation not shared — answers only").is_visible()
    changes = cells.nth(7).inner_text()
    assert "Change asked " in changes and "'can I change my appointment to friday?'" in changes
    assert "Cancelled by the user " in changes
    assert cells.nth(8).inner_text() == "cancelled"

    row.get_by_role("link", name="Conversation (not shared: do not use it to prepare)").click()
    alert = console.get_by_role("alert")
    assert "Conversation not shared — answers only" in alert.inner_text() and reference in alert.inner_text()

    console.get_by_role("link", name="Consultation queue").click()
    console.locator("#waiting").get_by_role("link", name=sender).click()
    assert "asked to talk to a human" in console.locator(".banner--live").inner_text()
    console.get_by_role("button", name="Take over this chat").click()
    bot_says(chat, "has joined the chat")
    assert db_rows(stack.workdir / "bookings.db", "SELECT status FROM live_requests WHERE sender_id = ?",
                   sender) == [("taken",)]
    assert console.get_by_role("link", name="waiting for a human").count() == 0
    console.get_by_role("button", name="Hand back to the bot").click()
    bot_says(chat, "has left the chat")
    assert db_rows(stack.workdir / "bookings.db", "SELECT status FROM live_requests WHERE sender_id = ?",
                   sender) == [("taken",)]

    console.get_by_role("button", name="Sign out").click()
    console.get_by_role("heading", name="Sign in").wait_for()
    assert db_rows(stack.workdir / "bookings.db", "SELECT COUNT(*) FROM staff_presence WHERE username = ?",
                   ADMIN) == [(0,)]
    user_context.close()
    staff_context.close()


def test_a_long_transcript_shows_the_pager_and_earlier_messages(browser, stack, console_url):  # noqa: F811
    """A conversation of 600 events (written straight into Rasa's events table, as Rasa
    writes them): the latest page by default, and Earlier moves back through it."""
    import json
    import time

    sender = f"long-{unique_suffix()}"
    start = time.time() - 600
    rows = []
    for number in range(200):
        user = {"event": "user", "text": f"long message {number}", "input_channel": "rest",
                "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []}}
        bot = {"event": "bot", "text": f"long reply {number}", "metadata": {"utter_action": "utter_greet"}}
        listen = {"event": "action", "name": "action_listen"}
        for offset, (event, intent, action) in enumerate(((user, "greet", None), (bot, None, None),
                                                          (listen, None, "action_listen"))):
            rows.append((sender, event["event"], start + number + offset / 10, intent, action, json.dumps(event)))
    with sqlite3.connect(stack.workdir / "conversations.db") as db:
        db.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                       "VALUES (?, ?, ?, ?, ?, ?)", rows)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, console_url)
    page.goto(f"{console_url}/conversations/{sender}")
    pager = page.get_by_role("navigation", name="Transcript pages", exact=True)
    assert pager.inner_text().count("Messages 201–400 of 400") == 1
    turns = page.locator("ol.turns")
    assert "long message 199" in turns.inner_text() and "long message 0" not in turns.inner_text()
    assert page.locator("ol.turns > li").count() == 200
    pager.get_by_role("link", name="Earlier").click()
    page.wait_for_url("**before=*")
    assert "Messages 1–200 of 400" in pager.inner_text()
    assert "long message 0" in turns.inner_text() and "long message 199" not in turns.inner_text()
    assert pager.get_by_role("link", name="Latest").is_visible()
    context.close()
