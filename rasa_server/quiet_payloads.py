"""Button payloads like `/inform{"consult_for": "child"}` are not response templates.

Rasa 3.6 interpolates slot values into every string of a response, button payloads
included. A payload's entity JSON looks like a `{placeholder}` to it, so every time the
form asks who the consultation is for, Rasa logged an ERROR with a traceback whose locals
held every slot value: the user's own words (their symptom description) in the logs,
above DEBUG. The text it returned was the payload unchanged.

Intent payloads whose braces hold valid JSON are now returned unchanged without trying,
which is what Rasa returned after its error; everything else is interpolated as before.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict

from rasa_server.patching import replaces

INTENT_PAYLOAD_WITH_ENTITIES = re.compile(r"/[^\s{}]+(\{.*\})", re.DOTALL)


def is_intent_payload_with_entities(text: Any) -> bool:
    if not isinstance(text, str) or not text.startswith("/"):
        return False
    match = INTENT_PAYLOAD_WITH_ENTITIES.fullmatch(text)
    if match is None:
        return False
    try:
        return isinstance(json.loads(match.group(1)), dict)
    except ValueError:
        return False


def install() -> None:
    from rasa.core.nlg import interpolator

    original = interpolator.interpolate_text

    @replaces(interpolator, "interpolate_text")
    def interpolate_text(response: str, values: Dict[str, Any]) -> str:
        if is_intent_payload_with_entities(response):
            return response
        return original(response, values)
