"""A long message in the web chat, in a real browser (Debian chromium + Playwright) against the
real Rasa server (README "Limits"): what the user pastes is sent whole, never cut silently in
the browser, so an emergency at the end of a long message reaches the server, which reads that
part; a hint under the box says, in the chat's language, that a message over the server's
MAX_MESSAGE_CHARS is read only in part, and says so when the box's ceiling is reached."""
from __future__ import annotations

import re

import pytest

from common.privacy import conversation_tag
from tests.e2e.test_webchat_browser import REPLY_TIMEOUT_MS, SHOTS, session_id, wait_until

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture
from tests.e2e.test_webchat_language_browser import uttered  # noqa: E402

PHONE = {"width": 390, "height": 844}
LIMIT = 2000  # MAX_MESSAGE_CHARS's default (scripts/env.sh); the test stack does not change it
CEILING = 20_000  # the box's maxlength (webchat/src/index.html)
EMERGENCY = "Sorry for the long story, but right now my son just collapsed and is not breathing"
STORY = ("My son is seven and since last spring his left hand copies whatever his right hand does "
         "when he writes or draws at school, and his teacher noticed it before we did. ")


def long_message(length: int, ending: str = EMERGENCY) -> str:
    """About `length` characters of an everyday story that ends with `ending`."""
    story = (STORY * (length // len(STORY) + 1))[: length - len(ending) - 1]
    return story[: story.rfind(" ")] + " " + ending


def open_chat(browser, url):  # noqa: F811
    """A new browser (its own storage and clipboard) with the chat online, and the socket.io
    frames the page sends."""
    context = browser.new_context(viewport=PHONE, locale="en-GB",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(url)
    page.wait_for_selector("text=Online", timeout=REPLY_TIMEOUT_MS)
    return context, page, sent


def paste(page, text):
    """Pastes `text` into the message box as a user does: the clipboard, then Ctrl+V."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    box = page.locator("#message")
    box.click()
    box.press("Control+V")


def hint(page):
    return page.locator("#message-hint")


def test_a_long_pasted_message_with_an_emergency_at_its_end_is_sent_whole(browser, webchat_url, stack):  # noqa: F811
    context, page, sent = open_chat(browser, webchat_url)
    text = long_message(3000)
    assert len(text) > LIMIT + 900 and text.endswith("is not breathing")
    paste(page, text)
    assert page.locator("#message").input_value() == text  # nothing cut in the box
    assert hint(page).get_attribute("aria-live") == "polite"
    assert "message-hint" in page.locator("#message").get_attribute("aria-describedby").split()
    assert hint(page).is_visible()
    assert hint(page).inner_text() == (
        "Your message is over 2,000 characters. The assistant reads a long message only in part, "
        "so it's better to send several shorter ones.")
    page.locator("#message").press("Enter")

    # The browser sent the whole text ...
    wait_until(lambda: any(m.get("message") == text for m in uttered(sent)))
    # ... the server received all of it ...
    tag = conversation_tag(session_id(page))
    log = stack.workdir / "rasa.log"
    wait_until(lambda: re.search(rf"message too long sender={tag} channel=socketio chars={len(text)}\b",
                                 log.read_text(errors="replace")))
    # ... and answered the emergency at its end (after saying the message was too long).
    alert = page.locator(".msg--emergency")
    alert.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert alert.get_attribute("role") == "alert"
    assert page.locator(".msg--bot", has_text="longer than 2,000 characters").count() == 1
    assert page.locator(".msg--user").last.inner_text().endswith("is not breathing")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-long-message.png"), full_page=True)
    context.close()


def test_a_short_message_shows_no_hint_and_the_hint_follows_the_box(browser, webchat_url):  # noqa: F811
    context, page, sent = open_chat(browser, webchat_url)
    box = page.locator("#message")
    box.fill("is it contagious?")
    assert hint(page).inner_text() == "" and hint(page).is_hidden()
    box.press("Enter")
    page.locator(".msg--bot", has_text="not infectious").wait_for(timeout=REPLY_TIMEOUT_MS)
    assert hint(page).inner_text() == "" and hint(page).is_hidden()
    assert [m["message"] for m in uttered(sent)] == ["is it contagious?"]

    # Exactly at the limit: read whole, no hint; one character more: the hint.
    box.fill("a" * LIMIT)
    assert hint(page).is_hidden()
    box.press("End")
    box.press("b")
    assert hint(page).is_visible() and "2,000" in hint(page).inner_text()
    # Shortened again: the hint goes.
    box.press("Backspace")
    assert hint(page).is_hidden()
    context.close()


def test_the_hint_is_in_bahasa_indonesia_and_the_ceiling_is_never_silent(browser, webchat_url):  # noqa: F811
    context, page, _ = open_chat(browser, webchat_url)
    page.get_by_role("button", name="Bahasa Indonesia (ID)").click()
    paste(page, long_message(2500, "tolong"))
    assert hint(page).inner_text() == (
        "Pesan Anda lebih dari 2.000 karakter. Asisten hanya membaca sebagian dari pesan yang panjang, "
        "jadi sebaiknya kirim beberapa pesan yang lebih pendek.")
    # The language switch translates the hint in place.
    page.get_by_role("button", name="English (EN)").click()
    assert hint(page).inner_text().startswith("Your message is over 2,000 characters.")

    # More than the ceiling (no megabyte pastes): the box keeps its first 20,000 characters and says so.
    page.locator("#message").fill("")
    paste(page, long_message(CEILING + 5000))
    assert len(page.locator("#message").input_value()) == CEILING
    wait_until(lambda: hint(page).inner_text().startswith("Your message reached the maximum of 20,000 characters"))
    page.get_by_role("button", name="Bahasa Indonesia (ID)").click()
    assert hint(page).inner_text().startswith("Pesan Anda sudah mencapai batas 20.000 karakter")
    context.close()
