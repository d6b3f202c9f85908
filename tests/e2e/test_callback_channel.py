"""The callback channel for the app's backend: a message in, the replies POSTed to the app's
URL, staff replies during a take-over too; the REST channel's checks hold."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from console.rasa_api import RasaApi
from tests.e2e.servers import REST_SECRET
from tests.e2e.test_webchat_browser import wait_until

WEBHOOK = "/webhooks/callback/webhook"


def post(stack, body, secret=REST_SECRET):
    request = urllib.request.Request(stack.rasa_url + WEBHOOK, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {secret}"} if secret else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_app_backend_gets_the_assistants_and_the_staff_members_replies(stack, callback_receiver):
    sender = f"app-{uuid.uuid4().hex[:8]}"
    assert post(stack, {"sender": sender, "message": "how common is mmd?"}) == (200, "success")
    wait_until(lambda: any("1,000,000" in text for text in callback_receiver.texts_for(sender)))

    rasa = RasaApi(stack.rasa_url, stack.api_token, 30)
    rasa.take_over(sender)
    rasa.send_agent_message(sender, "Hello, I can help with that.", "Ana from the care team")
    wait_until(lambda: "Ana from the care team: Hello, I can help with that." in callback_receiver.texts_for(sender))
    assert any("has joined the chat" in text for text in callback_receiver.texts_for(sender))
    rasa.hand_back(sender)


def test_the_callback_channel_checks_its_callers_and_its_input(stack, callback_receiver):
    sender = f"app-{uuid.uuid4().hex[:8]}"
    assert post(stack, {"sender": sender, "message": "hello"}, secret=None)[0] == 401
    assert post(stack, {"sender": sender, "message": "hello"}, secret="wrong")[0] == 401
    assert post(stack, ["not", "an", "object"])[0] == 400
    assert post(stack, {"message": "no sender"})[0] == 400
    assert post(stack, {"sender": sender, "message": {"text": "not text"}})[0] == 400
    assert callback_receiver.texts_for(sender) == []
