"""A REST-channel client that talks to the running Rasa server as a user would."""
from __future__ import annotations

import json
import secrets
import string
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional

from tests.e2e.servers import REST_SECRET

TIMEOUT_SECONDS = 60


def http(method: str, url: str, body: Optional[Any] = None, token: Optional[str] = None):
    """Returns (status, parsed JSON or text); never raises on an HTTP error status.

    Calls to the REST channel carry the test stacks' shared secret, as the app's backend would.
    """
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    if token:
        url += ("&" if "?" in url else "?") + f"token={token}"
    headers = {"Content-Type": "application/json"}
    if "/webhooks/rest/" in url:
        headers["Authorization"] = f"Bearer {REST_SECRET}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class Chat:
    def __init__(self, rasa_url: str, sender: str) -> None:
        self.rasa_url = rasa_url
        self.sender = sender

    def say(self, message: str) -> List[Dict[str, Any]]:
        status, replies = http("POST", f"{self.rasa_url}/webhooks/rest/webhook",
                               {"sender": self.sender, "message": message})
        assert status == 200, (status, replies)
        return replies


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def payloads(replies: List[Dict[str, Any]]) -> List[str]:
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def unique_suffix(length: int = 8) -> str:
    """Letters only: a random hex suffix of eight digits ("booked-00894261") reads as a phone
    number, and exports rightly show that conversation under a pseudonym (a CI run failed so)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(length))
