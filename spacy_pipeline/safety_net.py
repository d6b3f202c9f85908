"""Rasa NLU component: a rule-based safety net right after the intent classifier.

Safety does not rest on DIET alone. This component reads the spaCy pipeline's rule entities
(spacy_pipeline/signals.py) and, in this order:
- turns thoughts of suicide or self-harm into `crisis` (before anything else);
- turns red-flag language into `emergency`, unless the red flag is in doubt: told as long
  past, as already in the hands of help, or as a general question ("does MMD cause
  seizures?"). Those become `red_flag_context`: an answer with the emergency line, not an
  alarm alone. A message that says help has come ("he is fine now, the ambulance came"),
  and a classifier's `emergency` for one that says it was long ago, become
  `red_flag_context` too;
- turns a missed symptom report (e.g. classified as an FAQ or out_of_scope) into
  `report_symptom`, so the dialogue offers a consultation.
It also adds entities that the actions read: `safety_rule` (crisis / red_flag: the rules,
not only the classifier, found it), `language` ("id" when the safety language was
Bahasa Indonesia), `red_flag_context` (past / resolved / question) and `symptom_signal`
(a red flag told together with a mirroring report: the consultation offer follows the
emergency line). The classifier's own ranking stays in `intent_ranking` for review.

It runs before the ResponseSelector, so the FAQ answer is selected for the intents it sets
that answer questions (see rasa_server/selector_shortcut.py).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from spacy_pipeline.intents import CRISIS, EMERGENCY, RED_FLAG_CONTEXT, REPORT_SYMPTOM, set_intent
from spacy_pipeline.signals import SafetySignals, read_signals

logger = logging.getLogger(__name__)

SPACY_DOC_KEY = "text_spacy_doc"
# A question or a report: "help has come" words in it ("the doctor said…") are its context.
ASKING_OR_REPORTING = {"faq", REPORT_SYMPTOM, "ask_diagnosis", "request_consultation"}
EXTRACTOR = "SymptomSafetyNet"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SymptomSafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Predictions the symptom rule never overrides: they already lead to help.
            "keep_intents": [CRISIS, EMERGENCY, REPORT_SYMPTOM, "request_consultation", "request_human"],
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
        chosen = decide_intent(
            signals, predicted.get("name"), self.keep_intents, message.get("intent_ranking") or []
        )
        if chosen and chosen != predicted.get("name"):
            self._override(message, chosen, predicted)
        self._add_signal_entities(message, signals)

    @staticmethod
    def _override(message: Message, intent: str, predicted: Dict[str, Any]) -> None:
        logger.debug("safety net: %s -> %s", predicted.get("name"), intent)
        set_intent(message, intent)
        # Kept in the parse data (so in the tracker store): the staff console's inbox lists
        # the messages where the rules overruled the classifier, for staff to check.
        message.set("safety_override", {"classifier_intent": predicted.get("name"),
                                        "classifier_confidence": predicted.get("confidence")},
                    add_to_output=True)

    @staticmethod
    def _add_signal_entities(message: Message, signals: SafetySignals) -> None:
        values = {
            # The rules (not only the classifier) found crisis or red-flag language: the form
            # never takes such a message as an answer.
            "safety_rule": "crisis" if signals.crisis else ("red_flag" if signals.red_flag else None),
            "language": "id" if signals.indonesian else None,
            "crisis_about": (
                "past" if signals.crisis_long_past
                else "other" if signals.crisis and signals.about_someone_else else None
            ),
            "red_flag_context": signals.red_flag_context
            or ("resolved" if signals.help_arrived_or_long_past else None),
            "symptom_signal": "mirroring" if signals.describes_mirroring else None,
            "alarm_denied": "yes" if signals.denies_emergency and not (signals.red_flag or signals.crisis) else None,
        }
        added = [
            {"entity": name, "value": value, "start": 0, "end": 0, "extractor": EXTRACTOR}
            for name, value in values.items()
            if value is not None
        ]
        if added:
            message.set("entities", list(message.get("entities", [])) + added, add_to_output=True)


def decide_intent(
    signals: SafetySignals, predicted: Optional[str], keep: set, ranking: Sequence[Dict[str, Any]] = ()
) -> Optional[str]:
    """The intent the safety rules require, or None to keep the classifier's."""
    if signals.crisis:
        return CRISIS
    if signals.red_flag:
        return RED_FLAG_CONTEXT if signals.red_flag_context else EMERGENCY
    general_question = predicted == EMERGENCY and signals.general_question
    if predicted in (CRISIS, EMERGENCY) and (signals.figurative or signals.denies_emergency or general_question):
        # The classifier alone heard a crisis or an emergency in "this is killing me", "it's
        # not an emergency" or a general question with no red-flag words: its next guess, or
        # a symptom report if it is one ("aku gak sadar kalau tangan kiriku ikut gerak").
        if signals.symptom_report:
            return REPORT_SYMPTOM
        return next((r["name"] for r in ranking if r.get("name") not in (CRISIS, EMERGENCY)), None)
    if predicted == EMERGENCY and signals.symptom_report:
        # The classifier alone called a plain mirroring report an emergency ("anak saya
        # ikut bergerak…"): no red-flag words, so it is a symptom report.
        return REPORT_SYMPTOM
    if (signals.help_resolved and predicted not in ASKING_OR_REPORTING) or (
        predicted == EMERGENCY and signals.help_arrived_or_long_past
    ):
        # "he is fine now, the ambulance came": after an emergency, not a new one. A
        # question or report that only mentions a doctor ("the doctor said wait and see,
        # should we push for tests?") is not about an emergency at all.
        return RED_FLAG_CONTEXT
    if signals.symptom_report and predicted not in keep:
        return REPORT_SYMPTOM
    return None
