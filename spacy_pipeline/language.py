"""Rasa NLU component: each message's language, and requests to change it.

Runs last, after the safety net. It adds the entity `language` (`en` or `id`) when the
message's language is clear (common/language.py); the `language` slot is filled from it, so
the conversation keeps its language through messages that do not say ("7", "ok", a name).
The safety net's own `language` entity (Bahasa red-flag or crisis words in an otherwise
unclear message) is kept. Safety intents are never changed. Otherwise:
- an explicit request to switch ("English please", "pakai bahasa Indonesia") becomes
  `change_language`, with the requested language as its `language` entity;
- a message in another language becomes `unsupported_language`: the reply says, in English
  and Bahasa Indonesia, which languages the assistant speaks.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from common.language import LANGUAGES, OTHER, detect, is_switch_request, requested_language
from spacy_pipeline.intents import CRISIS, EMERGENCY, RED_FLAG_CONTEXT, set_intent

CHANGE_LANGUAGE = "change_language"
UNSUPPORTED_LANGUAGE = "unsupported_language"
NEVER_OVERRIDDEN = (CRISIS, EMERGENCY, RED_FLAG_CONTEXT)
EXTRACTOR = "LanguageDetector"


def read_language(text: str, predicted: Optional[str]) -> Dict[str, Optional[str]]:
    """{"intent": the intent to set or None, "language": the language entity or None}."""
    if predicted in NEVER_OVERRIDDEN:
        language = detect(text)
        return {"intent": None, "language": language if language in LANGUAGES else None}
    if predicted == CHANGE_LANGUAGE or is_switch_request(text):
        return {"intent": CHANGE_LANGUAGE, "language": requested_language(text)}
    language = detect(text)
    if language == OTHER:
        return {"intent": UNSUPPORTED_LANGUAGE, "language": None}
    return {"intent": None, "language": language}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            predicted = (message.get("intent") or {}).get("name")
            found = read_language(message.get("text") or "", predicted)
            if found["intent"] and found["intent"] != predicted:
                set_intent(message, found["intent"])
            entities = list(message.get("entities", []))
            if found["language"] and not any(e.get("entity") == "language" for e in entities):
                entities.append({"entity": "language", "value": found["language"], "start": 0, "end": 0,
                                 "extractor": EXTRACTOR})
                message.set("entities", entities, add_to_output=True)
        return messages
