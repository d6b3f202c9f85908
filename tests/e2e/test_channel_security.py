"""The real Rasa server's REST and socket.io channels refuse callers they should not trust."""
from __future__ import annotations

import urllib.error
import urllib.request

from tests.e2e.chat import Chat, texts


def _status(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_rest_channel_needs_the_shared_secret(stack):
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = b'{"sender": "intruder", "message": "hi"}'
    assert _status(url, body) == 401
    assert _status(url, body, {"Authorization": "Bearer not-the-secret"}) == 401
    assert "not a diagnosis" in texts(Chat(stack.rasa_url, "with-secret").say("hi"))  # sends the secret


def test_socketio_refuses_other_web_origins(stack):
    url = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert _status(url, headers={"Origin": stack.webchat_url}) == 200
    assert _status(url, headers={"Origin": "https://evil.example"}) == 400
