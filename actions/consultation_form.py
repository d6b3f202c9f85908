"""The consultation booking form's validator: reads each answer as the user typed it.

Every question's slot has a `custom` mapping (domain/slots.yml), so this validator decides what a
message means at the question being asked, instead of the intent classifier:

- What the user types is the answer, unless it is an emergency or crisis, an explicit stop,
  a request to go back, clearly a question, or a new symptom report at another question.
  Those are not answers: the form lets the dialogue rules handle them (the FAQ is answered,
  the booking is paused, ...) and then asks the pending question again.
- Chit-chat ("thanks", "hello") and time phrases are never stored as a name or a
  description: the question is asked again with a hint.
- Whatever else the message clearly states fills the other, still empty questions ("it's
  for my daughter, she's 7" answers who and age; "dewi lestari 0813 2222 3333" name and
  contact), so nothing is asked twice.
- At the summary, any field can be changed in words ("change the time to saturday
  morning", "my name is wrong, it's Jo Park"); "go back" works at every question.
- Consent "no" is a valid answer: the clinician then gets only the form answers.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.conversation import BOOKING_FORM as BOOKING_FORM_NAME
from actions.conversation import FORM_SLOTS, intent_of_latest, latest_entity
from actions.validation_base import BaseFormValidator
from actions.yes_no import GO_ON, read_yes_no

logger = logging.getLogger(__name__)

__all__ = ["FORM_SLOTS", "ValidateConsultationForm"]

# Intents that are never an answer to a question of the form.
NEVER_AN_ANSWER = {"emergency", "crisis", "red_flag_context"}
# Intents that, when the classifier is sure and the text is not a valid answer, are a
# digression for the dialogue rules rather than a wrong answer to re-prompt.
DIGRESSIONS = {
    "faq", "out_of_scope", "bot_challenge", "request_human", "booking_status",
    "change_booking", "cancel_booking", "ask_clinic_details", "report_symptom", "stop",
    "goodbye", "request_consultation", "ask_diagnosis",
}
SURE = 0.8
# Set by the language detector (spacy_pipeline/language.py): never an answer to a question.
LANGUAGE_INTENTS = {"change_language", "unsupported_language"}

WHY_ASKED = re.compile(
    r"\b(why do you need|why do you want|why does that matter|what (is|do you need) (it|that|this) for|"
    r"what for|kenapa (perlu|butuh)|buat apa)\b",
    re.IGNORECASE,
)
# Questions whose answers are checked strictly (a value is clearly that answer or None).
STRICT_PARSERS = ("consult_for", "patient_age", "requester_name", "contact")
# Messages before the booking that may say who it is for and the age.
PREFILL_INTENTS = {"report_symptom", "request_consultation", "request_human", "affirm"}
PREFILL_SLOTS = ("consult_for", "patient_age", "requester_name", "contact")
# What a typed value at each question becomes: slot -> parser (None = not an answer).
FREE_TEXT_PARSERS: Dict[str, Callable[[Any], Any]] = {
    "consult_for": answers.parse_consult_for,
    "patient_age": answers.parse_age,
    "symptom_description": answers.parse_description,
    "requester_name": answers.extract_name,
    "contact": answers.extract_contact,
    "preferred_times": answers.parse_times,
}
# A confirmation needs words (or a thumbs up): "?" or "-" is never a yes, whatever the
# classifier guessed.
CONFIRMATION = re.compile(
    r"\b(send|kirim|looks? (good|fine|right)|all good|perfect|that'?s (right|correct|fine)|"
    r"(all )?correct|sudah (benar|betul)|betul|benar|go ahead|lanjut|confirm)\b", re.IGNORECASE
)
# At the summary, "don't send it" holds the word "send": a negated send is never a yes.
DONT_SEND = re.compile(
    r"\b(?:don'?t|do not|dont|not|never|no|nope|jangan|jgn|gak usah|ga usah|gausah|tidak usah|nggak usah|"
    r"belum|tdk usah|gk usah|ndak usah|"
    # "gak jadi kirim" (not sending after all; Javanese "ora sido"): sent three times out of three.
    r"(?:gak|ga|gk|nggak|ngga|enggak|tidak|tdk|ndak|nda) (?:jadi|jd)|(?:ora|ra|gak|ga|ndak) sido)"
    r"\s+(?:\w+\s+)?(?:send|submit|sent|kirim|dikirim|kirimkan|dikirimkan|ngirim|dikirimin|kirimin|dikirim\w*)\b"
    # A cancel word anywhere at the summary is never a yes ("batal ae", "cancel it, don't send").
    r"|\b(?:batal\w*|cancel\w*|abort|gak jadi|ga jadi|nggak jadi|tidak jadi|gk jd|ga jd|gak sido|ora sido)\b"
)
# "no, not yet, I want to talk to my husband first": a summary left for later, not an edit
# (it was read as a change of who the consultation is for).
NOT_NOW = re.compile(r"\b(?:not yet|not now|hold on|wait|later|first|tunggu|nanti)\b")
EDIT_WORDS = re.compile(
    r"\b(?:change|wrong|edit|fix|update|correct|instead|ganti|ubah|salah|koreksi|name|time|times|contact|phone|"
    r"number|email|age|nama|waktu|jam|nomor|umur|usia|keluhan)\b"
)
# "no i dont want to share the chat", "yes that's fine": the first word answers.
LEADING_NO = re.compile(r"^(no|nope|nah|tidak|nggak|gak|ga|enggak|jangan)\b")
LEADING_YES = re.compile(r"^(yes|yeah|yep|ya|iya|sure|ok|okay|boleh)\b")
NEGATED = re.compile(r"\b(not|don'?t|no|tidak|jangan|gak|nggak)\b")
YES_WORDS = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "ya", "iya", "iy", "boleh",
             "setuju", "correct", "right", "send", "send it", "yes please", "go ahead", "oke"}
NO_WORDS = {"no", "n", "nope", "nah", "tidak", "nggak", "gak", "ga", "enggak", "jangan", "no thanks",
            "don't", "dont", "do not", "tidak usah", "gak usah"}
SHARING_WORDS = ("share", "shared", "sharing", "see", "read", "data", "privacy", "private",
                 "kept", "keep", "store", "stored", "conversation", "chat", "bagikan", "dibagikan",
                 "data", "privasi", "percakapan")


# A correction of an earlier answer, typed at a later question ("eh salah, umurnya 7").
CORRECTION_CUE = re.compile(
    r"\b(?:wrong|typo|mistake|oops|sorry|correction|should be|change|changed|fix|update|salah|koreksi|"
    r"ganti|ganti\w*|ubah|diubah|harusnya|seharusnya|maaf|eh|deng|dink|ding|bukan|not|yg bener|yang bener|"
    r"yang benar|yg benar|keliru|lupa)\b",
    re.IGNORECASE,
)
MAX_CORRECTION_WORDS = 12
# "yuk lanjutin", "let's go on": urging on, not a yes to a question.
LETS = re.compile(r"\b(?:yuk|yok|ayo|ayok|let'?s)\b")
# Answers a later message may correct in passing: each value is read by a strict parser.
CORRECTABLE = ("patient_age", "requester_name", "contact", "preferred_times")
FIELD_NAMES = {
    "en": {"patient_age": "age", "requester_name": "name", "contact": "contact",
           "preferred_times": "preferred times"},
    "id": {"patient_age": "umur", "requester_name": "nama", "contact": "kontak",
           "preferred_times": "waktu yang diinginkan"},
}


POLITE_TAIL = re.compile(r"[\s,.!]+(pls|plz|please|thanks|thank you|thx|ty|tq|makasih|ya)[\s.!]*$", re.IGNORECASE)
POLITE_HEAD = re.compile(r"^(just|only)\s+", re.IGNORECASE)


def _slot_values(slot: str, value: Any) -> Dict[str, Any]:
    """The slot events for one parsed answer (the age also keeps its label)."""
    if slot == "requester_name" and isinstance(value, str):
        # "my name should just be Rachel Okafor pls": the name, not the manners around it.
        value = POLITE_HEAD.sub("", POLITE_TAIL.sub("", value)).strip() or value
    if slot == "patient_age":
        if value is None:
            return {"patient_age": None, "patient_age_label": None}
        return {"patient_age": float(value.years), "patient_age_label": value.label}
    return {slot: value}


def _plain(text: str) -> str:
    return " ".join(text.lower().strip(" .!").split())


class ValidateConsultationForm(BaseFormValidator):
    def name(self) -> str:
        return "validate_consultation_form"

    def form_slots(self) -> List[str]:
        return FORM_SLOTS

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """One decision per user message: read the answer, then check what Rasa extracted.

        Replaces rasa-sdk's per-slot extract/validate loop, which drops every slot that is
        not a question of the form (the age label, the summary's edit state).
        """
        values = self.read_answer(dispatcher, tracker)
        # Rasa's own extraction (the "who is it for" buttons' entity) still gets checked.
        for slot, value in tracker.slots_to_validate().items():
            if slot in FORM_SLOTS and slot not in values:
                values.update(self.validate_candidate(slot, value, dispatcher))
        values.update(self._count_non_answers(dispatcher, tracker, values))
        return [SlotSet(slot, value) for slot, value in values.items()]

    def _count_non_answers(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, values: Dict[str, Any]
    ) -> Dict[str, Any]:
        """Pauses the booking after MAX_NON_ANSWERS messages in a row that did not answer.

        A user who keeps writing things that are not an answer ("thanks", "ok", "??") is not
        going to answer: asking again forever traps them (a tester was asked their age some
        30 times). The answers are kept and the booking can go on later.
        """
        asked = tracker.get_slot("requested_slot")
        count = int(tracker.get_slot("form_non_answers") or 0)
        if asked is None or values.get("requested_slot", asked) is None:
            return {"form_non_answers": None} if count else {}
        if not _was_not_an_answer(dispatcher, tracker, asked):
            answered = any(value is not None for slot, value in values.items() if slot in FORM_SLOTS)
            return {"form_non_answers": None} if answered and count else {}
        count += 1
        if count < MAX_NON_ANSWERS:
            return {"form_non_answers": count}
        logger.info("form=%s slot=%s outcome=paused_after_non_answers", self.form_name(), asked)
        # The pause message replaces the question's re-prompt.
        dispatcher.messages[:] = [m for m in dispatcher.messages if m.get("response") not in REPROMPTS]
        return {"requested_slot": None, "booking_pause": "stuck", "form_non_answers": None}

    def validate_candidate(self, slot: str, value: Any, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        if slot == "consult_for":
            return self.check("consult_for", value, _known_consult_for, dispatcher)
        if slot == "patient_age":
            return self.check("patient_age", value, _age_years, dispatcher)
        if slot in ("consent", "booking_confirmed"):
            return {slot: value if isinstance(value, bool) else None}
        return {slot: value}

    # --- reading one message at the question being asked ---------------------------------

    def read_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        """The slot values the latest message gives; {} lets the dialogue rules handle it."""
        text = tracker.latest_message.get("text")
        if not isinstance(text, str):
            return {}
        asked = tracker.get_slot("requested_slot")
        if asked is None:
            # The booking starts: keep what the user already said about who and age.
            return self._said_before_the_booking(tracker)
        if not _is_fresh_answer(tracker):
            return {}
        if text.startswith("/"):
            return self._button(asked, tracker, dispatcher)
        intent = intent_of_latest(tracker)
        if self._is_safety_message(text, intent, asked, tracker):
            return {}
        if intent.get("name") in LANGUAGE_INTENTS and (intent.get("confidence") or 0) >= SURE:
            return {}  # "English please" is not a name (data/rules/language.yml answers it)
        way_out = answers.leaving(text)
        if way_out == "stop":
            # Ends the form here; action_submit_booking then says the booking is paused.
            logger.info("form=%s slot=%s outcome=stopped", self.form_name(), asked)
            # Rasa rejects a form whose validator sets only requested_slot; the offer to
            # continue is a real slot, so the form ends here instead.
            return {"requested_slot": None, "pending_question": "continue_booking"}
        if way_out == "farewell" or (
            intent.get("name") == "goodbye" and (intent.get("confidence") or 0) >= SURE and answers.is_chitchat(text)
        ):
            # "thanks, bye": the user is leaving; the booking waits for them with a goodbye.
            logger.info("form=%s slot=%s outcome=farewell", self.form_name(), asked)
            return {"requested_slot": None, "booking_pause": "farewell"}
        if answers.is_go_back(text):
            return self._go_back(asked, dispatcher)
        if asked == "consent":
            # "nomornya salah, yg bener 0813 …" at the sharing question: a correction, not a no.
            return self._earlier_answer_corrected(text, tracker, asked, dispatcher) or self._consent(
                text, intent, dispatcher)
        if asked == "booking_confirmed":
            return self._summary_answer(text, intent, dispatcher, tracker)
        corrected = self._earlier_answer_corrected(text, tracker, asked, dispatcher)
        if corrected:
            return corrected
        if WHY_ASKED.search(text):
            # "why do you need my phone?": say why, then ask the same question again (or
            # go on, when the answer came with it: "16. why does that matter").
            dispatcher.utter_message(response="utter_why_we_ask")
            value = self._parse(asked, text) if asked in STRICT_PARSERS and asked != "requester_name" else None
            return _slot_values(asked, value)
        if answers.is_question(text):
            return {}
        if asked in STRICT_PARSERS and asked != "requester_name":
            value = self._parse(asked, text)
            if value is not None:
                return {**self._also_stated(text, tracker, asked), **_slot_values(asked, value)}
        if latest_entity(tracker, "symptom_signal") and asked != "symptom_description":
            # "his leg copies too" at another question: added to the description by the
            # symptom rule, then this question is asked again.
            return {}
        if _sure_digression(intent, asked) and _reads_as_a_request(text):
            return {}
        if asked in ("symptom_description", "preferred_times") or (
            asked == "requester_name" and answers.extract_contact(text) == text.strip()
        ):
            # At the name question, a message that is only an email or a phone is the contact.
            corrected = self._contact_correction(text, tracker, dispatcher)
            if corrected:
                return corrected
        value = self._parse(asked, text)
        if value is None:
            if _sure_digression(intent, asked) and not answers.is_chitchat(text):
                return {}
            logger.info("form=%s slot=%s outcome=rejected", self.form_name(), asked)
            dispatcher.utter_message(response=f"utter_invalid_{asked}")
            return _slot_values(asked, None)
        return {**self._also_stated(text, tracker, asked), **_slot_values(asked, value)}

    @staticmethod
    def _parse(asked: str, text: str) -> Any:
        if asked == "contact":
            return _all_contacts(text)
        value = FREE_TEXT_PARSERS[asked](text) or answers.extract_several(text).get(asked)
        if value is not None or asked not in LENIENT_READERS:
            return value
        return LENIENT_READERS[asked](text)

    def _is_safety_message(self, text: str, intent: Dict[str, Any], asked: str, tracker: Tracker) -> bool:
        """An emergency, a crisis or a red flag is never an answer.

        When only the classifier says so (no crisis or red-flag words found by the rules),
        a valid answer to a strictly checked question wins: "anak saya" at "who is it for?"
        or "Jayden Brooks" at "what is your name?" is an answer, not an emergency.
        """
        if intent.get("name") not in NEVER_AN_ANSWER:
            return False
        backed_by_rules = latest_entity(tracker, "safety_rule") is not None
        if backed_by_rules or intent.get("name") == "red_flag_context" or asked not in STRICT_PARSERS:
            return True
        return self._parse(asked, text) is None

    def _said_before_the_booking(self, tracker: Tracker) -> Dict[str, Any]:
        """Who, age, name and contact from what the user said before this booking started.

        Only messages since the last booking (or the session start) that asked for help or
        reported symptoms count ("my son is 18 months and his hand copies", "I'm Sunny Day,
        email …"): a general question ("is it common at 5?") or an earlier booking's answers
        fill nothing.
        """
        values: Dict[str, Any] = {}
        seen_latest_user = False
        for event in reversed(tracker.events):
            kind = event.get("event")
            if kind == "session_started":
                break
            if kind == "action" and seen_latest_user and event.get("name") in (
                self.form_name(), "action_submit_booking"
            ):
                break
            if kind != "user":
                continue
            seen_latest_user = True
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            text = event.get("text") or ""
            if intent not in PREFILL_INTENTS or text.startswith("/"):
                continue
            for slot, value in answers.extract_several(text).items():
                if slot in PREFILL_SLOTS and tracker.get_slot(slot) is None:
                    values.setdefault(slot, value)
        result: Dict[str, Any] = {}
        for slot, value in values.items():
            result.update(_slot_values(slot, value))
        return result

    def _earlier_answer_corrected(
        self, text: str, tracker: Tracker, asked: str, dispatcher: CollectingDispatcher
    ) -> Dict[str, Any]:
        """ "eh salah, umurnya 7" at the description question, "sorry, his age is actually 9"
        at the contact question: a correction of an answer already given, naming its field
        and the new value, changes that answer and asks the current question again (the age
        was stored as the description, a name as the contact). Short messages only, with a
        word that says something was wrong, so a description mentioning an age stays one."""
        if not CORRECTION_CUE.search(text) or len(text.split()) > MAX_CORRECTION_WORDS:
            return {}
        edits = [
            edit for edit in answers.parse_summary_edits(text)
            if edit.field in CORRECTABLE and edit.field != asked and edit.value is not None
            and tracker.get_slot(edit.field) is not None
        ]
        if not edits:
            return {}
        language = tracker.get_slot("language") or "en"
        values: Dict[str, Any] = {}
        for edit in edits:
            values.update(_slot_values(edit.field, edit.value))
            shown = edit.value.label if isinstance(edit.value, answers.Age) else str(edit.value)
            dispatcher.utter_message(
                response="utter_earlier_answer_updated",
                field_name=FIELD_NAMES.get(language, FIELD_NAMES["en"])[edit.field],
                new_value=shown,
            )
        logger.info("form=%s slot=%s outcome=earlier_answer_corrected fields=%s",
                    self.form_name(), asked, ",".join(edit.field for edit in edits))
        return values

    def _contact_correction(self, text: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        """An email or phone typed at a later question corrects the contact ("sorry typo,
        may@gmail.com"): it is stored there, and the current question is asked again."""
        contact = answers.extract_contact(text)
        if not contact or contact == tracker.get_slot("contact"):
            return {}
        remainder = text.replace(contact, " ")
        if answers.parse_times(remainder) and len(remainder.split()) > 4:
            return {}  # a real answer that also mentions a number ("after 6, call 0812…")
        dispatcher.utter_message(response="utter_contact_updated", contact=contact)
        asked = tracker.get_slot("requested_slot")
        return {"contact": contact, asked: None}

    def _also_stated(self, text: str, tracker: Tracker, asked: Optional[str]) -> Dict[str, Any]:
        """Other still-empty questions the message clearly answers."""
        found = answers.extract_several(text)
        if asked == "requester_name" and "contact" not in found:
            # "dewi lestari 0813 2222 3333": at the name question, a number is the contact.
            contact = answers.extract_contact(text)
            if contact:
                found["contact"] = contact
        values: Dict[str, Any] = {}
        for slot, value in found.items():
            if slot != asked and slot in FORM_SLOTS and tracker.get_slot(slot) is None:
                values.update(_slot_values(slot, value))
        return values

    @staticmethod
    def _button(asked: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        """A button payload: the entity mapping (consult_for) or the yes/no intent decides,
        with the same replies as the typed answer."""
        intent = intent_of_latest(tracker).get("name")
        if asked == "consent" and intent in ("affirm", "deny"):
            if intent == "deny":
                dispatcher.utter_message(response="utter_consent_declined_ok")
            return {"consent": intent == "affirm"}
        if asked == "booking_confirmed" and intent == "affirm":
            return {"booking_confirmed": True, "summary_edit_pending": None}
        if asked == "booking_confirmed" and intent == "deny":
            return {"booking_confirmed": None, "summary_edit_pending": True}
        return {}

    def _go_back(self, asked: str, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        """Clears the question before the current one, so the form asks it again."""
        index = FORM_SLOTS.index(asked)
        if index == 0:
            return {}
        previous = FORM_SLOTS[index - 1]
        dispatcher.utter_message(response="utter_go_back")
        return {**_slot_values(previous, None), "summary_edit_pending": None}

    def _consent(self, text: str, intent: Dict[str, Any], dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        plain = _plain(text)
        name = intent.get("name")
        if answers.is_question(text):
            if any(word in plain.split() or word in plain for word in SHARING_WORDS):
                dispatcher.utter_message(response="utter_consent_explained")
                return {"consent": None}
            return {}
        if GO_ON.search(plain) and read_yes_no(LETS.sub(" ", GO_ON.sub(" ", plain))) is None:
            # "lanjut" (go on) after coming back is no consent to share the conversation: a
            # persona's "lanjut" was stored as yes. Sharing needs a yes or a no of its own.
            dispatcher.utter_message(response="utter_invalid_consent")
            return {"consent": None}
        decided = read_yes_no(text)  # English or Bahasa; a negation wins ("gak boleh", "ya jangan")
        if decided is False:
            dispatcher.utter_message(response="utter_consent_declined_ok")
            return {"consent": False}
        if decided is True or plain in YES_WORDS or plain in ("i don't mind", "i dont mind", "fine", "that's fine") or (
            LEADING_YES.match(plain) and not NEGATED.search(plain)
        ) or (
            name == "affirm" and plain not in NO_WORDS and _has_words(text)
        ):
            return {"consent": True}
        if plain in NO_WORDS or name == "deny" or LEADING_NO.match(plain):
            dispatcher.utter_message(response="utter_consent_declined_ok")
            return {"consent": False}
        if _sure_digression(intent):
            return {}
        dispatcher.utter_message(response="utter_invalid_consent")
        return {"consent": None}

    def _summary_answer(
        self, text: str, intent: Dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[str, Any]:
        plain = _plain(text)
        if plain in ("start again", "start over", "restart", "mulai lagi", "ulang", "no, start again"):
            dispatcher.utter_message(response="utter_booking_restart")
            return {slot: None for slot in FORM_SLOTS} | {"patient_age_label": None, "summary_edit_pending": None}
        if DONT_SEND.search(plain) or (
            NOT_NOW.search(plain) and not EDIT_WORDS.search(plain) and not CONFIRMATION.search(plain)
        ):
            # "nvm dont send it", "jangan dikirim dulu": never read as the "send" it contains.
            # Nothing is sent; the booking waits with its answers, as after "stop".
            logger.info("form=%s slot=booking_confirmed outcome=not_sent", self.form_name())
            return {"requested_slot": None, "pending_question": "continue_booking"}
        edits = answers.parse_summary_edits(text)
        if not edits and tracker.get_slot("summary_edit_pending"):
            # An answer to "what would you like to change?": "the times", "name".
            edits = answers.parse_summary_edits(f"change {text}")
        if edits and edits[0].field != "back":
            values: Dict[str, Any] = {}
            for edit in edits:  # "namanya ganti Ratna Wulandari, umur dimas 7": both
                values.update(self._apply_edit(edit, dispatcher))
            return values
        decided = read_yes_no(text)
        if decided is False:
            return {"booking_confirmed": None, "summary_edit_pending": True}
        if decided is True or plain in YES_WORDS or CONFIRMATION.search(plain) or (
            intent.get("name") == "affirm" and plain not in NO_WORDS and _has_words(text)
        ):
            return {"booking_confirmed": True, "summary_edit_pending": None}
        if plain in NO_WORDS or plain in ("change something", "change", "edit", "ubah", "ganti") \
                or (intent.get("name") == "deny" and _has_words(text)):
            return {"booking_confirmed": None, "summary_edit_pending": True}
        if answers.is_question(text) or _sure_digression(intent):
            return {}
        dispatcher.utter_message(response="utter_summary_not_understood")
        return {"booking_confirmed": None}

    @staticmethod
    def _apply_edit(edit: answers.SummaryEdit, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        """A field changed in words: set it (new summary) or clear it (ask it again)."""
        if edit.field == "back":
            return {"consent": None, "summary_edit_pending": None}
        if edit.field not in FORM_SLOTS:
            return {"booking_confirmed": None, "summary_edit_pending": True}
        logger.info("form=consultation_form summary edit field=%s with_value=%s",
                    edit.field, edit.value is not None)
        values: Dict[str, Any] = {"booking_confirmed": None, "summary_edit_pending": None}
        if edit.field == "consent" and edit.value is None:
            values["consent"] = None
        else:
            values.update(_slot_values(edit.field, edit.value))
        return values


def _each_clause(text: str) -> List[str]:
    """ "16. why does that matter" -> ["16", "why does that matter"]."""
    return [part.strip() for part in re.split(r"[.,;!]+\s*|\s+-\s+", text) if part.strip()]


PLAIN_WORDS = re.compile(r"[\w\s.,;:'’!?-]+")


def _lenient_age(text: str) -> Optional[answers.Age]:
    """At the age question: "ok fine, 45", "shes 8", "my brother is 15", "16. why does that
    matter". One clause reads as an age, or the message holds exactly one number 0–120 and
    no contact (a phone number or a year is never an age)."""
    normalised = re.sub(r"\b(she|he)s\b", r"\1's", text, flags=re.IGNORECASE)
    for clause in _each_clause(normalised):
        age = answers.parse_age(clause)
        if age is not None:
            return age
    if answers.extract_contact(text) or not PLAIN_WORDS.fullmatch(text):
        return None  # a phone number, a year or markup ("alert(1)") is never an age
    numbers = re.findall(r"(?<![\d.])\d{1,3}(?:[.,]5)?(?![\d])", text)
    if len(numbers) == 1:
        return answers.parse_age(numbers[0].replace(",", "."))
    return None


def _lenient_name(text: str) -> Optional[str]:
    """ "Rachel Okafor, I'm his aunt", "its Marcus. Marcus Lee", "my name is just Marcus Lee":
    the last clause that reads as a name."""
    if "@" in text:
        return None  # "mark@example.com" is a contact; its "com" is no name
    cleaned = re.sub(r"\b(just|only|simply)\s+", "", text, flags=re.IGNORECASE)
    names = [name for name in map(answers.extract_name, _each_clause(cleaned)) if name]
    return max(names, key=len) if names else answers.extract_name(cleaned)


PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def _all_contacts(text: str) -> Optional[str]:
    """Every email and phone number in the answer ("+44 7911 123456 or dan@x.com"), joined."""
    found: List[str] = []
    remaining = text
    for _ in range(3):
        contact = answers.extract_contact(remaining)
        if not contact or contact in found:
            break
        found.append(contact)
        if "@" in contact:
            remaining = remaining.replace(contact, " ")
            continue
        digits = re.sub(r"\D", "", contact)
        for match in PHONE_LIKE.finditer(remaining):
            if re.sub(r"\D", "", match.group(0)) == digits:
                remaining = remaining.replace(match.group(0), " ")
                break
    return " / ".join(found)[:255] if found else None


LENIENT_READERS = {"patient_age": _lenient_age, "requester_name": _lenient_name}


def _has_words(text: str) -> bool:
    """Letters or a thumbs up: "?" and "-" are not an answer to a yes/no question."""
    return any(char.isalpha() for char in text) or "\N{THUMBS UP SIGN}" in text


def _known_consult_for(value: Any) -> Optional[str]:
    return value if value in ("self", "child", "other") else answers.parse_consult_for(value)


def _age_years(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if 0 <= value <= answers.MAX_AGE_YEARS else None


def _reads_as_a_request(text: str) -> bool:
    """A lower-case sentence of three or more words ("talk to a human"), not a typed value.

    Names are often typed in lower case but rarely as three lower-case words that the
    classifier is sure mean something else; "Nguyen Van An" and "María José" keep capitals.
    """
    words = text.split()
    return len(words) >= 3 and text == text.lower() and not any(ch.isdigit() or ch == "@" for ch in text)


# At the description and times questions almost anything typed is the answer; only these
# clearly ask for something else ("talk to a human" is not a description).
NOT_A_FREE_TEXT_ANSWER = {
    "request_human", "booking_status", "change_booking", "cancel_booking", "ask_clinic_details",
    "bot_challenge", "ask_diagnosis", "request_consultation",
}


def _sure_digression(intent: Dict[str, Any], asked: Optional[str] = None) -> bool:
    name = intent.get("name")
    if asked in ("symptom_description", "preferred_times") and name not in NOT_A_FREE_TEXT_ANSWER:
        return False
    return name in DIGRESSIONS and (intent.get("confidence") or 0) >= SURE


# Messages in a row at one question that did not answer it before the booking is paused.
MAX_NON_ANSWERS = 3
# The re-prompts that say a message was not an answer; the dialogue rules' own re-asks
# (greet, thanks, ok, an unclear message) are the actions in REASKING_ACTIONS.
REPROMPTS = {f"utter_invalid_{slot}" for slot in FORM_SLOTS} | {"utter_summary_not_understood"}
REASKING_ACTIONS = {"utter_form_continue", "utter_default"}


def _was_not_an_answer(dispatcher: CollectingDispatcher, tracker: Tracker, asked: str) -> bool:
    """The latest message got the question again without answering it: the validator's
    re-prompt, or a rule's "let's carry on" / "I didn't understand" before the form."""
    if any(message.get("response") in REPROMPTS for message in dispatcher.messages):
        return True
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "action" and event.get("name") not in (BOOKING_FORM_NAME, "action_listen", None):
            return event.get("name") in REASKING_ACTIONS
    return False


def _is_fresh_answer(tracker: Tracker) -> bool:
    """The latest user message has not been answered yet (not a return after a digression).

    Rasa runs the validator when the form comes back after an FAQ answer too; the user's
    message was then already handled and must not be read as an answer a second time.
    """
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "bot":
            return False
    return False

