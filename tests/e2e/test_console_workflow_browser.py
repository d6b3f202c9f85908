"""Staff working the queue, managing accounts and reading lists on a phone, in chromium, on
data made by real conversations with the real Rasa and action servers."""
from __future__ import annotations

# ruff: noqa: F811 - the shared browser fixture is imported, then named as a test argument
import pytest

from tests.e2e.chat import Chat, unique_suffix
from tests.e2e.test_console_browser import book, db_rows, sign_in

pytest.importorskip("playwright.sync_api")
from tests.e2e.test_webchat_browser import browser  # noqa: E402,F401 - the shared browser fixture

AGENT, AGENT_PASSWORD = "ana.workflow", "a-long-agent-password"


def test_staff_find_assign_and_work_a_request_and_admins_manage_accounts(browser, stack, console_url):
    reference = book(stack, f"workflow-{unique_suffix()}")
    other = book(stack, f"workflow-{unique_suffix()}")
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(admin, console_url)

    # An admin creates a colleague; users will see her first name on her replies.
    admin.get_by_role("link", name="Staff").click()
    admin.get_by_label("Username").fill(AGENT)
    admin.get_by_label("First name users see").fill("Ana")
    admin.get_by_label("Password (12 characters or more)").fill(AGENT_PASSWORD)
    admin.get_by_role("button", name="Create account").click()
    assert "Account created" in admin.get_by_role("status").inner_text()
    assert "Ana from the care team" in admin.locator(f"[id='staff-{AGENT}']").inner_text()

    # The queue: search by reference, assign to Ana, keep the filtered view after saving.
    admin.get_by_role("link", name="Consultation queue").click()
    admin.get_by_label("Search", exact=True).fill(reference.lower())
    admin.get_by_role("button", name="Show").click()
    assert admin.locator(f"#booking-{reference}").is_visible()
    assert admin.locator(f"#booking-{other}").count() == 0
    admin.get_by_label(f"Assign {reference} to").select_option(AGENT)
    admin.get_by_label(f"Note on {reference}").fill("Ana calls tomorrow")
    admin.locator(f"form[action='/bookings/{reference}'] button").click()
    admin.locator(f"#booking-{reference}", has_text="Ana calls tomorrow").wait_for()
    assert "q=" in admin.url and admin.locator(f"#booking-{other}").count() == 0
    assert AGENT in admin.locator(f"#booking-{reference} td[data-label='Assigned to']").inner_text()

    # Ana signs in and sees her request under "Assigned to: ana.workflow".
    ana = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    ana.goto(console_url + "/")
    ana.get_by_label("Username").fill(AGENT)
    ana.get_by_label("Password").fill(AGENT_PASSWORD)
    ana.get_by_role("button", name="Sign in").click()
    ana.goto(console_url + "/bookings")
    ana.locator("select[name=assigned]").select_option(AGENT)
    ana.get_by_role("button", name="Show").click()
    assert ana.locator(f"#booking-{reference}").is_visible() and ana.locator(f"#booking-{other}").count() == 0
    assert ana.get_by_role("link", name="Staff").count() == 0  # agents do not manage accounts

    # The admin deactivates Ana: her next click goes to the sign-in page.
    admin.get_by_role("link", name="Staff").click()
    admin.get_by_role("button", name=f"Deactivate {AGENT}").click()
    assert "deactivated" in admin.get_by_role("status").inner_text()
    ana.reload()
    ana.get_by_role("heading", name="Sign in").wait_for()
    audit = db_rows(stack.workdir / "console.db", "SELECT action FROM audit_log WHERE detail LIKE ?", f"%{AGENT}%")
    assert {("staff_create",), ("staff_deactivate",)} <= set(audit)


def test_a_transcript_shows_the_pressed_button_and_links_to_the_request(browser, stack, console_url):
    sender = f"pressed-{unique_suffix()}"
    reference = book(stack, sender)  # pressed "/request_consultation" and "/affirm" buttons
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, console_url)
    page.goto(f"{console_url}/conversations/{sender}")
    turns = page.locator(".turns").inner_text()
    assert "[pressed “" in turns and "\n/request_consultation" not in turns
    assert "action: " in turns
    page.get_by_role("link", name="Hide actions and slots").click()
    assert "action: " not in page.locator(".turns").inner_text()
    page.get_by_role("link", name=reference).click()
    assert page.locator(f"#booking-{reference}").is_visible()
    page.locator(f"#booking-{reference}").get_by_role("link", name="Conversation").click()
    assert sender in page.locator("h1").inner_text()


def test_lists_are_usable_on_a_phone(browser, stack, console_url):
    Chat(stack.rasa_url, f"phone-{unique_suffix()}").say("what causes mirror movements?")
    book(stack, f"phone-{unique_suffix()}")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, console_url)
    for path in ("/", "/bookings"):
        page.goto(console_url + path)
        page.locator("table.list tbody tr").first.wait_for()
        # No sideways scrolling: each row is a card whose cells carry their column's name.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 2, path
        label = page.evaluate("getComputedStyle(document.querySelector('table.list td[data-label]'), "
                              "'::before').content")
        assert label.strip('"').endswith(": "), (path, label)
    page.goto(console_url + "/?intent=faq/causes")
    assert "what causes mirror movements?" in page.locator("table.list").inner_text()


def test_tags_in_any_case_bad_dates_and_signing_a_colleague_out_everywhere(browser, stack, console_url):
    sender = f"tagged-{unique_suffix()}"
    Chat(stack.rasa_url, sender).say("is mirror movement disorder inherited?")
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(admin, console_url)
    admin.goto(f"{console_url}/conversations/{sender}")
    admin.get_by_label("New tag").fill("Follow  Up")
    admin.get_by_role("button", name="Add tag").click()
    admin.goto(console_url + "/")
    admin.get_by_label("Tag").fill("FOLLOW UP")
    admin.get_by_label("From").fill("2026-11-01")
    admin.get_by_role("button", name="Filter").click()
    assert admin.get_by_role("link", name=sender).is_visible()
    admin.goto(console_url + "/?from=2026-02-31")
    assert "'2026-02-31' is not a date" in admin.get_by_role("alert").inner_text()

    admin.get_by_role("link", name="Staff").click()
    admin.get_by_label("Username").fill("sam.everywhere")
    admin.get_by_label("First name users see").fill("Sam")
    admin.get_by_label("Password (12 characters or more)").fill(AGENT_PASSWORD)
    admin.get_by_role("button", name="Create account").click()
    colleague = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    colleague.goto(console_url + "/")
    colleague.get_by_label("Username").fill("sam.everywhere")
    colleague.get_by_label("Password").fill(AGENT_PASSWORD)
    colleague.get_by_role("button", name="Sign in").click()
    colleague.get_by_role("heading", name="Conversations").wait_for()
    admin.get_by_role("button", name="Sign out sam.everywhere everywhere").click()
    assert "All sessions of the account ended." in admin.get_by_role("status").inner_text()
    colleague.reload()
    colleague.get_by_role("heading", name="Sign in").wait_for()
