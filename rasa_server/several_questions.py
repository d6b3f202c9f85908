"""Read a message the way a person wrote it: a question inside a greeting, and two questions.

Rasa classifies a whole message into one intent. Real messages are often "hi, what causes
mmd?" (classified as a greeting: the question was lost) or "what causes it and is there a
cure" (one answer for two questions). This hook wraps MessageProcessor.parse_message:

- a message classified as a pleasantry (greet, thank, goodbye, affirm) that still has a
  question once the greeting and thanks are taken off is classified again without them, and
  that classification is used (the text stays the user's own);
- a message with questions besides its text as a whole (two questions, or context
  sentences around one: spacy_pipeline/question_parts.py) has each question classified on
  its own; every confident FAQ topic that the whole message's answer does not already cover
  is added as a `more_questions` entity ("faq/pain"), which actions/faq_answer.py answers
  after the first. When the whole message was not understood (nlu_fallback, out_of_scope),
  or was an unsure FAQ while its first question alone is clearly one, that question leads.

Only FAQs are taken from the parts: the safety net has already read the whole message, and
an emergency or crisis anywhere in it decides the whole turn.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_server.patching import replaces
from spacy_pipeline.question_parts import question_parts, strip_pleasantries

logger = logging.getLogger(__name__)

PLEASANTRIES = {"greet", "thank", "goodbye", "affirm"}
# Whole-message intents whose questions are looked for: a question, a symptom report that
# also asks ("my son's hand copies. will it go away?") and a message nobody understood.
ASKING = {"faq", "report_symptom", "nlu_fallback", "out_of_scope"}
UNDERSTOOD_NOTHING = {"nlu_fallback", "out_of_scope"}
FAQ = "faq"
REPORT = "report_symptom"
MORE_QUESTIONS = "more_questions"
MIN_PART_CONFIDENCE = 0.6
FALLBACK = "nlu_fallback"
SURE_TOPIC_UNDER_FALLBACK = 0.9
MIN_CORE_WORDS = 3
CLEARER_BY = 0.2
EXTRACTOR = "SeveralQuestions"
stats = {"reparsed": 0}


def _faq_under_fallback(parse_data: Dict[str, Any]) -> bool:
    """A short part ("sakit gak?") the intent classifier was unsure of, whose best reading is
    still a FAQ and whose topic the selector is sure of."""
    ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    return (bool(ranking) and ranking[0].get("name") == FAQ
            and _selected_confidence(parse_data) >= SURE_TOPIC_UNDER_FALLBACK)


def faq_topic(parse_data: Dict[str, Any]) -> Optional[str]:
    """The selected FAQ ("faq/pain") when the message is a confident FAQ, else None."""
    intent = parse_data.get("intent") or {}
    if intent.get("name") == FALLBACK and _faq_under_fallback(parse_data):
        return _selected(parse_data)
    if intent.get("name") != FAQ or (intent.get("confidence") or 0) < MIN_PART_CONFIDENCE:
        return None
    if _selected_confidence(parse_data) < MIN_PART_CONFIDENCE:
        return None
    return _selected(parse_data)


def _take_classification(parse_data: Dict[str, Any], other: Dict[str, Any]) -> None:
    """Uses `other`'s intent, ranking and FAQ selection for `parse_data`; keeps the text."""
    for key in ("intent", "intent_ranking", "response_selector"):
        if key in other:
            parse_data[key] = other[key]
    known = {(e.get("entity"), e.get("value")) for e in parse_data.get("entities", [])}
    parse_data["entities"] = list(parse_data.get("entities", [])) + [
        e for e in other.get("entities", []) if (e.get("entity"), e.get("value")) not in known
    ]


