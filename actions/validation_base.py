"""The one shared base class for form validation.

Every slot validator follows the same contract: parse the raw answer; on success store the
parsed value; on failure say why with the slot's `utter_invalid_<slot>` response and clear
the slot so the form asks again. Subclasses only provide the parsers.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import FormValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

logger = logging.getLogger(__name__)

Parser = Callable[[Any], Optional[Any]]


class BaseFormValidator(FormValidationAction, ABC):
    """Parse-or-reprompt validation shared by all of the assistant's forms.

    Abstract, so rasa-sdk does not register the base itself as an action.
    """

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>, as Rasa calls it."""

    @abstractmethod
    def form_slots(self) -> List[str]:
        """The form's required slots, as in domain/ (tests check they match)."""

    def domain_slots(self, domain: DomainDict) -> List[str]:
        # The Rasa server does not send the domain to validators (send_domain: false in
        # domain/; it is large and would be sent every turn): the form's slots are known.
        return self.form_slots()

    def check(
        self,
        slot_name: str,
        value: Any,
        parser: Parser,
        dispatcher: CollectingDispatcher,
    ) -> Dict[str, Any]:
        parsed = parser(value)
        if parsed is None:
            # Log the slot, never the user's text: answers hold personal data.
            logger.info("form=%s slot=%s outcome=rejected", self.form_name(), slot_name)
            dispatcher.utter_message(response=f"utter_invalid_{slot_name}")
            return {slot_name: None}
        return {slot_name: parsed}
