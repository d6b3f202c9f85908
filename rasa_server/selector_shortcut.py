"""Run the FAQ ResponseSelector only for messages classified as FAQs.

Rasa 3.6 runs the ResponseSelector's network on every message, although its answer is used
only when the message's intent is its retrieval intent (`faq`): the `utter_faq` rules
follow that intent, and Rasa reads the selection back only for it
(MessageProcessor._update_full_retrieval_intent, ActionRetrieveResponse). It was a tenth
of the Rasa server's time per turn (py-spy). The classifiers that run after it never turn
another intent into `faq` (FallbackClassifier only to `nlu_fallback`, the safety net only
to `crisis`, `emergency`, `red_flag_context` or `report_symptom`).

So when DIET's intent is not the selector's retrieval intent, the selector only records
`all_retrieval_intents` (as it does) without a prediction for `faq`; for FAQs it runs
unchanged. It also runs for symptom reports, which often ask a question too ("my son's
hand copies his writing hand, will it go away?"): actions/faq_answer.py answers it before
the consultation offer. A selector without a retrieval intent (one for all) always runs.
"""
from __future__ import annotations

from typing import Any, List

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY

from rasa_server.patching import replaces

stats = {"skipped": 0, "ran": 0}
ALSO_ASKING = ("report_symptom",)
enabled = True  # tests compare answers with and without


def install() -> None:
    from rasa.nlu.selectors.response_selector import ResponseSelector

    original = ResponseSelector.process

    @replaces(ResponseSelector, "process")
    def process_faqs_only(self, messages: List[Any]) -> List[Any]:  # noqa: ANN001 - Rasa's signature
        if not enabled or not self.retrieval_intent:
            return original(self, messages)
        asking = {self.retrieval_intent, *ALSO_ASKING}
        faqs = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) in asking]
        if faqs:
            original(self, faqs)
        for message in messages:
            if all(message is not faq for faq in faqs):
                _record_no_selection(self, message)
        stats["ran"] += len(faqs)
        stats["skipped"] += len(messages) - len(faqs)
        return messages


def _record_no_selection(selector: Any, message: Any) -> None:
    from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RETRIEVAL_INTENTS

    properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
    properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = selector.all_retrieval_intents
    message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
