"""FAQ answers chosen with their confidence: answer, answer and offer the runner-up, or ask.

The ResponseSelector ranks the FAQ topics for a message. A near tie between two topics is
where users got a neighbouring topic's answer, so:
- a clear winner is answered;
- a close second is offered as a "Did you mean …?" button after the answer;
- when no topic is likely, the user is asked which of the likeliest topics they mean;
- every further question in the message (`more_questions`, found by
  rasa_server/several_questions.py) is answered after the first.
A symptom report that also asks something gets the answer before the consultation offer
(actions/symptom_actions.py calls `answer_questions`).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import in_booking, latest_entity, previous_bot_action
from spacy_pipeline.question_parts import asks_something

logger = logging.getLogger(__name__)

FAQ = "faq"
MORE_QUESTIONS = "more_questions"
# Button title and the question it sends, per topic (each question is in its topic's
# training data, tests/unit/test_faq_answer.py checks it).
TOPICS: Dict[str, Tuple[str, str]] = {
    "what_is": ("What is MMD?", "What is MMD?"),
    "symptoms": ("Symptoms", "What are the symptoms?"),
    "causes": ("Causes", "What causes it?"),
    "inheritance": ("Is it inherited?", "Is it inherited?"),
    "genes": ("Which genes?", "Which genes are involved?"),
    "genetic_testing": ("Genetic testing", "What does a genetic test show?"),
    "diagnosis": ("Diagnosis and which doctor", "How is MMD diagnosed?"),
    "when_to_see_doctor": ("When to see a doctor", "When should we see a doctor?"),
    "treatment": ("Treatment", "How is it treated?"),
    "medication": ("Medicines", "Is there a medicine for MMD?"),
    "prognosis": ("Does it change with age?", "Does MMD go away?"),
    "normal_in_children": ("Normal in young children?", "Is some mirroring normal in young children?"),
    "adult_onset": ("Starting in adulthood", "Can adults develop mirror movements?"),
    "other_conditions": ("Other conditions", "What other conditions have mirror movements?"),
    "pain": ("Hand and arm pain", "Does MMD cause hand pain?"),
    "daily_life": ("School, work and daily life", "How can we cope with it day to day?"),
    "learning": ("Learning and intelligence", "Does MMD affect intelligence?"),
    "pregnancy": ("Pregnancy", "Did something in pregnancy cause it?"),
    "feelings": ("Teasing and feelings", "Kids at school laugh at my hands, what can help?"),
    "prevalence": ("How common is it?", "How common is MMD?"),
    "contagious": ("Is it contagious?", "Is MMD contagious?"),
    "about_assistant": ("About this assistant", "What can you do?"),
}
# The same buttons in Bahasa Indonesia: the question is one the NLU reads as the topic (it is
# in the topic's Indonesian training data, data/nlu/id/faq.yml), so the answer comes in the
# language the user is using (spacy_pipeline/language.py reads the question's language).
TOPICS_ID: Dict[str, Tuple[str, str]] = {
    "what_is": ("Apa itu MMD?", "Apa itu MMD?"),
    "symptoms": ("Gejala", "Apa saja gejalanya?"),
    "causes": ("Penyebab", "Apa penyebabnya?"),
    "inheritance": ("Apakah diturunkan?", "Apakah penyakit ini diturunkan ke anak?"),
    "genes": ("Gen yang terlibat", "Gen apa saja yang terlibat?"),
    "genetic_testing": ("Tes genetik", "Apa yang ditunjukkan tes genetik?"),
    "diagnosis": ("Diagnosis dan dokter", "Bagaimana MMD didiagnosis?"),
    "when_to_see_doctor": ("Kapan ke dokter", "Kapan kami harus ke dokter?"),
    "treatment": ("Pengobatan", "Bagaimana cara mengobatinya?"),
    "medication": ("Obat", "Apakah ada obat untuk MMD?"),
    "prognosis": ("Berubah seiring usia?", "Apakah MMD bisa hilang?"),
    "normal_in_children": ("Normal pada anak kecil?", "Apakah gerakan cermin normal pada anak kecil?"),
    "adult_onset": ("Mulai saat dewasa", "Apakah orang dewasa bisa mengalami gerakan cermin?"),
    "other_conditions": ("Kondisi lain", "Penyakit apa lagi yang ada gerakan cerminnya?"),
    "pain": ("Nyeri tangan dan lengan", "Apakah MMD bikin tangan sakit?"),
    "daily_life": ("Sekolah, kerja, sehari-hari", "Bagaimana menjalani hari-hari dengan MMD?"),
    "learning": ("Belajar dan kecerdasan", "Apakah MMD memengaruhi kecerdasan?"),
    "pregnancy": ("Kehamilan", "Apakah ada yang salah waktu hamil sampai anak kena ini?"),
    "feelings": ("Ejekan dan perasaan", "Anak saya diejek temannya karena tangannya, apa yang bisa membantu?"),
    "prevalence": ("Seberapa umum?", "Seberapa banyak orang yang punya MMD?"),
    "contagious": ("Apakah menular?", "Apakah MMD menular?"),
    "about_assistant": ("Tentang asisten ini", "Kamu bisa bantu apa saja?"),
}
BUTTONS_BY_LANGUAGE = {"en": TOPICS, "id": TOPICS_ID}
# "I have no reliable information" is an answer, never a suggestion.
NOT_SUGGESTED = {"not_covered"}

# Thresholds on the selector's confidence (softmax over the topics), set from the
# realistic question sets (tests/nlu/users_*.yml, `make eval` prints the spread).
ANSWER_ABOVE = 0.35        # below: no topic is likely; ask which one
SECOND_ABOVE = 0.2         # a runner-up this likely ...
SECOND_WITHIN = 0.35       # ... and this close to the winner is offered as "Did you mean"
EXTRA_ANSWER_ABOVE = 0.5   # a symptom report's question is answered above this
CLEAR_TOPIC_ABOVE = 0.85   # a report that asks nothing is answered only above this
# (plain reports, "my daughter's left hand copies her right", score 0.1-0.3 on every topic)
MAX_CHOICES = 3

# A question told with a person's own experience ("my hands hurt after typing, is that from
# it?", "is it normal that my 4 year old's hand copies?") gets the consultation offer after
# the answer: someone in it may need a clinician. Who (my…, I, he, she) and what (the body,
# movements, the condition itself) must both be there: "can I pass it on to my kids" is a
# question about the condition, not a description of anyone.
_PERSON = re.compile(
    r"\b(my|our|i|i'm|im|i've|ive|me|he|she|his|her|he's|she's|hes|shes|son|daughter|grandson|"
    r"granddaughter|pupil|student|"
    # Bahasa Indonesia as typed in chat: saya/sy/aku, anak (saya), -ku/-nya owners, family.
    r"saya|sy|aku|aq|gue|gw|anak\w*|ank|adik\w*|adek\w*|suami\w*|istri\w*|ibu\w*|bapak\w*|ayah\w*|"
    r"nenek\w*|kakek\w*|cucu\w*|murid\w*|siswa\w*|dia|beliau|ponakan\w*|keponakan\w*|"
    # Javanese and Sundanese: arek/bocah/bojo/simbah, budak/incu/salaki/abdi.
    r"arek\w*|bocah\w*|bojo\w*|putra\w*|putri\w*|mbah\w*|simbah\w*|kulo|kula|"
    r"budak\w*|incu\w*|salaki\w*|pamajikan\w*|abdi|"
    # "-ku" owns as "my" does: "umurku 28", "tanganku", "mirror movementku".
    r"(tangan|jari|kaki|lengan|umur|usia|badan|tubuh|kondisi|movement|gerakan|bojo|putu)ku)\b", re.IGNORECASE,
)
_EXPERIENCE = re.compile(
    r"\b(hands?|fingers?|arms?|legs?|feet|foot|wrists?|moves?|moving|movements?|cop(y|ies|ying)|"
    r"mirror(s|ing)?|hurts?|pain(ful)?|aches?|aching|sore|cramps?|writ(e|es|ing)|draws?|drawing|"
    r"typ(e|es|ing)|(has|have|with) (cmm|mmd|cmmd|it)|"
    r"tangan\w*|jari\w*|lengan\w*|kaki\w*|gerak\w*|ikut\w*|niru|meniru|nyontek|sakit\w*|nyeri\w*|"
    r"pegal\w*|kram\w*|nulis|menulis|tulisan\w*|gambar|menggambar|ngetik|mengetik|kena (mmd|cmm|ini)|"
    r"melu|obah\w*|ngikut\w*|niru\w*|leungeun\w*|ngiringan)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Selection:
    ranking: List[Tuple[str, float]]  # (topic, confidence), best first

    @property
    def top(self) -> Optional[Tuple[str, float]]:
        return self.ranking[0] if self.ranking else None

    @property
    def runner_up(self) -> Optional[Tuple[str, float]]:
        return self.ranking[1] if len(self.ranking) > 1 else None


def _topic(key: Any) -> Optional[str]:
    if isinstance(key, str) and key.startswith(f"{FAQ}/"):
        return key.split("/", 1)[1]
    return None


def read_selection(latest_message: Dict[str, Any]) -> Selection:
    """The selector's FAQ ranking for the latest message (empty when it did not run)."""
    faq = ((latest_message or {}).get("response_selector") or {}).get(FAQ) or {}
    ranking = []
    for entry in faq.get("ranking") or []:
        topic = _topic(entry.get("intent_response_key"))
        if topic:
            ranking.append((topic, float(entry.get("confidence") or 0.0)))
    if not ranking:
        response = faq.get("response") or {}
        topic = _topic(response.get("intent_response_key"))
        if topic:
            ranking.append((topic, float(response.get("confidence") or 0.0)))
    ranking.sort(key=lambda item: item[1], reverse=True)
    return Selection(ranking)


