"""A typed yes or no outside the form answers the yes/no question the assistant just asked.

Offers ("Would you like to book a consultation?", "continue your booking?", "cancel
MMD-…?") set the `pending_question` slot. A yes counts only if the offer was the assistant's
last turn, so a "yes" after an unrelated answer never starts a booking by surprise.
`read_yes_no` reads the words themselves (English and chat Indonesian: "iyaa", "gak usah"),
so a negation the classifier missed ("gak boleh", "ya jangan") still counts as a no.
"""
from __future__ import annotations

import logging
import re
from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.after_booking import cancel_confirmed, cancel_declined, find_booking, record_change
from actions.answers import is_question
from actions.conversation import BOOKING_FORM, FORM_SLOTS, previous_bot_action
from actions.parsing import normalise_text

logger = logging.getLogger(__name__)

# Actions that ask a yes/no question outside the form, and so may set `pending_question`.
ASKING_ACTIONS = {
    "action_acknowledge_symptom", "action_answer_faq", "action_emergency", "action_crisis", "action_red_flag_context",
    "action_request_human", "action_booking_status", "action_cancel_booking", "action_change_booking",
    "action_submit_booking", "action_stop_outside_booking",
    "action_handle_yes", "action_handle_no", "action_clinic_details", "utter_cannot_diagnose",
    "utter_booking_paused",
}
# The booking offer in the symptom reply is a question even though it sets no slot.
OFFERS_BY_ACTION = {
    "action_acknowledge_symptom": "book",
    "utter_cannot_diagnose": "book",
    "utter_booking_paused": "continue_booking",
}


# --- reading a typed yes or no ----------------------------------------------------------

_YES_WORDS = frozenset(
    """yes yeah yep yup yea ya y iya iy iyes yoi sure ok okay okey oke okeh k alright fine correct right
    absolutely definitely agree sip siap boleh bole bener benar betul yaudah yaudh yauda setuju mau lanjut
    gas ayo yuk tentu pasti jadi bisa
    nggih inggih enggih iyo yoi muhun leres""".split()  # Javanese and Sundanese yes
    + ["\N{THUMBS UP SIGN}"]
)
# "gak jadi", "ya jangan", "belum": any of these in the answer makes it a no.
_NO_WORDS = frozenset(
    """no nope nah n not never don't dont tidak tdk tak gak ga gk nggak ngga enggak engga ndak nda kagak
    jangan jgn belum blm ogah
    ora mboten boten henteu teu embung""".split()  # Javanese and Sundanese no
)
# Words around a yes or a no that change nothing: "iya boleh kak", "tidak, terima kasih".
_YES_NO_FILLER = frozenset(
    """please pls plz thanks thank you thx ty makasih terima kasih kak ka min mas mbak bang deh dong sih aja
    saja lah kok banget sekali go ahead sudah udah tapi but now sekarang dulu lagi usah perlu it that's
    really thats good so much oh ah eh hmm well thing
    dibagikan dibagi bagikan dibagiin share shared""".split()
)
# Negated phrases that mean yes ("gak papa" = that's fine): read as "ya" before the no check.
_NEGATED_YES = re.compile(
    r"\b(?:(?:ga|gak|nggak|ngga|enggak|tidak|tdk|gk) (?:apa[ -]?apa|apa2|apa|papa|masalah|keberatan)|gapapa|gpp|"
    r"(?:ora|ra) (?:popo|opo2|apa2)|teu (?:nanaon|kunanaon)|"
    r"no problem|no worries|why not|(?:i )?(?:don't|dont|do not) mind|not a problem|of course|tentu saja)\b"
)


def _yes_no_words(text: str) -> List[str]:
    """Lowercase words (and thumbs up) with a final letter's repeats squeezed, so "Iyaa",
    "okee" and "nooo" read as "iya", "oke" and "no"; "apa-apa" is two words."""
    lowered = normalise_text(text, 200) or ""
    lowered = lowered.lower().translate(str.maketrans({"\u2019": "'", "\u2018": "'"}))
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)*|\N{THUMBS UP SIGN}", lowered)
    # "gpp" before the squeeze (it would read "gp"), then the squeezed words once more ("gapapaa").
    words = _NEGATED_YES.sub("ya", " ".join(words)).split()
    return _NEGATED_YES.sub("ya", " ".join(re.sub(r"(\w)\1+$", r"\1", word) for word in words)).split()


