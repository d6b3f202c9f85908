"""Validation of the consultation booking form (domain.yml: consultation_form)."""
from __future__ import annotations

from functools import partial
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import normalise_text, parse_age, parse_consult_for, parse_contact
from actions.validation_base import BaseFormValidator

FORM_SLOTS: List[str] = [
    "consult_for",
    "patient_age",
    "symptom_description",
    "requester_name",
    "contact",
    "preferred_times",
    "consent",
    "booking_confirmed",
]

MAX_DESCRIPTION = 1000
MAX_NAME = 100
MAX_PREFERRED_TIMES = 255


def _parse_name(value: Any) -> Any:
    name = normalise_text(value, MAX_NAME)
    # A name has letters and no question mark; "what is mmd?" is not a name.
    if name is None or "?" in name or not any(char.isalpha() for char in name):
        return None
    if len(name.split()) > 6:
        return None
    return name


class ValidateConsultationForm(BaseFormValidator):
    def name(self) -> str:
        return "validate_consultation_form"

    def form_slots(self) -> List[str]:
        return FORM_SLOTS

    def validate_consult_for(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self.check("consult_for", value, parse_consult_for, dispatcher)

    def validate_patient_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self.check("patient_age", value, parse_age, dispatcher)

    def validate_symptom_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        parser = partial(normalise_text, max_length=MAX_DESCRIPTION)
        return self.check("symptom_description", value, parser, dispatcher)

    def validate_requester_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self.check("requester_name", value, _parse_name, dispatcher)

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self.check("contact", value, parse_contact, dispatcher)

    def validate_preferred_times(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        parser = partial(normalise_text, max_length=MAX_PREFERRED_TIMES)
        return self.check("preferred_times", value, parser, dispatcher)

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is True:
            return {"consent": True}
        dispatcher.utter_message(response="utter_consent_required")
        return {"consent": None}

    def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is True:
            return {"booking_confirmed": True}
        # "No" to the summary: go through the questions again from the start.
        dispatcher.utter_message(response="utter_booking_restart")
        return {slot: None for slot in FORM_SLOTS}