def more_questions(latest_message: Dict[str, Any]) -> List[str]:
    topics = []
    for entity in (latest_message or {}).get("entities") or []:
        topic = _topic(entity.get("value")) if entity.get("entity") == MORE_QUESTIONS else None
        if topic and topic not in topics:
            topics.append(topic)
    return topics


# A second opinion for when the selector is unsure (long messages with a description
# first dilute it): plain keyword cues for the topics people ask most after describing
# someone. Used only when exactly one topic's cue is in the message.
TOPIC_CUES: Dict[str, re.Pattern[str]] = {
    "normal_in_children": re.compile(
        r"\b(is|it'?s|isn'?t) (it|that|this)? ?(normal|common|usual) (for|at|in)\b"
        r"|\bnormal (for|at) (his|her|their|that|this) age\b", re.I),
    "inheritance": re.compile(
        r"\b(genetic|inherit\w*|hereditary|runs? in (the |our )?family|pass(ed)? (it )?(on|down)"
        r"|from (the )?family|will (our|my|the|his|her) (baby|child|kids?|children) (have|get) it)\b", re.I),
    "causes": re.compile(r"\b(wired (differently|different)|what causes|cause of (it|this|mmd|cmm)|"
                         r"why does (it|this) happen)\b", re.I),
    "pain": re.compile(r"\b(hurts?|hurting|pain\w*|aches?|aching|sore)\b", re.I),
    "treatment": re.compile(r"\b(treatment|treat(ed)?|therapy|cure|physio\w*)\b", re.I),
    "diagnosis": re.compile(
        r"\b(which|what kind of|what type of) (doctor|specialist)|who (do|should|can) (we|i) (see|contact)\b", re.I),
    "prognosis": re.compile(r"\b(go away|get worse|getting worse|grow out of|get better|forever|for life)\b", re.I),
    "pregnancy": re.compile(r"\b(pregnan\w*|in the womb|hamil\w*|kehamilan|kandungan)\b", re.I),
    "learning": re.compile(r"\b(clever|intelligen\w*|smart|learning|iq|dumb\w*|behind at school|"
                           r"pintar|cerdas|kecerdasan|bodoh|belajar\w*|telat mikir)\b", re.I),
    "daily_life": re.compile(r"\b(tips|tricks?|hacks?|still (be able to )?(play|do|write|drive|work|go)|"
                             r"(what|which) (jobs?|careers?|sports?)|driving|(help|support) (her|him|them) "
                             r"(in|at|with) (lessons?|class|school|exams?))\b", re.I),
    "when_to_see_doctor": re.compile(
        r"\bwhen (should|do|to|must|would)\b[^.?!]{0,30}\b(doctor|gp|paediatrician|pediatrician|see|seen|checked)\b",
        re.I),
    "adult_onset": re.compile(r"\b(as an adult|in adults|adults? (get|develop)|in my (40|50|60)s)\b", re.I),
}
# The same cues in Bahasa Indonesia ("normal gak?", "menurun", "sakit", "obatnya", …).
TOPIC_CUES_ID: Dict[str, re.Pattern[str]] = {
    "normal_in_children": re.compile(r"\b(normal|wajar|biasa)\b", re.I),
    "inheritance": re.compile(r"\b(menurun\w*|turunan|keturunan|nurun\w*|genetik|diwariskan|bawaan)\b", re.I),
    "causes": re.compile(r"\b(penyebab\w*|sebabnya|sababna)\b", re.I),
    "pain": re.compile(r"\b(sakit|nyeri|pegal\w*|ngilu|kram)\b", re.I),
    "treatment": re.compile(r"\b(terapi\w*|pengobatan|diobati|ngobatin\w*|sembuh\w*|fisioterapi)\b", re.I),
    # "hrs dibawa ke dokter apa ya", "ke dr mana", "kudu nang dokter opo", "spesialis apa".
    "diagnosis": re.compile(r"\b((dokter|dr|dok|spesialis) (apa|mana|opo|endi|naon)|periksa (ke )?(mana|dimana)|"
                            r"diperiksa (di|ke) ?mana)\b", re.I),
    "prognosis": re.compile(r"\b(hilang|ilang|tambah parah|makin parah|seumur hidup|selamanya|selawase|"
                            r"sampe tua|sampai tua|sampek tuwo|saumur hirup)\b", re.I),
    "daily_life": re.compile(
        r"\b(tips|trik|kiat|saran|biar (gak|ga|nggak|tidak) (susah|kesulitan|struggle)|"
        r"cara (biar|supaya|agar) (tetap|tetep|bisa|bs)|(tetap|tetep) (bisa|bs)|(bisa|bs|iso) (tetap|tetep)|"
        r"(kerjaan|pekerjaan|profesi) (apa|yg|yang))\b", re.I),
    "when_to_see_doctor": re.compile(
        r"\b(kapan|iraha)\b[^.?!]{0,40}\b(dokter|dr|dok|periksa|diperiksa|dibawa|cek|dicek|rujuk|dirujuk)\b|"
        r"\b(perlu|harus|hrs|kudu) (di)?rujuk\b|\bobservasi dulu\b", re.I),
    "adult_onset": re.compile(
        r"\b(orang dewasa|udah dewasa|sudah dewasa|wong (gedhe|gede|tuwo)|pas (udah )?gede)\b", re.I),
}