def read_yes_no(text: object) -> Optional[bool]:
    """True for a typed yes ("iya", "boleh", "siap", "gak papa"), False for a no ("tidak",
    "gak usah", "belum"), None for anything else ("gak tau", a question, a name).

    Every word must be a yes, a no or filler, so "I don't know" is neither; a negation
    anywhere wins, so "gak boleh", "ya jangan" and "iya gak usah" are a no.
    """
    # "why not" and "gak apa" open or end like questions; read as "ya" they are not.
    if not isinstance(text, str) or is_question(_NEGATED_YES.sub("ya", text.lower())):
        return None
    words = _yes_no_words(text)
    if not words or not all(word in _YES_WORDS or word in _NO_WORDS or word in _YES_NO_FILLER for word in words):
        return None
    if any(word in _NO_WORDS for word in words):
        return False
    return True if any(word in _YES_WORDS for word in words) else None


def pending_question(tracker: Tracker) -> str:
    previous = previous_bot_action(tracker)
    if previous not in ASKING_ACTIONS:
        return ""
    # A response cannot set the slot, so its own offer wins over an older value.
    return OFFERS_BY_ACTION.get(previous) or tracker.get_slot("pending_question") or ""


def has_words(text: object) -> bool:
    """Letters or a thumbs up: a bare "?" or "-" is not a yes."""
    return isinstance(text, str) and (
        any(char.isalpha() for char in text) or "\N{THUMBS UP SIGN}" in text or text.startswith("/")
    )


# Words that ask to go on with what was started, as opposed to a plain "ok".
GO_ON = re.compile(
    r"\b(?:lanjut\w*|terus(?:in|kan)|continue|carry on|go on|resume|keep going|let'?s finish)\b", re.IGNORECASE
)


def booking_in_progress(tracker: Tracker) -> bool:
    """Answers of a booking not yet sent (sending clears them). A description prefilled from
    a symptom report alone is no booking in progress."""
    return any(tracker.get_slot(slot) is not None for slot in FORM_SLOTS if slot != "symptom_description")


def start_booking(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The booking form starts (or resumes, keeping answers) as the next action."""
    # A description prefilled from a symptom report is not a booking in progress.
    dispatcher.utter_message(response="utter_resume_booking" if booking_in_progress(tracker) else "utter_start_booking")
    return [SlotSet("pending_question", None), FollowupAction(BOOKING_FORM)]


def answer_yes(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What a yes does to the pending question: book, continue, cancel, or nothing."""
    question = pending_question(tracker)
    logger.info("typed yes pending=%s", question.split(":")[0] or "none")
    if question and not has_words(tracker.latest_message.get("text")):
        # "?" or "-" scored as a yes by the classifier: ask, never act on it.
        dispatcher.utter_message(response="utter_yes_or_no")
        return []
    if question in ("book", "continue_booking"):
        return start_booking(dispatcher, tracker)
    if question.startswith("cancel:"):
        return cancel_confirmed(dispatcher, tracker, question.split(":", 1)[1])
    if not question and GO_ON.search(tracker.latest_message.get("text") or "") and booking_in_progress(tracker):
        # "lanjut" after a booking paused with a goodbye (no question was left open, so a
        # plain "ok" does not restart it; a word for going on does).
        return start_booking(dispatcher, tracker)
    dispatcher.utter_message(response="utter_anything_else")
    return [SlotSet("pending_question", None)]


def answer_no(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What a no does to the pending question: keep the booking, or just acknowledge."""
    question = pending_question(tracker)
    logger.info("typed no pending=%s", question.split(":")[0] or "none")
    if question.startswith("cancel:"):
        return cancel_declined(dispatcher, tracker, question.split(":", 1)[1])
    dispatcher.utter_message(response="utter_no_problem")
    declined = [SlotSet("consultation_declined", True)] if question == "book" else []
    return [SlotSet("pending_question", None), *declined]


class ActionHandleYes(Action):
    def name(self) -> str:
        return "action_handle_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if read_yes_no(tracker.latest_message.get("text")) is False:
            # "gak boleh", "ya jangan": the classifier heard a yes, the negation wins.
            return answer_no(dispatcher, tracker)
        return answer_yes(dispatcher, tracker)


class ActionHandleNo(Action):
    def name(self) -> str:
        return "action_handle_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if read_yes_no(tracker.latest_message.get("text")) is True:
            # "gak papa", "tidak masalah": a negation word that means yes.
            return answer_yes(dispatcher, tracker)
        return answer_no(dispatcher, tracker)


class ActionHandleInform(Action):
    """A bare answer outside the form: the new time after "what would you like to change?",
    else "please say it another way" (never a guess)."""

    def name(self) -> str:
        return "action_handle_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = pending_question(tracker)
        if question.startswith("change:"):
            booking = find_booking(tracker, dispatcher, reference=question.split(":", 1)[1])
            if booking is not None:
                detail = (normalise_text(tracker.latest_message.get("text"), 2000) or "")[:255]
                return record_change(tracker, dispatcher, booking, detail)
            return [SlotSet("pending_question", None)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet("pending_question", None)]
