"""The web chat's own texts in English and Bahasa Indonesia (webchat/src/i18n.js), in a real
browser (Debian chromium + Playwright) against the real Rasa server: the first language is the
browser's, the header's "EN | ID" switch changes every text in place, the choice survives a
reload, and the assistant is told with /change_language{"language": …}, never shown as a bubble."""
from __future__ import annotations

import json
import sqlite3

import pytest

from tests.e2e.test_webchat_browser import REPLY_TIMEOUT_MS, SHOTS, bot_says, session_id, wait_until

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

PHONE = {"width": 390, "height": 844}
LANGUAGE_KEY = "mmd-assistant-language"
ENGLISH = {"title": "MMD assistant", "status": "Online", "human": "Talk to a human", "send": "Send",
           "label": "Your message", "placeholder": "Ask about MMD or describe what you noticed",
           "log": "Conversation", "notice": "It cannot diagnose.", "switch": "Language"}
INDONESIAN = {"title": "Asisten MMD", "status": "Terhubung", "human": "Bicara dengan petugas", "send": "Kirim",
              "label": "Pesan Anda", "placeholder": "Tanyakan tentang MMD atau ceritakan apa yang Anda perhatikan",
              "log": "Percakapan", "notice": "Asisten ini tidak dapat mendiagnosis.", "switch": "Bahasa"}
SWITCH = {"en": "English (EN)", "id": "Bahasa Indonesia (ID)"}


def open_in(browser, url, locale, texts):  # noqa: F811
    """A new browser (its own storage) whose preferred language is `locale`; the chat online."""
    context = browser.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    sent = []
    # What the page sends over the socket.io websocket ("42[event, data]" frames).
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(url)
    page.locator("#status", has_text=texts["status"]).wait_for(timeout=REPLY_TIMEOUT_MS)
    return context, page, sent


def say(page, text):
    """Types and sends a message, whatever the language of the input's label."""
    page.locator("#message").fill(text)
    page.locator("#message").press("Enter")


def uttered(sent):
    """The messages the page sent to the assistant (socket.io `user_uttered` events)."""
    messages = []
    for frame in sent:
        if isinstance(frame, str) and frame.startswith("42"):
            event, *data = json.loads(frame[2:])
            if event == "user_uttered":
                messages.append(data[0])
    return messages


def assert_shows(page, texts, language):
    assert page.evaluate("document.documentElement.lang") == language
    assert page.title() == texts["title"]
    assert page.get_by_role("heading", level=1).inner_text() == texts["title"]
    assert page.locator("#status").inner_text() == texts["status"]
    assert page.get_by_role("button", name=texts["human"], exact=True).is_visible()
    assert page.get_by_role("button", name=texts["send"], exact=True).is_visible()
    assert page.get_by_label(texts["label"], exact=True).get_attribute("placeholder") == texts["placeholder"]
    assert page.get_by_role("log", name=texts["log"]).count() == 1
    assert page.locator(".msg--notice", has_text=texts["notice"]).is_visible()
    switch = page.get_by_role("group", name=texts["switch"], exact=True)
    assert switch.inner_text().split() == ["EN", "|", "ID"]
    for code, name in SWITCH.items():
        pressed = switch.get_by_role("button", name=name, exact=True).get_attribute("aria-pressed")
        assert pressed == str(code == language).lower()
    other = ENGLISH if texts is INDONESIAN else INDONESIAN
    # The chat's own texts only (the log also holds what the user and the assistant wrote).
    shown = " ".join(page.locator(selector).first.inner_text() for selector in (".chat__header", "#composer",
                                                                               ".msg--notice"))
    assert not [key for key in ("title", "human", "send", "notice") if other[key] in shown]