def cue_topic(text: str) -> Optional[str]:
    found = {topic for cues in (TOPIC_CUES, TOPIC_CUES_ID) for topic, cue in cues.items() if cue.search(text or "")}
    return found.pop() if len(found) == 1 else None


def describes_a_person(tracker: Tracker) -> bool:
    text = tracker.latest_message.get("text") or ""
    if not _PERSON.search(text):
        return False  # "what other conditions have mirror movements": about no one
    return latest_entity(tracker, "symptom_signal") is not None or bool(_EXPERIENCE.search(text))


# Right after an alarm, the next message is about it ("should I wait and book?", "what
# should I do", "idk"): the emergency or crisis line comes again before anything else.
# "ntar dulu deh konsulnya", "not now for the appointment": an offer put off, with a question.
NOT_NOW_FOR_CONSULTATION = re.compile(
    r"\b(ntar|nanti|entar|engko|mengko|later|not now|not yet|maybe later)\b[^.?!]{0,20}"
    r"\b(konsul\w*|booking|daftar|appointment|consultation|book)\b|"
    r"\b(konsul\w*|booking|appointment|consultation)\w*\s+(nya\s+)?(ntar|nanti|later)\b",
    re.IGNORECASE,
)
ALARM_REMINDERS = {"action_emergency": "utter_emergency_reminder", "action_crisis": "utter_crisis_reminder"}


