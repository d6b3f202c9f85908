"""The analytics page in a real browser (Debian chromium + Playwright) on conversations made
with the real Rasa and action servers: a fallback, an FAQ rated helpful, an emergency and a
symptom report that ends in a booking staff then contact; each shows in the figures and charts."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest

from tests.e2e.chat import Chat, http, texts
from tests.e2e.test_console_browser import book, db_rows, sign_in
from tests.e2e.test_webchat_browser import wait_until

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

EMERGENCY = "my dad suddenly can't move his arm and his face is drooping"


@pytest.fixture(scope="module", autouse=True)
def staff_offline_afterwards(stack):
    """The console marks staff online for live hand-offs: later tests expect nobody online."""
    yield
    db_rows(stack.workdir / "bookings.db", "DELETE FROM staff_presence")


def number(text: str) -> int:
    return int(re.match(r"[\d,]+", text.strip()).group().replace(",", ""))


def rows(page, chart: str) -> dict:
    """A chart's data table (visually hidden, read as a screen reader would): heading -> cells."""
    found = {}
    for row in page.locator(f"#{chart}-data tbody tr").all():
        cells = [cell.text_content().strip() for cell in row.locator("th, td").all()]
        found[cells[0]] = cells[1:]
    return found


def read(page) -> dict:
    page.get_by_role("heading", name="Analytics").wait_for()
    figures = {}
    for item in page.locator("dd[data-figure]").all():
        figures[item.get_attribute("data-figure")] = item.inner_text().split("\n")[0].strip()
    funnel = {label: number(cells[0]) for label, cells in rows(page, "chart-funnel").items()}
    return {"figures": figures, "funnel": funnel, "rates": rows(page, "chart-rates"),
            "intents": {label: number(cells[0]) for label, cells in rows(page, "chart-intents").items()},
            "topics": {label: number(cells[0]) for label, cells in rows(page, "chart-topics").items()},
            "today": rows(page, "chart-conversations")[datetime.now(timezone.utc).date().isoformat()][0]}


def rate_parts(data: dict, label: str):
    """'5.5 % (3 of 55)' -> (3, 55)."""
    part, whole = re.search(r"\(([\d,]+) of ([\d,]+)\)", data["rates"][label][0]).groups()
    return number(part), number(whole)


