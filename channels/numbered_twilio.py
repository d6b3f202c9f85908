"""Twilio (SMS and WhatsApp) with buttons degraded to numbered choices."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint

from channels.numbered_choices import ChoiceMemory, render_numbered


class NumberedTwilioOutput(TwilioOutput):
    def __init__(self, account_sid: Optional[str], auth_token: Optional[str],
                 twilio_number: Optional[str], memory: ChoiceMemory) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.memory = memory

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        self.memory.remember(recipient_id, buttons)
        await self.send_text_message(recipient_id, render_numbered(text, buttons))


class NumberedTwilioInput(TwilioInput):
    """Credentials key: `channels.numbered_twilio.NumberedTwilioInput` (same fields as twilio)."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            debug_mode=False,  # a failing message is logged, never answered with a 500
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memory = ChoiceMemory()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def resolve_numbered_reply(message: UserMessage) -> Any:
            message.text = self.memory.resolve(message.sender_id, message.text)
            return await on_new_message(message)

        return super().blueprint(resolve_numbered_reply)

    def get_output_channel(self) -> NumberedTwilioOutput:
        return NumberedTwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.memory)
