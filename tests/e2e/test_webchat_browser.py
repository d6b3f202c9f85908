"""The in-app web chat in a real browser (Debian chromium driven by Playwright) against the
real Rasa server and action server. Screenshots land in results/webchat/."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "results" / "webchat"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Debian's /usr/bin/chromium is a shell launcher whose /etc/chromium.d/dev-shm check prints
# "[: …: unexpected operator" into the test output; the binary behind it is started
# directly, with the one flag that check would add.
CHROMIUM_BINARY = Path("/usr/lib/chromium/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
REPLY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: `make test` installs Debian's chromium")
    with sync_api.sync_playwright() as playwright:
        direct = CHROMIUM == "/usr/bin/chromium" and CHROMIUM_BINARY.exists()
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_BINARY) if direct else CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def open_chat(browser, url, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("text=Online", timeout=REPLY_TIMEOUT_MS)
    return context, page


def say(page, text):
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def bot_says(page, text):
    page.locator(".msg--bot", has_text=text).last.wait_for(timeout=REPLY_TIMEOUT_MS)


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def session_id(page):
    return page.evaluate("JSON.parse(localStorage.getItem('mmd-assistant-chat')).sessionId")


def test_a_whole_conversation_on_a_phone_ends_in_a_booking_and_survives_a_reload(browser, webchat_url, stack):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = open_chat(browser, webchat_url, PHONE)
    assert page.locator(".msg--notice", has_text="cannot diagnose").is_visible()
    assert page.get_by_role("button", name="Talk to a human").is_visible()

    say(page, "what is mirror movement disorder?")
    bot_says(page, "Sources:")
    assert page.locator("#typing").is_hidden()
    say(page, "my son's left hand copies his right hand when he writes")
    bot_says(page, "can't diagnose")
    page.get_by_role("button", name="Book a consultation").click()
    bot_says(page, "Who is the consultation for?")
    page.get_by_role("button", name="My child").click()
    bot_says(page, "How old")
    say(page, "7")
    bot_says(page, "What is your name?")
    say(page, "Sam Jones")
    bot_says(page, "email address or a phone number")
    say(page, "sam@example.com")
    bot_says(page, "days or times")
    say(page, "weekday mornings")
    bot_says(page, "share this conversation")
    page.get_by_role("button", name="Yes, share it").click()
    bot_says(page, "Please check your request")
    assert page.locator(".msg--bot", has_text="• For: your child").is_visible()
    page.screenshot(path=str(SHOTS / "phone-summary.png"), full_page=True)
    page.get_by_role("button", name="Yes, send it").click()
    bot_says(page, "Your reference is MMD-")
    page.screenshot(path=str(SHOTS / "phone-booked.png"), full_page=True)

    sender = session_id(page)
    with sqlite3.connect(stack.workdir / "bookings.db") as db:
        rows = db.execute("SELECT reference, consult_for, patient_age FROM bookings WHERE sender_id = ?",
                          (sender,)).fetchall()
    assert len(rows) == 1 and rows[0][1:] == ("child", 7)
    assert rows[0][0] in page.locator(".msg--bot").last.inner_text()

    page.reload()
    page.wait_for_selector("text=Online", timeout=REPLY_TIMEOUT_MS)
    assert page.locator(".msg--bot", has_text=rows[0][0]).is_visible()
    assert page.locator(".msg--user", has_text="Sam Jones").is_visible()
    say(page, "thank you")
    bot_says(page, "You're welcome")
    context.close()


def test_desktop_keyboard_only_use_and_typed_html_shows_as_text(browser, webchat_url):
    context, page = open_chat(browser, webchat_url, DESKTOP)
    page.keyboard.press("Tab")  # the header's "Talk to a human" is first in the tab order
    assert page.evaluate("document.activeElement.id") == "talk-to-human"
    page.keyboard.press("Enter")
    # No staff member is online in the test stack: the assistant says so and offers a booking.
    bot_says(page, "care team isn't online")
    page.get_by_role("button", name="Yes, book a consultation").focus()
    page.keyboard.press("Enter")
    bot_says(page, "Who is the consultation for?")
    page.get_by_role("button", name="Me", exact=True).focus()
    page.keyboard.press("Enter")
    bot_says(page, "How old")
    asked = page.locator(".msg--bot").count()
    say(page, "<img src=x onerror=alert(1)>")
    page.locator(".msg--user", has_text="<img src=x onerror=alert(1)>").wait_for()
    assert page.locator(".chat__log img").count() == 0
    # Not an age: the form answers politely and asks for the age again.
    bots = page.locator(".msg--bot")
    wait_until(lambda: bots.count() > asked + 1 and "How old" in bots.last.inner_text())
    assert "what have you noticed" not in page.locator(".chat__log").inner_text()
    page.screenshot(path=str(SHOTS / "desktop.png"), full_page=True)
    context.close()


def test_an_emergency_in_the_booking_is_an_alert_with_tap_to_call_and_no_continue_button(browser, webchat_url):
    context, page = open_chat(browser, webchat_url, PHONE)
    say(page, "I want to book a consultation")
    bot_says(page, "Who is the consultation for?")
    say(page, "my dad")
    bot_says(page, "How old")
    say(page, "my dad's face is drooping and he can't talk properly")
    alert = page.locator(".msg--emergency")
    alert.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert alert.get_attribute("role") == "alert"
    assert "emergency number" in alert.inner_text()
    calls = alert.locator("a.call")
    assert calls.count() >= 3
    assert calls.first.get_attribute("href") == "tel:112"
    bot_says(page, "paused")
    assert page.get_by_role("button", name="Continue the booking").count() == 0
    assert page.locator(".msg--bot", has_text="How old").count() == 1
    page.screenshot(path=str(SHOTS / "phone-emergency.png"), full_page=True)
    context.close()


def test_the_chat_reconnects_after_a_rasa_restart_and_keeps_the_history(browser, webchat_url, stack):
    context, page = open_chat(browser, webchat_url, PHONE)
    say(page, "how common is mmd")
    bot_says(page, "1,000,000")
    stack.stop_rasa()
    wait_until(lambda: page.locator("#status").inner_text() != "Online")
    # Typed while the server is down: kept, shown as waiting, delivered after the reconnect.
    say(page, "is it contagious?")
    assert page.locator("#typing").is_visible()
    stack.start_rasa()
    page.wait_for_selector("text=Online", timeout=60_000)
    bot_says(page, "not infectious")
    assert page.locator("#typing").is_hidden()
    assert page.locator(".msg--bot", has_text="1,000,000").is_visible()
    context.close()
