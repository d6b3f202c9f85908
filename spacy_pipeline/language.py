"""Rasa NLU component: each message's language, and requests to change it.

Runs last, after the safety net. It adds the entity `language` (`en` or `id`) when the
message's language is clear (common/language.py), and `message_language` (`en`, `id` or
`other`, for the staff console); the `language` slot is filled from the first, so
the conversation keeps its language through messages that do not say ("7", "ok", a name).
The safety net's own `language` entity (Bahasa red-flag or crisis words) is kept only when
the message's language is unclear. Safety intents are never changed. Otherwise:
- an explicit request to switch ("English please", "pakai bahasa Indonesia") becomes
  `change_language`, with the requested language as its `language` entity;
- a message in another language becomes `unsupported_language`: the reply says, in English
  and Bahasa Indonesia, which languages the assistant speaks.
"""
from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from common.language import read_language
from spacy_pipeline.intents import set_intent

EXTRACTOR = "LanguageDetector"


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
            found = read_language(message.get("text") or "", predicted, message.get("intent_ranking"))
            if found["intent"] and found["intent"] != predicted:
                set_intent(message, found["intent"])
            entities = list(message.get("entities", []))
            added = []
            if found["language"]:
                # A language the message clearly is written in wins over the safety net's guess
                # from Bahasa alarm words ("could it be a stroke?" is English; "stroke" is a
                # Bahasa red-flag word too): the net's entity only decides unclear messages.
                entities = [e for e in entities if e.get("entity") != "language"]
                added.append(("language", found["language"]))
            if found["written_in"]:
                # The message's own language, other languages included, for the staff console.
                added.append(("message_language", found["written_in"]))
            if added:
                entities += [{"entity": name, "value": value, "start": 0, "end": 0, "extractor": EXTRACTOR}
                             for name, value in added]
                message.set("entities", entities, add_to_output=True)
        return messages
