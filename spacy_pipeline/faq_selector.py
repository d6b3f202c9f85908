"""Rasa NLU component: the FAQ ResponseSelector, run only for messages that may ask a question.

Rasa 3.6 runs the ResponseSelector's network on every message, although its answer is used
only when the message's intent is its retrieval intent (`faq`): the `utter_faq` rules
follow that intent, and Rasa reads the selection back only for it
(MessageProcessor._update_full_retrieval_intent, ActionRetrieveResponse). It was a tenth
of the Rasa server's time per turn (py-spy). The classifiers that run after it never turn
another intent into `faq` (FallbackClassifier only to `nlu_fallback`, the safety net only
to `crisis`, `emergency`, `red_flag_context` or `report_symptom`).

So when DIET's intent is not the selector's retrieval intent, this selector only records
`all_retrieval_intents` (as Rasa's does) without a prediction for `faq`; for FAQs it runs
unchanged. It also runs for symptom reports, which often ask a question too ("my son's
hand copies his writing hand, will it go away?"): actions/faq_answer.py answers it before
the consultation offer. A selector without a retrieval intent (one for all) always runs.

A subclass named in config.yml (Rasa's supported way to change a component), not a patch:
training, persistence and loading are Rasa's own. Rasa's recipe validator looks for the exact
class `ResponseSelector`, so training logs one warning that no response selector is
configured; it is this one.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RETRIEVAL_INTENTS
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

# Intents besides the retrieval intent whose messages often ask a question too.
ALSO_ASKING = ("report_symptom",)
# Counts for the speed benchmark and the equivalence test; `enabled = False` runs Rasa's own
# behaviour (the test compares whole conversations both ways).
stats = {"skipped": 0, "ran": 0}
enabled = True


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FaqResponseSelector(ResponseSelector):
    def process(self, messages: List[Message]) -> List[Message]:
        if not enabled or not self.retrieval_intent:
            return super().process(messages)
        asking = {self.retrieval_intent, *ALSO_ASKING}
        faqs = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) in asking]
        if faqs:
            super().process(faqs)
        for message in messages:
            if all(message is not faq for faq in faqs):
                self._record_no_selection(message)
        stats["ran"] += len(faqs)
        stats["skipped"] += len(messages) - len(faqs)
        return messages

    def _record_no_selection(self, message: Message) -> None:
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.all_retrieval_intents
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
