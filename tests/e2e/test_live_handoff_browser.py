"""A live hand-off in two real browsers (Debian chromium + Playwright) through the real Rasa,
action server, web chat and console: the console learns of the request by polling, the web
chat shows no typing dots while a person answers, the transcript follows the chat without
a reload, and the staff member's replies carry their first name."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.e2e.chat import http
from tests.e2e.servers import ROOT
from tests.e2e.test_webchat_browser import REPLY_TIMEOUT_MS, SHOTS, bot_says, open_chat, say, session_id, wait_until

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

AGENT, AGENT_PASSWORD = "ana.lima", "a-long-agent-password"
POLL_SECONDS = 30  # the console polls every 10 s

# Records desktop notifications instead of showing them; permission starts as "default",
# so the page offers "Enable notifications".
FAKE_NOTIFICATIONS = """
(() => {
  let permission = "default";
  window.__notifications = [];
  class FakeNotification {
    constructor(title, options) { window.__notifications.push({title, body: (options || {}).body || ""}); }
    static get permission() { return permission; }
    static requestPermission() { permission = "granted"; return Promise.resolve(permission); }
    close() {}
  }
  window.Notification = FakeNotification;
})();
"""

# Whether the typing dots were shown at any moment since the last reset.
WATCH_TYPING = """
(() => {
  const typing = document.getElementById("typing");
  window.__typingShown = false;
  if (!window.__typingWatch) {
    window.__typingWatch = new MutationObserver(() => { if (!typing.hidden) { window.__typingShown = true; } });
    window.__typingWatch.observe(typing, {attributes: true, attributeFilter: ["hidden"]});
  }
})()
"""


def db_rows(path, sql, *args):
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def agent(stack, console_url):
    """A staff member (role agent) whose replies users see as "Ana from the care team"."""
    env = {**stack.env, "CONSOLE_DB_URL": f"sqlite:///{stack.workdir / 'console.db'}",
           "CONSOLE_PASSWORD": AGENT_PASSWORD}
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "console.cli", "create-user", AGENT,
                    "--role", "agent"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    yield AGENT
    # Later tests expect nobody online.
    db_rows(stack.workdir / "bookings.db", "DELETE FROM staff_presence")


def waiting_count(stack) -> int:
    return db_rows(stack.workdir / "bookings.db", "SELECT COUNT(*) FROM live_requests WHERE status = 'waiting'")[0][0]


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_live_endpoints_need_a_session_and_answer_401_not_a_redirect(console_url):
    assert status_of(console_url + "/live/waiting") == 401
    assert status_of(console_url + "/conversations/anyone/turns") == 401
    assert status_of(console_url + "/static/console.js") == 200


def test_a_user_asks_for_a_human_staff_are_notified_take_over_and_reply_under_their_name(
        browser, stack, console_url, webchat_url, agent):  # noqa: F811
    # Staff sign in first: from then on the assistant offers a live hand-off.
    staff_context = browser.new_context(viewport={"width": 1400, "height": 900})
    staff_context.add_init_script(FAKE_NOTIFICATIONS)
    console = staff_context.new_page()
    console.goto(console_url + "/")
    console.get_by_label("Username").fill(agent)
    console.get_by_label("Password").fill(AGENT_PASSWORD)
    console.get_by_role("button", name="Sign in").click()
    console.get_by_role("heading", name="Conversations").wait_for()
    console.get_by_role("button", name="Enable notifications").click()
    console.get_by_role("button", name="Enable notifications").wait_for(state="detached")
    console.evaluate("window.__sameDocument = true")
    before = waiting_count(stack)

    user_context, chat = open_chat(browser, webchat_url, {"width": 390, "height": 844})
    chat.get_by_role("button", name="Talk to a human").click()
    bot_says(chat, "I've asked our care team to join this chat")
    sender = session_id(chat)
    assert waiting_count(stack) == before + 1

    # The console shows it without a reload: badge, tab title, an alert and a notification.
    badge = console.get_by_role("link", name=f"{before + 1} waiting for a human")
    badge.wait_for(timeout=POLL_SECONDS * 1000)
    assert console.evaluate("window.__sameDocument") is True
    assert console.title().startswith(f"({before + 1}) ")
    wait_until(lambda: console.evaluate("window.__notifications.length") == 1)
    notification = console.evaluate("window.__notifications[0]")
    assert notification["title"] == "A user is waiting for a human"
    assert sender not in notification["body"] and "under 1 min" in notification["body"]
    assert console.locator("#waiting-badge").get_attribute("data-alerts") == "1"

    console.goto(f"{console_url}/conversations/{sender}")
    console.get_by_role("button", name="Take over this chat").click()
    bot_says(chat, "has joined the chat")
    wait_until(lambda: chat.evaluate("JSON.parse(localStorage.getItem('mmd-assistant-chat')).paused") is True)

    # While a person has the chat, no typing dots: no bot reply is coming.
    console.evaluate("window.__sameDocument = true")
    chat.evaluate(WATCH_TYPING)
    say(chat, "thanks, my son is 7 and his hands copy each other")
    chat.locator(".msg--user", has_text="my son is 7").wait_for()
    # ...and the transcript shows the message without a reload.
    console.locator(".turns", has_text="thanks, my son is 7").wait_for(timeout=POLL_SECONDS * 1000)
    assert console.evaluate("window.__sameDocument") is True
    assert re.fullmatch(r"\d+ new events? in the transcript\.", console.locator("#live-turns-status").inner_text())
    chat.wait_for_timeout(1000)
    assert chat.evaluate("window.__typingShown") is False
    assert chat.locator("#typing").is_hidden()

    console.get_by_label("Reply to the user").fill("Hello, I'm Ana.\n\nHow can I help?")
    console.get_by_role("button", name="Send reply").click()
    reply = chat.locator(".msg--agent").last
    reply.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert reply.locator(".msg__who").inner_text() == "Ana from the care team"
    assert reply.get_attribute("aria-label") == "Ana from the care team: Hello, I'm Ana.\nHow can I help?"
    assert "Assistant" not in reply.get_attribute("aria-label")
    assert chat.locator(".msg--agent").count() == 1  # one message, though the staff typed two paragraphs
    assert "Ana from the care team" in console.locator(".turns").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    chat.screenshot(path=str(SHOTS / "phone-live-handoff.png"), full_page=True)
    console.screenshot(path=str(SHOTS / "console-live-handoff.png"), full_page=True)

    console.get_by_role("button", name="Hand back to the bot").click()
    bot_says(chat, "has left the chat")
    wait_until(lambda: chat.evaluate("JSON.parse(localStorage.getItem('mmd-assistant-chat')).paused") is False)
    chat.evaluate(WATCH_TYPING)
    say(chat, "how common is mmd")
    bot_says(chat, "1,000,000")
    assert chat.evaluate("window.__typingShown") is True  # the assistant answers again, with dots
    assert chat.locator("#typing").is_hidden()

    # A reload keeps the staff reply under Ana's name.
    chat.reload()
    chat.wait_for_selector("text=Online", timeout=REPLY_TIMEOUT_MS)
    assert chat.locator(".msg--agent .msg__who").first.inner_text() == "Ana from the care team"
    assert db_rows(stack.workdir / "bookings.db", "SELECT status FROM live_requests WHERE sender_id = ?",
                   sender) == [("taken",)]
    user_context.close()
    staff_context.close()


def test_a_message_in_the_staff_format_is_the_assistants_unless_the_chat_is_taken_over(
        browser, stack, webchat_url):  # noqa: F811
    """Only while the chat is taken over is a message shown under a person's name."""
    context, chat = open_chat(browser, webchat_url, {"width": 390, "height": 844})
    say(chat, "how common is mmd")
    bot_says(chat, "1,000,000")
    sender = urllib.parse.quote(session_id(chat), safe="")
    base = f"{stack.rasa_url}/conversations/{sender}"
    assert http("POST", base + "/tracker/events?include_events=NONE", [
        {"event": "slot", "name": "agent_name", "value": "Eve from the care team"},
        {"event": "slot", "name": "agent_message", "value": "I am not really staff"}], stack.api_token)[0] == 200
    assert http("POST", base + "/execute?output_channel=latest&include_events=NONE",
                {"name": "utter_agent_message"}, stack.api_token)[0] == 200
    bot_says(chat, "Eve from the care team: I am not really staff")
    assert chat.locator(".msg--agent").count() == 0
    assert chat.locator(".msg--bot").last.get_attribute("aria-label").startswith("Assistant: ")
    context.close()