def test_real_conversations_show_in_the_analytics_figures_and_charts(browser, stack, console_url):  # noqa: F811
    token = uuid.uuid4().hex[:6]
    errors = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text
            else None)
    sign_in(page, console_url)
    page.get_by_role("link", name="Analytics").click()
    start = read(page)

    def fresh() -> dict:
        page.reload()
        return read(page)

    # A message the assistant did not understand: one more conversation, message and fallback.
    # (Words the model classifies nlu_fallback: "blorp wuzzle frandle" plus a hex token can be faq/genes.)
    assert texts(Chat(stack.rasa_url, f"an-fallback-{token}").say("asdf qwerty"))
    after_fallback = fresh()
    assert number(after_fallback["figures"]["conversations"]) == number(start["figures"]["conversations"]) + 1
    assert number(after_fallback["figures"]["messages"]) == number(start["figures"]["messages"]) + 1
    assert rate_parts(after_fallback, "Fallback rate (messages)") == (
        rate_parts(start, "Fallback rate (messages)")[0] + 1, rate_parts(start, "Fallback rate (messages)")[1] + 1)
    assert number(after_fallback["today"]) == number(start["today"]) + 1

    # An FAQ, rated helpful as the web chat does it (a slot event through Rasa's HTTP API).
    faq = f"an-faq-{token}"
    Chat(stack.rasa_url, faq).say("how common is mmd")
    status, _ = http("POST", f"{stack.rasa_url}/conversations/{faq}/tracker/events",
                     {"event": "slot", "name": "answer_feedback", "value": {"helpful": True, "answer": "MMD is rare"}},
                     token=stack.api_token)
    assert status == 200
    after_faq = fresh()
    new_topics = {topic for topic, count in after_faq["topics"].items() if count > start["topics"].get(topic, 0)}
    assert len(new_topics) == 1 and new_topics.pop().startswith("faq/")
    assert after_faq["intents"]["faq"] == start["intents"].get("faq", 0) + 1
    assert rate_parts(after_faq, "Helpful answers") == (rate_parts(start, "Helpful answers")[0] + 1,
                                                        rate_parts(start, "Helpful answers")[1] + 1)

    # An emergency, then a symptom report that ends in a booking (handed to staff).
    assert "emergency" in texts(Chat(stack.rasa_url, f"an-emergency-{token}").say(EMERGENCY)).lower()
    reference = book(stack, f"an-booked-{token}")
    booked = fresh()
    assert number(booked["figures"]["emergency"]) == number(start["figures"]["emergency"]) + 1
    assert number(booked["figures"]["symptom"]) == number(start["figures"]["symptom"]) + 1
    assert number(booked["figures"]["conversations"]) == number(start["figures"]["conversations"]) + 4
    for step in ("Offered a consultation", "Started the booking form", "Completed a booking"):
        assert booked["funnel"][step] >= start["funnel"][step] + 1, step
    assert booked["funnel"]["Completed a booking"] == start["funnel"]["Completed a booking"] + 1
    assert booked["funnel"]["Contacted by staff"] == start["funnel"]["Contacted by staff"]
    handed, conversations = rate_parts(booked, "Hand-off rate (conversations)")
    assert handed >= rate_parts(start, "Hand-off rate (conversations)")[0] + 1  # the booking's hand-off
    assert conversations == rate_parts(start, "Hand-off rate (conversations)")[1] + 4

    # Staff contact the user: the funnel's last step and the time to first contact.
    page.get_by_role("link", name="Consultation queue").click()
    page.get_by_label(f"Status of {reference}").select_option("contacted")
    page.locator(f"form[action='/bookings/{reference}'] button").first.click()
    wait_until(lambda: db_rows(stack.workdir / "bookings.db", "SELECT status FROM bookings WHERE reference = ?",
                               reference) == [("contacted",)])
    page.goto(console_url + "/analytics")
    contacted = read(page)
    assert contacted["funnel"]["Contacted by staff"] == start["funnel"]["Contacted by staff"] + 1
    assert contacted["figures"]["first_contact"] != "—"
    measured = page.locator('dd[data-figure="first_contact"] small').inner_text()
    assert number(measured) >= 1

    # The charts are there for everyone: named images, with the numbers drawn in them.
    for name in ("Conversations per day", "Booking funnel", "Rates", "Top intents", "Top FAQ topics",
                 "Symptom reports and emergencies per day", "Fallback rate per day"):
        assert page.get_by_role("img", name=name, exact=True).is_visible(), name
    funnel_text = page.get_by_role("img", name="Booking funnel", exact=True).text_content()
    assert f"{contacted['funnel']['Completed a booking']:,}" in funnel_text
    today = datetime.now(timezone.utc)
    bars = page.eval_on_selector_all("#chart-conversations rect title", "titles => titles.map(t => t.textContent)")
    assert f"{today.day} {today:%b}: {contacted['today']} conversations" in bars

    # One channel: the REST conversations made here are all on "rest".
    page.get_by_label("Channel", exact=True).select_option("rest")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"channel=rest"))
    rest = read(page)
    assert 4 <= number(rest["figures"]["conversations"]) <= number(contacted["figures"]["conversations"])

    # A wrong date: a message, not an error page.
    page.get_by_label("From", exact=True).fill("2024-05-02")
    page.get_by_label("To", exact=True).fill("2024-05-01")
    page.get_by_role("button", name="Show").click()
    assert "after the end date" in page.get_by_role("alert").inner_text()
    assert errors == []
    context.close()
