"""Which part of a message counts as a further FAQ question (rasa_server/several_questions.py)."""
from __future__ import annotations

import pytest

from rasa_server.several_questions import faq_topic


def parsed(intent, confidence, topic, topic_confidence, ranking=None):
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{topic}",
                                                   "confidence": topic_confidence}}},
    }


def test_a_confident_faq_part_counts():
    assert faq_topic(parsed("faq", 0.9, "pain", 0.95)) == "faq/pain"


# "mmd itu nular gak sih? terus ada obatnya gak?" and "sakit gak? bisa sembuh?": the short
# second part fell under the fallback threshold with its topic 0.94-0.95 sure, and was lost.
def test_a_short_part_under_the_fallback_whose_best_reading_is_a_sure_faq_counts():
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "faq", "confidence": 0.45},
               {"name": "report_symptom", "confidence": 0.3}]
    assert faq_topic(parsed("nlu_fallback", 0.5, "pain", 0.94, ranking)) == "faq/pain"


@pytest.mark.parametrize("ranking, topic_confidence", [
    ([{"name": "nlu_fallback", "confidence": 0.5}, {"name": "report_symptom", "confidence": 0.45},
      {"name": "faq", "confidence": 0.3}], 0.95),   # its best reading is not a question
    ([{"name": "nlu_fallback", "confidence": 0.5}, {"name": "faq", "confidence": 0.45}], 0.7),  # topic unsure
])
def test_an_unsure_part_does_not_count(ranking, topic_confidence):
    assert faq_topic(parsed("nlu_fallback", 0.5, "pain", topic_confidence, ranking)) is None


# "…moving along with the pen hand. Could that be the mirror movement disorder I've read
# about?" (what_is 0.52): a report's question that sure leads its answer, as its action answers
# above 0.5.
@pytest.mark.parametrize("confidence, whole, expected", [(0.52, 0.11, True), (0.45, 0.11, False), (0.55, 0.7, False)])
def test_a_reports_question_leads_when_surer_than_the_story_and_above_the_answer_threshold(
        confidence, whole, expected):
    from rasa_server.several_questions import _report_can_take

    assert _report_can_take(parsed("faq", 0.95, "what_is", confidence), whole) is expected
