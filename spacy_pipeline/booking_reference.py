"""Rasa NLU component: a message that names a booking reference is about that booking.

"please cancel MMD-6QXHPQ" or "what's the status of MMD-6QXHPQ?" were read as FAQs: the
reference is a string no classifier learns. After the safety net (safety intents are never
touched), a message with a reference becomes `cancel_booking`, `change_booking` or
`booking_status` by its words; a booking request that is negated ("I do not want to book
now") becomes `deny`. The classifier's own ranking stays in `intent_ranking`.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from spacy_pipeline.intents import CRISIS, EMERGENCY, RED_FLAG_CONTEXT, set_intent

REFERENCE = re.compile(r"\bMMD-?[2-9A-HJ-NP-Z]{6}\b", re.IGNORECASE)
CANCEL_WORDS = re.compile(r"\b(cancel\w*|call off|withdraw|batal\w*)\b", re.IGNORECASE)
CHANGE_WORDS = re.compile(r"\b(change|move|reschedul\w*|instead|ganti|ubah|pindah\w*)\b", re.IGNORECASE)
BOOKING_INTENTS = ("booking_status", "change_booking", "cancel_booking")
NEVER_OVERRIDDEN = (CRISIS, EMERGENCY, RED_FLAG_CONTEXT)


# "I do not want to book now", "gak mau konsul dulu": the words of a booking request, negated.
# A tester's paused booking started again on "I do not want to book now".
NEGATED_BOOKING = re.compile(
    r"\b(?:don'?t|do not|dont|doesn'?t|not|no|no longer|never|gak|ga|gk|nggak|ngga|enggak|tidak|tdk|ndak|belum|ogah)"
    r"(?:\s+(?:want|wanna|need|like|to|a|an|the|now|yet|really|any|more|mau|ingin|pengen|pgn|perlu|jadi|usah|dulu))*"
    r"\s+(?:book\w*|consult\w*|konsul\w*|appointment|daftar|pesan)\b",
    re.IGNORECASE,
)
ASKING_TO_BOOK = ("request_consultation", "affirm")


def intent_for_reference(text: str, predicted: Optional[str]) -> Optional[str]:
    """The booking intent a message naming a reference has (or `deny` for a booking request
    that is negated), or None to keep the prediction."""
    if predicted in ASKING_TO_BOOK and NEGATED_BOOKING.search(text or ""):
        return "deny"
    if not REFERENCE.search(text or "") or predicted in NEVER_OVERRIDDEN:
        return None
    if CANCEL_WORDS.search(text):
        return "cancel_booking"  # "cancel MMD-… please, we'll go elsewhere instead"
    if CHANGE_WORDS.search(text):
        return "change_booking"
    return None if predicted in BOOKING_INTENTS else "booking_status"


# "cancel it" split the classifier between `cancel_booking` and `stop` (0.51 / 0.42), and the
# fallback's ambiguity rule answered "Sorry, I'm not sure I understood". Both end in the same
# place outside a booking (a sent request is asked about, a draft discarded), and inside one
# the form reads "cancel it" as leaving and pauses. So a cancel word with those two on top
# reads as what it says, `cancel_booking`.
CANCEL_TIE = {"cancel_booking", "stop"}


def intent_for_cancel_tie(text: str, predicted: Optional[str], ranking: List[Dict[str, Any]]) -> Optional[str]:
    if predicted != "nlu_fallback" or not CANCEL_WORDS.search(text or ""):
        return None
    top_two = {r.get("name") for r in [r for r in ranking if r.get("name") != "nlu_fallback"][:2]}
    return "cancel_booking" if top_two == CANCEL_TIE else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class BookingReferenceRouter(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BookingReferenceRouter:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            predicted = (message.get("intent") or {}).get("name")
            text = message.get("text") or ""
            chosen = intent_for_reference(text, predicted) or intent_for_cancel_tie(
                text, predicted, message.get("intent_ranking") or [])
            if chosen:
                set_intent(message, chosen)
        return messages
