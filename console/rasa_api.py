"""The one HTTP helper to Rasa's HTTP API: token on every call, a timeout on every call."""
from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)
AGENT_NAME = "The care team"  # the agent_name slot's initial value in domain/


def agent_name(first_name: str) -> str:
    """How users see a staff member's replies: "Ana from the care team"."""
    return f"{first_name} from the care team" if first_name else AGENT_NAME


def one_message(text: str) -> str:
    """The reply with blank lines closed up and surrounding space trimmed.

    "0[" becomes "0 [": Rasa's response interpolation takes a filled text that contains "0["
    for an unfilled placeholder and would send the raw template instead of the reply.
    """
    text = re.sub(r"\n\s*\n", "\n", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text.replace("0[", "0 [")


class RasaApiError(RuntimeError):
    """Rasa could not be reached or refused the call; `notice` is its code in console.notices."""

    def __init__(self, message: str, notice: str) -> None:
        super().__init__(message)
        self.notice = notice


class RasaApi:
    def __init__(self, base_url: str, token: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout_seconds

    @property
    def configured(self) -> bool:
        return bool(self.token)

    def _call(self, path: str, body: Any, params: Optional[Dict[str, str]] = None) -> Any:
        if not self.token:
            raise RasaApiError("Rasa's HTTP API is off", "rasa-off")
        query = urllib.parse.urlencode({**(params or {}), "token": self.token})
        request = urllib.request.Request(
            f"{self.base_url}{path}?{query}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            logger.error("rasa api path=%s status=%s", path.split("/")[-1], error.code)
            raise RasaApiError(f"Rasa refused the request ({error.code})", "rasa-refused") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            logger.error("rasa api path=%s error=%s", path.split("/")[-1], type(error).__name__)
            raise RasaApiError("Rasa did not answer in time", "rasa-unreachable") from error

    def _conversation(self, sender_id: str) -> str:
        return "/conversations/" + urllib.parse.quote(sender_id, safe="")

    def append_events(self, sender_id: str, events: Any) -> Any:
        return self._call(self._conversation(sender_id) + "/tracker/events", events,
                          {"include_events": "NONE"})

    def say(self, sender_id: str, response: str) -> Any:
        """Runs a response action, sends it to the user's latest channel, then listens.

        /execute runs the action only; without the action_listen that a normal turn ends
        with, the next user message would not match the assistant's rules.
        """
        result = self._call(self._conversation(sender_id) + "/execute", {"name": response},
                            {"output_channel": "latest", "include_events": "NONE"})
        self.append_events(sender_id, {"event": "action", "name": "action_listen"})
        return result

    def take_over(self, sender_id: str, agent_name: str = AGENT_NAME) -> None:
        """Tells the user, stops any form (its answers are kept) and pauses the bot.

        A form left active would take what the user tells the agent as form answers and,
        after the hand-back, swallow the user's next question.
        """
        # Who took over, in the conversation itself (the transcript says "Ana from the care
        # team took over the chat"); the next replies carry it too.
        self.append_events(sender_id, {"event": "slot", "name": "agent_name", "value": agent_name})
        self.say(sender_id, "utter_agent_joined")
        self.append_events(sender_id, [
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "pause"},
        ])

    def send_agent_message(self, sender_id: str, text: str, agent_name: str = AGENT_NAME) -> None:
        """Sends a staff member's reply as "<agent_name>: <text>" (utter_agent_message) to the
        user's latest channel; agent_name is what users see, e.g. "Ana from the care team".

        Blank lines are closed up: the socket.io channel sends each paragraph as its own
        message, and a reply must reach the user as one message under one name.
        """
        self.append_events(sender_id, [
            {"event": "slot", "name": "agent_name", "value": agent_name},
            {"event": "slot", "name": "agent_message", "value": one_message(text)},
        ])
        self.say(sender_id, "utter_agent_message")

    def hand_back(self, sender_id: str, booking_in_progress: bool = True) -> None:
        """Resumes the bot and tells the user; "Continue a booking" only when one was started."""
        self.append_events(sender_id, {"event": "resume"})
        self.say(sender_id, "utter_agent_left" if booking_in_progress else "utter_agent_left_no_booking")
