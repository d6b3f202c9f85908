""""Was this helpful? 👍 👎" under answers in the web chat, in a real browser (Debian
chromium + Playwright) with the real Rasa server: the vote becomes a slot event in the
tracker store and shows in the console's transcript."""
from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import ADMIN, ADMIN_PASSWORD
from tests.e2e.test_webchat_browser import REPLY_TIMEOUT_MS, SHOTS, bot_says, open_chat, say, session_id, wait_until

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

PHONE = {"width": 390, "height": 844}


def feedback_events(stack, sender):
    with sqlite3.connect(stack.workdir / "conversations.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data)["value"] for (data,) in rows if json.loads(data).get("name") == "answer_feedback"]


def post_feedback(webchat_url, body, content_type="application/json", origin=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type, **({"Origin": origin} if origin else {})}
    request = urllib.request.Request(webchat_url + "/feedback", data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_thumbs_down_under_an_answer_is_stored_once_and_shown_in_the_console(
        browser, stack, webchat_url, console_url):  # noqa: F811
    context, chat = open_chat(browser, webchat_url, PHONE)
    say(chat, "what is mirror movement disorder?")
    bot_says(chat, "Sources:")
    answer_text = chat.locator(".msg--bot", has_text="Sources:").last.inner_text()
    group = chat.get_by_role("group", name="Was this answer helpful?")
    assert group.count() == 1 and "Was this helpful?" in group.inner_text()
    group.get_by_role("button", name="Not helpful").click()
    chat.get_by_text("Thanks for the feedback").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    chat.screenshot(path=str(SHOTS / "phone-feedback.png"), full_page=True)
    assert chat.get_by_role("button", name="Helpful", exact=True).count() == 0  # no second vote
    sender = session_id(chat)

    wait_until(lambda: feedback_events(stack, sender) != [])
    [stored] = feedback_events(stack, sender)
    assert stored["helpful"] is False
    assert stored["answer"] == answer_text[:120].strip() and len(stored["answer"]) <= 120

    # The same vote again (a second tab, a replayed request) is refused; nothing is added.
    assert post_feedback(webchat_url, {"sender_id": sender, "helpful": True, "answer": stored["answer"]}) == (
        409, {"error": "already-recorded"})
    assert post_feedback(webchat_url, {"sender_id": sender, "helpful": True, "answer": "I never said that"}) == (
        404, {"error": "unknown-answer"})
    assert len(feedback_events(stack, sender)) == 1

    # A reload keeps the vote: thanks, no buttons.
    chat.reload()
    chat.wait_for_selector("text=Online", timeout=REPLY_TIMEOUT_MS)
    assert chat.get_by_text("Thanks for the feedback").is_visible()
    assert chat.get_by_role("button", name="Not helpful").count() == 0

    # A question with buttons gets no feedback buttons.
    say(chat, "I want to book a consultation")
    bot_says(chat, "Who is the consultation for?")
    assert chat.get_by_role("group", name="Was this answer helpful?").count() == 0
    context.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    page.goto(console_url + "/")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Conversations").wait_for()
    page.goto(f"{console_url}/conversations/{sender}?details=1")
    turns = page.locator(".turns").inner_text()
    # The vote reads as what the user did, under the answer rated, not as a slot row.
    assert "User rated the answer above: 👎 not helpful" in turns and "answer_feedback" not in turns
    page.get_by_role("button", name="Sign out").click()
    staff.close()


def test_when_the_vote_cannot_be_stored_the_chat_says_so_and_the_buttons_stay(browser, webchat_url):  # noqa: F811
    context, chat = open_chat(browser, webchat_url, PHONE)
    say(chat, "how common is mmd")
    bot_says(chat, "1,000,000")
    chat.route("**/feedback", lambda route: route.fulfill(
        status=503, content_type="application/json", body='{"error": "try-later"}'))
    chat.get_by_role("button", name="Helpful", exact=True).click()
    chat.get_by_text("couldn't be saved just now").wait_for()
    assert chat.get_by_role("button", name="Helpful", exact=True).is_enabled()
    assert chat.get_by_text("Thanks for the feedback").count() == 0
    context.close()


def test_invalid_feedback_posts_are_rejected(stack, webchat_url):
    good = {"sender_id": "0123456789abcdef0123456789abcdef", "helpful": True, "answer": "Sources:"}
    assert post_feedback(webchat_url, b"{not json")[0] == 400
    assert post_feedback(webchat_url, {**good, "helpful": "yes"}) == (400, {"error": "invalid-helpful"})
    assert post_feedback(webchat_url, {**good, "sender_id": "x/../y"}) == (400, {"error": "invalid-sender-id"})
    assert post_feedback(webchat_url, {**good, "answer": "x" * 500}) == (400, {"error": "invalid-answer"})
    assert post_feedback(webchat_url, b"a" * 10_000)[0] == 413
    assert post_feedback(webchat_url, b"helpful=1", "application/x-www-form-urlencoded")[0] == 415
    assert post_feedback(webchat_url, good, origin="https://evil.example")[0] == 403
    # A conversation that does not exist has no such answer: nothing is written.
    assert post_feedback(webchat_url, good) == (404, {"error": "unknown-answer"})
    with sqlite3.connect(stack.workdir / "conversations.db") as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (good["sender_id"],)).fetchone() == (0,)
