"""Rasa's callback channel for the app's backend, with the REST channel's checks.

The app's backend posts a user's message to /webhooks/callback/webhook ({"sender",
"message"}) and gets "success" at once; every reply, including the ones a staff member sends
while taking the chat over, is POSTed to CALLBACK_URL as Rasa's message JSON ({"recipient_id",
"text", "buttons"...}). Use it instead of the REST channel when the app must receive messages
it did not ask for (staff replies, a reply after a slow action); the REST channel answers only
in the HTTP response of the user's own message.

Same checks as channels.rest: a body that is not a JSON object, a missing sender or a non-text
message gets a 400; with REST_CHANNEL_SECRET set a POST needs `Authorization: Bearer
<secret>`; the channel recorded is always "callback". A callback that fails (down, slow,
refused) is logged without the message text and never fails the user's turn.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.callback import CallbackOutput
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint, response
from sanic.request import Request

from channels.rest import ValidatingRestInput

logger = logging.getLogger(__name__)


class SafeCallbackOutput(CallbackOutput):
    async def _persist_message(self, message: Dict[str, Any]) -> None:
        try:
            await super()._persist_message(message)
        except Exception as error:  # noqa: BLE001 - any failure of the app's URL: log, go on
            logger.error("callback not delivered error=%s", type(error).__name__)


class SecuredCallbackInput(ValidatingRestInput):
    def __init__(self, endpoint: EndpointConfig, secret: Optional[str] = None) -> None:
        super().__init__(secret)
        self.callback_endpoint = endpoint

    @classmethod
    def name(cls) -> str:
        return "callback"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(EndpointConfig.from_dict(credentials or {}))

    def get_output_channel(self) -> CollectingOutputChannel:
        return SafeCallbackOutput(self.callback_endpoint)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        callback_webhook = self.require_secret(Blueprint("callback_webhook", __name__))

        @callback_webhook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @callback_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request):
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            await on_new_message(UserMessage(text, self.get_output_channel(), sender_id,
                                             input_channel=self.name()))
            return response.text("success")

        return callback_webhook