def alarm_denied(tracker: Tracker) -> bool:
    """Right after the emergency line, the user says nothing urgent is happening."""
    return previous_bot_action(tracker) == "action_emergency" and latest_entity(tracker, "alarm_denied") is not None


def help_is_there(tracker: Tracker) -> bool:
    """Right after the emergency line, the user says help has come ("udah di IGD kok")."""
    return (previous_bot_action(tracker) == "action_emergency"
            and latest_entity(tracker, "red_flag_context") == "resolved")


def remind_after_alarm(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    reminder = ALARM_REMINDERS.get(previous_bot_action(tracker) or "")
    if reminder and alarm_denied(tracker):
        # "ini bukan emergency", "gue gak kenapa2": a second alarm would frighten for nothing.
        reminder = "utter_alarm_not_needed"
    elif reminder and help_is_there(tracker):
        # "udah di IGD kok": told to go where they already were, a persona was then asked
        # which FAQ topic they meant.
        reminder = "utter_red_flag_resolved"
    if reminder:
        dispatcher.utter_message(response=reminder)
    return bool(reminder)


def topic_button(topic: str, language: Optional[str] = "en") -> Dict[str, str]:
    title, question = BUTTONS_BY_LANGUAGE.get(language or "en", TOPICS)[topic]
    return {"title": title, "payload": question}


def utter_answer(dispatcher: CollectingDispatcher, topic: str) -> None:
    dispatcher.utter_message(response=f"utter_{FAQ}/{topic}")


def suggestions(selection: Selection, leave_out: Tuple[str, ...] = ()) -> List[str]:
    return [
        topic for topic, _ in selection.ranking
        if topic in TOPICS and topic not in NOT_SUGGESTED and topic not in leave_out
    ][:MAX_CHOICES]


def ask_which_topic(dispatcher: CollectingDispatcher, selection: Selection, language: Optional[str] = "en") -> bool:
    """Asks which of the likeliest topics the user means; False when there is none."""
    choices = suggestions(selection)
    if not choices:
        return False
    dispatcher.utter_message(
        response="utter_which_topic", buttons=[topic_button(topic, language) for topic in choices]
    )
    return True


def answer_questions(
    dispatcher: CollectingDispatcher, latest_message: Dict[str, Any], answer_above: float = ANSWER_ABOVE,
    selection: Optional[Selection] = None, language: Optional[str] = "en",
) -> List[str]:
    """Answers the message's FAQ question(s); returns the topics answered, in order.

    The first topic gets a "Did you mean" button for a close runner-up; the further
    questions of the message follow it. Nothing is said when no topic is likely enough.
    """
    selection = selection or read_selection(latest_message)
    answered: List[str] = []
    top, runner_up = selection.top, selection.runner_up
    if top and top[1] >= answer_above:
        utter_answer(dispatcher, top[0])
        answered.append(top[0])
    elif top is not None:
        cued = cue_topic((latest_message or {}).get("text") or "")
        if cued:
            utter_answer(dispatcher, cued)
            answered.append(cued)
    for topic in more_questions(latest_message):
        if topic not in answered and (topic in TOPICS or topic in NOT_SUGGESTED):
            utter_answer(dispatcher, topic)
            answered.append(topic)
    if (
        len(answered) == 1 and answered[0] == top[0] and runner_up and runner_up[0] not in answered
        and runner_up[0] in TOPICS and runner_up[1] >= SECOND_ABOVE
        and top[1] - runner_up[1] <= SECOND_WITHIN
    ):
        dispatcher.utter_message(response="utter_did_you_mean", buttons=[topic_button(runner_up[0], language)])
    return answered


class ActionAnswerFaq(Action):
    """The reply to an FAQ: the answer(s), a "Did you mean" for a near tie, or a question."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        latest = tracker.latest_message or {}
        selection = read_selection(latest)
        remind_after_alarm(dispatcher, tracker)
        language = tracker.get_slot("language")
        if (alarm_denied(tracker) or help_is_there(tracker)) and not asks_something(latest.get("text") or ""):
            return []  # "santai, ini bukan emergency": the reply above is the whole answer
        answered = answer_questions(dispatcher, latest, selection=selection, language=language)
        if not answered and not ask_which_topic(dispatcher, selection, language):
            dispatcher.utter_message(response="utter_default")
        put_off = bool(NOT_NOW_FOR_CONSULTATION.search(latest.get("text") or ""))
        offered = (
            bool(answered) and describes_a_person(tracker) and not in_booking(tracker)
            and not put_off and not tracker.get_slot("consultation_declined")
            # The not-covered answer asks about booking itself.
            and "not_covered" not in answered
        )
        logger.info(
            "faq answered=%s top_confidence=%.2f offered=%s",
            ",".join(answered) or "-", selection.top[1] if selection.top else 0.0, offered,
        )
        if offered:
            dispatcher.utter_message(response="utter_offer_after_answer")
            return [SlotSet("pending_question", "book")]
        return [SlotSet("consultation_declined", True)] if put_off else []


class ActionClarify(Action):
    """A message nobody understood: suggests the likeliest FAQ topics when there are some."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if remind_after_alarm(dispatcher, tracker):
            return []  # "what should i do" after an alarm: the line again, no FAQ choices
        from actions.yes_no import answer_no, answer_yes, pending_question, read_yes_no

        decided = read_yes_no(tracker.latest_message.get("text"))
        if decided is not None and pending_question(tracker):
            # "ya", "mau", "nggih" after "would you like to book?": one or two words the
            # classifiers are least sure of in two languages, but a clear answer to the question.
            return answer_yes(dispatcher, tracker) if decided else answer_no(dispatcher, tracker)
        if not ask_which_topic(dispatcher, read_selection(tracker.latest_message or {}), tracker.get_slot("language")):
            dispatcher.utter_message(response="utter_default")
        return []
