"""Rasa NLU component: a rule-based safety net after the intent classifiers.

"Whenever symptoms are reported" is a safety requirement, so it does not rest on DIET alone.
After DIET, the ResponseSelector and the FallbackClassifier, this component reads the spaCy
pipeline's rule entities and:
- turns any message with red-flag language into `emergency` (emergency beats everything);
- turns a missed symptom report (e.g. classified as an FAQ, out_of_scope or nlu_fallback)
  into `report_symptom`, so the dialogue offers a consultation.
The classifier's own prediction stays in `intent_ranking` for review.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from spacy_pipeline.signals import read_signals

logger = logging.getLogger(__name__)

SPACY_DOC_KEY = "text_spacy_doc"
EMERGENCY = "emergency"
REPORT_SYMPTOM = "report_symptom"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SymptomSafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Predictions the symptom rule never overrides: they already lead to help.
            "keep_intents": [EMERGENCY, REPORT_SYMPTOM, "request_consultation"],
        }

    @classmethod
    def required_components(cls) -> List[Type]:
        return [SpacyNLP]

    def __init__(self, config: Dict[str, Any]) -> None:
        self.keep_intents = set(config["keep_intents"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SymptomSafetyNet:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        doc = message.get(SPACY_DOC_KEY)
        predicted: Optional[Dict[str, Any]] = message.get("intent")
        if doc is None or predicted is None:
            return
        signals = read_signals(doc)
        predicted_name = predicted.get("name")
        if signals.red_flag and predicted_name != EMERGENCY:
            self._override(message, EMERGENCY, predicted)
        elif signals.symptom_report and predicted_name not in self.keep_intents:
            self._override(message, REPORT_SYMPTOM, predicted)

    @staticmethod
    def _override(message: Message, intent: str, predicted: Dict[str, Any]) -> None:
        logger.debug("safety net: %s -> %s", predicted.get("name"), intent)
        ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != intent]
        chosen = {"name": intent, "confidence": 1.0}
        message.set("intent", chosen, add_to_output=True)
        message.set("intent_ranking", [chosen] + ranking, add_to_output=True)
