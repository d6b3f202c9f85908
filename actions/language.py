"""Changing the conversation's language on request ("English please", "pakai bahasa Indonesia").

The `language` slot is filled from the message's `language` entity before this runs
(domain/language.yml); this action only confirms, in the new language. A request that names
no language the assistant speaks ("do you speak Dutch?") gets the list of its languages.
"""
from __future__ import annotations

from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import latest_entity
from common.language import LANGUAGES


class ActionChangeLanguage(Action):
    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = latest_entity(tracker, "language")
        if requested not in LANGUAGES:
            dispatcher.utter_message(response="utter_languages_spoken")
            return []
        # The slot mapping has set `language` from the same entity: the confirmation is
        # rendered in the new language. Set here too, so the action's result says what it did.
        dispatcher.utter_message(response="utter_language_changed")
        return [SlotSet("language", requested)]
