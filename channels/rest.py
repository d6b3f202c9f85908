"""The REST channel with its input checked and, when REST_CHANNEL_SECRET is set, its callers.

Rasa 3.6's RestInput reads `request.json.get(...)` and fails with a 500 on a body that is
not a JSON object, a missing sender or a non-text message: those get a 400 here. Anyone who
could reach it could also write into any conversation and set its channel: with
REST_CHANNEL_SECRET set, a POST needs `Authorization: Bearer <secret>` (else 401), and the
channel recorded is always "rest", whatever the body says. Same URL: /webhooks/rest/webhook.
"""
from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

MAX_SENDER_LENGTH = 255  # the tracker store's sender_id column
SECRET_VARIABLE = "REST_CHANNEL_SECRET"


class ValidatingRestInput(RestInput):
    def __init__(self, secret: Optional[str] = None) -> None:
        # Read at start-up from the environment, never from credentials.yml (committed).
        self.secret = os.environ.get(SECRET_VARIABLE, "") if secret is None else secret

    @classmethod
    def name(cls) -> str:
        return "rest"

    def authorized(self, req: Request) -> bool:
        if not self.secret:
            return True
        scheme, _, given = (req.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.secret.encode())

    def require_secret(self, blueprint: Blueprint) -> Blueprint:
        """Refuses POSTs without the secret (401) on `blueprint`; this channel's and the callback's."""
        @blueprint.middleware("request")
        async def check_secret(req: Request):
            if req.method == "POST" and not self.authorized(req):
                return response.json(
                    {"error": "unauthorized",
                     "message": "This endpoint needs the header 'Authorization: Bearer <REST channel secret>'."},
                    status=401, headers={"WWW-Authenticate": "Bearer"})
            return None

        return blueprint

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return self.require_secret(super().blueprint(on_new_message))

    @staticmethod
    def _body(req: Request) -> Dict[str, Any]:
        body = req.json  # malformed JSON already raises InvalidUsage (400)
        if not isinstance(body, dict):
            raise InvalidUsage("The body must be a JSON object with 'sender' and 'message'.")
        return body

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = self._body(req).get("sender")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
            raise InvalidUsage(f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} characters.")
        return sender

    def _extract_message(self, req: Request) -> Optional[str]:
        message = self._body(req).get("message")
        if message is None:
            return ""
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string.")
        return message

    def _extract_input_channel(self, req: Request) -> str:
        # Never the body's "input_channel": a caller could make a REST message look like
        # Twilio or the web chat, and staff replies would go to that channel.
        return self.name()
