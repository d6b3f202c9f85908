"""Messaging channels: credentials from the environment, buttons as numbered text."""
from __future__ import annotations

import sys
from pathlib import Path

from channels.numbered_choices import ChoiceMemory, render_numbered

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import credentials  # noqa: E402

BUTTONS = [{"title": "Book a consultation", "payload": "/request_consultation"},
           {"title": "When to see a doctor", "payload": "When should we see a doctor?"}]


def test_only_rest_and_socketio_without_channel_variables():
    assert set(credentials.build_credentials({})) == {"channels.rest.ValidatingRestInput",
                                                           "channels.socketio_origin.OriginCheckedSocketIOInput"}


def test_a_channel_is_enabled_only_when_all_its_required_variables_are_set():
    env = {"TELEGRAM_ACCESS_TOKEN": "t", "TELEGRAM_BOT_NAME": "mmd_bot",
           "TELEGRAM_WEBHOOK_URL": "https://example.org/webhooks/telegram/webhook",
           "SLACK_TOKEN": "xoxb-1"}  # Slack lacks its signing secret
    built = credentials.build_credentials(env)
    assert built["telegram"] == {"access_token": "t", "verify": "mmd_bot",
                                 "webhook_url": "https://example.org/webhooks/telegram/webhook"}
    assert "slack" not in built


def test_twilio_uses_the_numbered_choices_channel():
    env = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "secret", "TWILIO_NUMBER": "whatsapp:+15550001"}
    built = credentials.build_credentials(env)
    assert built["channels.numbered_twilio.NumberedTwilioInput"]["twilio_number"] == "whatsapp:+15550001"


def test_committed_credentials_hold_no_secrets():
    text = (Path(__file__).resolve().parents[2] / "credentials.yml").read_text()
    for word in ("token", "secret", "password", "sid"):
        assert f"{word}:" not in text.lower()


def test_buttons_become_numbered_lines():
    text = render_numbered("Would you like to book?", BUTTONS)
    assert "1. Book a consultation" in text and "2. When to see a doctor" in text
    assert "/request_consultation" not in text


def test_a_number_reply_becomes_the_button_payload_once():
    memory = ChoiceMemory()
    memory.remember("+4470000", BUTTONS)
    assert memory.resolve("+4470000", " 1 ") == "/request_consultation"
    assert memory.resolve("+4470000", "1") == "1"  # spent: a later "1" is just text


def test_other_replies_and_other_users_pass_through():
    memory = ChoiceMemory()
    memory.remember("a", BUTTONS)
    assert memory.resolve("a", "3") == "3"
    assert memory.resolve("a", "my son is 7") == "my son is 7"
    assert memory.resolve("b", "1") == "1"


def test_memory_is_bounded():
    memory = ChoiceMemory(capacity=2)
    for user in ("a", "b", "c"):
        memory.remember(user, BUTTONS)
    assert memory.resolve("a", "1") == "1"
    assert memory.resolve("c", "1") == "/request_consultation"
