"""The reply to a symptom report: empathy, no diagnosis, and a consultation offer."""
from __future__ import annotations

import logging
import re
from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import MAX_DESCRIPTION, is_question
from actions.faq_answer import CLEAR_TOPIC_ABOVE, EXTRA_ANSWER_ABOVE, answer_questions, cue_topic
from actions.parsing import normalise_text
from actions.yes_no import start_booking
from spacy_pipeline.question_parts import asks_something, question_parts

logger = logging.getLogger(__name__)

# A report that already asks for the consultation ("…wanna get him seen", "book an
# appointment for my daughter") starts the booking instead of offering it.
ASKS_TO_BOOK = re.compile(
    r"\b(book|booking|appointment|consultation|consult|get (him|her|them|me) seen|see a (doctor|specialist)|"
    r"janji|konsultasi|daftar)\b",
    re.IGNORECASE,
)

# "do I need to see a doctor?" asks whether, not for a booking: answered, then offered.
ASKS_WHETHER = re.compile(
    r"\b(do|does|should|must|would) (i|we|he|she|they) (need to |have to )?(see|go|get)\b|\bis it worth\b",
    re.IGNORECASE,
)
BOOKING_FORM = "consultation_form"
# "handwriting tips for a child whose hands mirror each other": a request for an answer.
ASKS_FOR_ADVICE = re.compile(
    r"\b(tips?|advice|ideas?|suggestions?|what helps|how (do|can|should) (i|we))\b", re.IGNORECASE
)


# Mirror movements told as new ("started last month", "never did this before", "baru bulan
# kemarin", "sebelumnya gak pernah"): the adult-onset answer (they need a doctor: facts.md,
# "Adult onset") comes first, whatever else the selector thought of the report.
NEW_ONSET = re.compile(
    r"\b(started|began|begun|appeared|only|just)\b[^.?!]{0,40}\b(last|this past|a few|two|three|\d+) (week|month)s?\b|"
    r"\b(recently|lately|out of nowhere|never (did|had|used to)|didn'?t (use to|before)|new(ly)? (started|begun))\b|"
    r"\b(baru|mulai|muncul) (bulan|minggu|hari|tahun|kemarin|kemaren|aja|saja|2|beberapa)|"
    r"\b(sebelum(nya|e)?|dulu(nya)?) (gak|ga|nggak|ngga|tidak|tdk|ndak|ora|belum) (pernah|gitu|begini|kayak)|"
    # Javanese and Sundanese: "sak wulan iki" (this past month), "lagek", "karek" (only just).
    r"\b(sak|se|sa)?(wulan|sasi|minggu|bulan) (iki|ieu|kepungkur|wingi)\b|\b(lagek|lagi wae|karek|anyar)\b",
    re.IGNORECASE,
)


# "dari kecil", "since I was little", "bukan baru muncul": told as lifelong, whatever else
# in the message sounds new ("sekarang gue kerja …").
LIFELONG = re.compile(
    r"\b((dari|sejak|sedari) (kecil|lahir|bayi|balita|sd|tk|dulu|lama)|bukan baru|udah lama|sudah lama|"
    r"ket cilik|ti leutik|since (birth|childhood|i was (a kid|little|small|young|a child|born))|"
    r"all (my|his|her|their) li(fe|ves)|(my|his|her) whole life|always (had|been|done))\b",
    re.IGNORECASE,
)


# "any advice", "anything that helps?": a question that names no topic of its own.
SHORT_ASK_WORDS = 3


class ActionAcknowledgeSymptom(Action):
    """Acknowledges a report and offers `/request_consultation`, in or out of the form.

    The reported text prefills the booking's description, so the user is not asked to
    describe the same thing twice; a report in the middle of the booking ("his leg copies
    too") is added to the description, so the clinician really gets it.
    """

    def name(self) -> str:
        return "action_acknowledge_symptom"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        in_booking = tracker.active_loop.get("name") == BOOKING_FORM
        text = tracker.latest_message.get("text")
        asks_to_book = (
            not in_booking and bool(ASKS_TO_BOOK.search(text or "")) and not ASKS_WHETHER.search(text or "")
        )
        asks = is_question(text) or asks_something(text) or bool(ASKS_FOR_ADVICE.search(text or ""))
        if not in_booking:
            # "is it normal for my 4 year old's hand to copy when she draws?": the answer
            # first, then the offer. A report that asks nothing is answered only when one
            # topic clearly fits it ("…it hurts after a couple of hours": the pain answer).
            answered = answer_questions(
                dispatcher, tracker.latest_message,
                answer_above=EXTRA_ANSWER_ABOVE if asks else CLEAR_TOPIC_ABOVE,
                language=tracker.get_slot("language"),
            )
            if NEW_ONSET.search(text or "") and not LIFELONG.search(text or "") and "adult_onset" not in answered:
                dispatcher.utter_message(response="utter_faq/adult_onset")
                answered.append("adult_onset")
            # The story decides the selector's topic; the question itself may name another
            # ("…started copying my left when I do up buttons. Who should I see about this?").
            parts = question_parts(text or "")
            asked = asks or bool(parts and parts != [(text or "").strip()])
            asked_topic = cue_topic(" ".join(parts)) if asked else None
            if asked and not asked_topic and sum(len(p.split()) for p in parts) <= SHORT_ASK_WORDS:
                asked_topic = cue_topic(text or "")  # "…ache after typing. Anything that helps?"
            if asked_topic and asked_topic not in answered:
                dispatcher.utter_message(response=f"utter_faq/{asked_topic}")
        events: List[EventType] = []
        # A question ("is mmd the same as tourettes?") is not something the user noticed.
        description = None if is_question(text) else normalise_text(text, MAX_DESCRIPTION)
        known = tracker.get_slot("symptom_description")
        if description and not known:
            events.append(SlotSet("symptom_description", description))
        elif description and description.lower() not in known.lower():
            combined = f"{known}; {description}"
            if len(combined) <= MAX_DESCRIPTION:
                events.append(SlotSet("symptom_description", combined))
        if in_booking:
            # Say "added" only when something was: a question in the form ("which hand did I
            # say moves?") is answered if a topic fits, and the request so far is shown.
            self._reply_in_form(dispatcher, tracker, bool(events), asks, known)
        else:
            response = "utter_symptom_acknowledged_booking" if asks_to_book else "utter_symptom_acknowledged"
            dispatcher.utter_message(response=response)
        logger.info("symptom report acknowledged in_booking=%s described=%s", in_booking, bool(events))
        if asks_to_book:
            # "…can I book something for her please": the user already asked; start it.
            return events + start_booking(dispatcher, tracker)
        if not in_booking:
            events.append(SlotSet("pending_question", "book"))
        return events

    @staticmethod
    def _reply_in_form(
        dispatcher: CollectingDispatcher, tracker: Tracker, added: bool, asks: bool, known: Optional[str]
    ) -> None:
        if added or not asks:
            # Not added because it is already there (said twice): it is in the request.
            dispatcher.utter_message(response="utter_symptom_acknowledged_in_form")
            return
        if asks and answer_questions(
            dispatcher, tracker.latest_message, answer_above=EXTRA_ANSWER_ABOVE, language=tracker.get_slot("language")
        ):
            return
        if known:
            dispatcher.utter_message(response="utter_symptom_request_so_far", symptom_description=known)
        else:
            dispatcher.utter_message(response="utter_symptom_question_in_form")
