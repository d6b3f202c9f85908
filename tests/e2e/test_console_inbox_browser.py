"""The needs-attention inbox in a real browser (Debian chromium + Playwright) on messages from
real conversations with the real Rasa and action servers: staff correct a fallback in two
clicks and confirm an emergency in one, see the counts change, save a conversation as a test
story, and `make training-data` writes the correction."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from tests.e2e.chat import Chat, texts
from tests.e2e.conftest import ADMIN
from tests.e2e.test_console_browser import db_rows, sign_in

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

ROOT = Path(__file__).resolve().parents[2]
EMERGENCY = "my dad suddenly can't move his arm and his face is drooping"


@pytest.fixture(scope="module", autouse=True)
def staff_offline_afterwards(stack):
    """The console marks staff online for live hand-offs: later tests expect nobody online."""
    yield
    db_rows(stack.workdir / "bookings.db", "DELETE FROM staff_presence")


def waiting(page) -> int:
    return int(page.locator("#waiting-count strong").inner_text())


def row_of(page, sender):
    """The inbox row whose conversation link is this sender's."""
    # The link opens the transcript page that starts at the message (?after=<event id>).
    return page.locator("tbody tr").filter(has=page.locator(f'a[href^="/conversations/{sender}?after="]'))


def test_staff_correct_a_fallback_confirm_an_emergency_and_save_a_story(browser, stack, console_url, tmp_path):  # noqa: F811
    token = uuid.uuid4().hex[:6]
    nonsense, emergency = f"nonsense-{token}", f"emergency-{token}"
    # Gibberish is what the model is least sure of, so what it makes of one string can change
    # with training: the first of a few that the assistant says it did not understand is used.
    for number, candidate in enumerate(("blorp wuzzle frandle", "asdf qwerty zxcv", "flibber jab nok",
                                        "xq zzv prrt kee")):
        nonsense, gibberish = f"nonsense-{token}-{number}", f"{candidate} {token}"
        if "not sure" in texts(Chat(stack.rasa_url, nonsense).say(gibberish)):
            break
    else:
        pytest.fail("the assistant claimed to understand every gibberish message")
    assert "emergency" in texts(Chat(stack.rasa_url, emergency).say(EMERGENCY)).lower()

    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, console_url)
    page.get_by_role("link", name="Needs attention").click()
    page.get_by_role("heading", name="Needs attention").wait_for()
    before = waiting(page)

    fallback_row, emergency_row = row_of(page, nonsense), row_of(page, emergency)
    assert gibberish in fallback_row.inner_text()
    reasons = fallback_row.locator(".flag").all_inner_texts()  # what the model made of it decides which
    assert set(reasons) & {"not understood", "low confidence", "close intents", "unsure FAQ topic"}, reasons
    assert "emergency" in emergency_row.inner_text() and "Safety" in emergency_row.inner_text()
    assert emergency_row.get_attribute("class") == "inbox-urgent"
    ids = page.locator("tbody tr").evaluate_all("rows => rows.map(row => row.id)")
    assert ids.index(emergency_row.get_attribute("id")) < ids.index(fallback_row.get_attribute("id"))

    # The row's link opens the transcript page that holds the message (transcripts are paged).
    transcript = context.new_page()
    transcript.goto(console_url + emergency_row.get_by_role(
        "link", name="Open the conversation at this message").get_attribute("href"))
    assert EMERGENCY in transcript.locator("main").inner_text()
    transcript.close()

    # Two clicks: pick the right FAQ topic, then Correct.
    fallback_row.locator("select").select_option("faq/what_is")
    fallback_row.get_by_role("button", name="Correct").click()
    assert "Corrected" in page.locator(".notice").inner_text()
    assert waiting(page) == before + 1
    assert f"{before + 1} to add" in page.locator(".nav-inbox").inner_text()
    assert row_of(page, nonsense).count() == 0

    # One click: the emergency was understood right.
    row_of(page, emergency).get_by_role("button", name="Confirm").click()
    assert waiting(page) == before + 2 and row_of(page, emergency).count() == 0

    page.get_by_role("link", name="Handled").click()
    handled = page.locator("tbody tr", has_text=gibberish)
    assert "corrected: faq/what_is" in handled.inner_text() and f"by {ADMIN}" in handled.inner_text()
    console_db = stack.workdir / "console.db"
    with sqlite3.connect(console_db) as db:
        assert db.execute("SELECT verdict, intent, topic FROM corrections WHERE sender_id = ?",
                          (nonsense,)).fetchall() == [("corrected", "faq", "faq/what_is")]
        assert db.execute("SELECT verdict, intent FROM corrections WHERE sender_id = ?",
                          (emergency,)).fetchall() == [("confirmed", "emergency")]

    # Save the emergency conversation as a test story.
    page.goto(f"{console_url}/conversations/{emergency}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Save as test story").click()
    assert download.value.suggested_filename.startswith("test_conversation_")
    story = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    steps = story["stories"][0]["steps"]
    assert steps[0] == {"user": EMERGENCY, "intent": "emergency"}
    assert {"action": "action_emergency"} in steps and {"action": "action_listen"} not in steps

    # make training-data writes the correction (the emergency is already an example: skipped or written).
    output = tmp_path / "staff_corrections.yml"
    completed = subprocess.run([sys.executable, "scripts/training_data.py", "--output", str(output)], cwd=ROOT,
                               env={**os.environ, "CONSOLE_DB_URL": f"sqlite:///{console_db}",
                                    "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    blocks = {block["intent"]: block["examples"] for block in yaml.safe_load(output.read_text())["nlu"]}
    assert f"- {gibberish}\n" in blocks["faq/what_is"]
    page.goto(f"{console_url}/inbox")
    assert waiting(page) == 0
    context.close()