def test_an_indonesian_browser_shows_the_chat_in_bahasa_indonesia(browser, webchat_url):  # noqa: F811
    context, page, sent = open_in(browser, webchat_url, "id-ID", INDONESIAN)
    assert page.evaluate("navigator.languages[0]") == "id-ID"
    assert_shows(page, INDONESIAN, "id")
    # Only a choice on the switch is remembered; the browser's language is not stored.
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") is None
    assert uttered(sent) == []  # nothing is sent before the user writes

    # What the chat adds around an answer is Indonesian too (the answer is the assistant's).
    say(page, "what is mirror movement disorder?")
    bot_says(page, "Sources:")
    answer = page.locator(".msg--bot", has_text="Sources:").last
    assert answer.get_attribute("aria-label").startswith("Asisten: ")
    group = page.get_by_role("group", name="Apakah jawaban ini membantu?")
    assert group.count() == 1 and "Apakah ini membantu?" in group.inner_text()
    assert group.get_by_role("button", name="Tidak membantu").get_attribute("title") == "Tidak membantu"
    group.get_by_role("button", name="Membantu", exact=True).click()
    page.get_by_text("Terima kasih atas masukan Anda").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-indonesian.png"), full_page=True)

    # An emergency: the alert's label and its tap-to-call links are Indonesian.
    say(page, "my dad suddenly can't move his arm and his face is drooping")
    alert = page.locator(".msg--emergency").last
    alert.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert alert.get_attribute("data-label") == "Darurat"
    assert alert.evaluate("e => getComputedStyle(e, '::before').content") == '"Darurat"'
    assert alert.locator("a.call").first.get_attribute("aria-label") == "Telepon 112"
    context.close()

    # Malay reads Bahasa Indonesia too.
    context, page, _ = open_in(browser, webchat_url, "ms-MY", INDONESIAN)
    assert page.evaluate("document.documentElement.lang") == "id"
    context.close()


def test_an_english_or_other_browser_shows_the_chat_in_english(browser, webchat_url):  # noqa: F811
    for locale in ("en-US", "fr-FR"):
        context, page, sent = open_in(browser, webchat_url, locale, ENGLISH)
        assert_shows(page, ENGLISH, "en")
        assert uttered(sent) == []
        context.close()


def test_the_switch_translates_the_chat_in_place_tells_the_assistant_and_is_remembered(
        browser, webchat_url, stack):  # noqa: F811
    context, page, sent = open_in(browser, webchat_url, "en-US", ENGLISH)
    say(page, "how common is mmd")
    bot_says(page, "1,000,000")
    page.get_by_role("button", name="Helpful", exact=True).wait_for()
    users_before = page.locator(".msg--user").count()
    sender = session_id(page)

    page.get_by_role("button", name=SWITCH["id"], exact=True).click()
    assert_shows(page, INDONESIAN, "id")
    # What was already in the log follows: feedback buttons, the answer's label.
    assert page.get_by_role("button", name="Membantu", exact=True).is_visible()
    assert page.get_by_role("button", name="Helpful", exact=True).count() == 0
    assert page.locator(".msg--bot", has_text="1,000,000").last.get_attribute("aria-label").startswith("Asisten: ")
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") == "id"

    # The assistant is told; the message is sent, not shown, and not kept in the transcript.
    change = {"message": '/change_language{"language":"id"}', "session_id": sender}
    wait_until(lambda: change in uttered(sent), 10)
    assert page.locator(".msg--user").count() == users_before
    assert "change_language" not in page.locator("#log").inner_text()
    assert "change_language" not in page.evaluate("localStorage.getItem('mmd-assistant-chat')")
    wait_until(lambda: user_texts(stack, sender).count('/change_language{"language":"id"}') == 1)
    # Pressing the language in use again sends nothing.
    page.get_by_role("button", name=SWITCH["id"], exact=True).click()
    assert uttered(sent).count(change) == 1

    # A reload keeps the choice (over the English browser) and the conversation.
    page.reload()
    page.locator("#status", has_text=INDONESIAN["status"]).wait_for(timeout=REPLY_TIMEOUT_MS)
    assert_shows(page, INDONESIAN, "id")
    assert page.get_by_role("button", name="Membantu", exact=True).is_visible()
    assert page.locator(".msg--user", has_text="how common is mmd").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-switched-to-indonesian.png"), full_page=True)

    # The talk-to-a-human button sends its payload under the language's words, with the page's
    # language, so the assistant answers a first button press in it too.
    page.get_by_role("button", name=INDONESIAN["human"], exact=True).click()
    page.locator(".msg--user", has_text=INDONESIAN["human"]).wait_for()
    wait_until(lambda: {"message": '/request_human{"language":"id"}', "session_id": sender} in uttered(sent), 10)

    # And back to English, by keyboard.
    page.get_by_role("button", name=SWITCH["en"], exact=True).focus()
    page.keyboard.press("Enter")
    assert_shows(page, ENGLISH, "en")
    wait_until(lambda: {"message": '/change_language{"language":"en"}', "session_id": sender} in uttered(sent), 10)
    assert page.locator(".msg--user", has_text="change_language").count() == 0
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") == "en"
    context.close()


def user_texts(stack, sender):
    """The user messages Rasa stored for this conversation (the tracker store)."""
    with sqlite3.connect(stack.workdir / "conversations.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]