def install() -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.parse_message

    @replaces(MessageProcessor, "parse_message")
    async def parse_message(self, message, tracker=None, only_output_properties=True):  # noqa: ANN001, ANN202
        parse_data = await original(self, message, tracker, only_output_properties)
        text = message.text or ""
        if not text or text.startswith("/"):
            return parse_data

        parsed: Dict[str, Dict[str, Any]] = {}

        async def parse(part: str) -> Dict[str, Any]:
            # A greeting's question ("hi, what causes mmd?") is also the message's only
            # question part: it is classified once.
            if part not in parsed:
                stats["reparsed"] += 1
                part_message = UserMessage(
                    part, sender_id=message.sender_id, input_channel=message.input_channel,
                    metadata=message.metadata,
                )
                parsed[part] = await original(self, part_message, tracker, only_output_properties)
            return parsed[part]

        intent = (parse_data.get("intent") or {}).get("name")
        core = strip_pleasantries(text)
        if intent in PLEASANTRIES and core != text.strip() and len(core.split()) >= MIN_CORE_WORDS:
            core_data = await parse(core)
            if (core_data.get("intent") or {}).get("name") not in PLEASANTRIES | UNDERSTOOD_NOTHING:
                logger.debug("question inside a pleasantry: %s", core_data["intent"].get("name"))
                _take_classification(parse_data, core_data)
                intent = parse_data["intent"].get("name")

        parts = question_parts(text)
        if intent not in ASKING or not parts or parts == [text.strip()]:
            return parse_data
        whole_confidence = _selected_confidence(parse_data) if intent in (FAQ, REPORT) else 0.0
        topics: List[str] = []
        first_faq: Dict[str, Any] = {}
        for part in parts:
            part_data = await parse(part)
            topic = faq_topic(part_data)
            if topic is None and not topics and intent == REPORT and _report_can_take(part_data, whole_confidence):
                # "…moving along with the pen hand. Could that be the mirror movement disorder I've
                # read about?" (0.52): a report's question is answered above 0.5 (its action's
                # threshold), so a part that sure is surer than the story it is told with.
                parse_data["response_selector"] = part_data.get("response_selector")
                continue
            if topic is None:
                continue
            if not topics and intent == REPORT and _selected_confidence(part_data) > whole_confidence:
                # A report that asks ("my son is 3 and his hand copies, is that normal at his
                # age"): its question, read alone and surer, chooses the answer before the offer.
                parse_data["response_selector"] = part_data.get("response_selector")
            elif not topics and (
                intent in UNDERSTOOD_NOTHING
                or (intent == FAQ and whole_confidence < MIN_PART_CONFIDENCE
                    and _selected_confidence(part_data) > whole_confidence + CLEARER_BY)
            ):
                # The whole was not understood, or its context blurred it ("Hi, I'm a
                # teacher. How rare is it?"): its first clear question leads.
                _take_classification(parse_data, part_data)
                intent = FAQ
            if not topics:
                first_faq = part_data
            topics.append(topic)
        if intent == FAQ and len(topics) > 1 and _selected(parse_data) in topics[1:]:
            # Answers in the order asked: the whole chose a later question's topic.
            _take_classification(parse_data, first_faq)
        # The answer given first is the message's selection: only other topics follow.
        leading = _selected(parse_data) if intent in (FAQ, REPORT) else None
        more = [t for i, t in enumerate(topics) if t != leading and t not in topics[:i]]
        parse_data["entities"] = list(parse_data.get("entities", [])) + [
            {"entity": MORE_QUESTIONS, "value": topic, "start": 0, "end": 0, "extractor": EXTRACTOR}
            for topic in more
        ]
        return parse_data


REPORT_ANSWER_ABOVE = 0.5  # actions/faq_answer.py, EXTRA_ANSWER_ABOVE


def _report_can_take(part_data: Dict[str, Any], whole_confidence: float) -> bool:
    intent = part_data.get("intent") or {}
    confidence = _selected_confidence(part_data)
    return (intent.get("name") == FAQ and (intent.get("confidence") or 0) >= MIN_PART_CONFIDENCE
            and confidence >= REPORT_ANSWER_ABOVE and confidence > whole_confidence)


def _response(parse_data: Dict[str, Any]) -> Dict[str, Any]:
    return ((parse_data.get("response_selector") or {}).get(FAQ) or {}).get("response") or {}


def _selected(parse_data: Dict[str, Any]) -> Optional[str]:
    return _response(parse_data).get("intent_response_key")


def _selected_confidence(parse_data: Dict[str, Any]) -> float:
    return float(_response(parse_data).get("confidence") or 0.0)
