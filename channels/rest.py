"""The REST channel with its input checked: a malformed request gets a 400, never a 500.

Rasa 3.6's RestInput reads `request.json.get(...)` and fails with a 500 on a body that is
not a JSON object, a missing sender or a non-text message. Same URL: /webhooks/rest/webhook.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

MAX_SENDER_LENGTH = 255  # the tracker store's sender_id column


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

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
        channel = self._body(req).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()
