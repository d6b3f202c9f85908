"""FAQ answers by the selector's confidence, several questions, and the answer before an offer.

Trackers are built as the Rasa server sends them, with the ResponseSelector's output in the
latest message; the real domain and training data are read for the topic checks.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_answer import TOPICS, TOPICS_ID, ActionAnswerFaq, ActionClarify, read_selection
from actions.symptom_actions import ActionAcknowledgeSymptom
from common.language import detect
from tests.unit.trackers import entity, make_tracker, user_message

ROOT = Path(__file__).resolve().parents[2]


def selected(text, ranking, intent="faq", entities=()):
    """A latest message whose selector ranked `ranking` [(topic, confidence), ...]."""
    message = user_message(text, intent, entities=entities)
    top_topic, top_confidence = ranking[0]
    message["response_selector"] = {
        "all_retrieval_intents": ["faq"],
        "faq": {
            "response": {"intent_response_key": f"faq/{top_topic}", "confidence": top_confidence},
            "ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking],
        },
    }
    return message


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def responses(messages):
    return [m.get("response") for m in messages]


def test_a_clear_winner_is_answered_alone(domain):
    tracker = make_tracker(latest_message=selected("how is it treated", [("treatment", 0.97), ("medication", 0.02)]))
    messages, _ = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/treatment"]


def test_a_near_tie_answers_the_winner_and_offers_the_runner_up(domain):
    tracker = make_tracker(latest_message=selected(
        "will it go away", [("prognosis", 0.55), ("normal_in_children", 0.40), ("treatment", 0.05)]))
    messages, _ = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/prognosis", "utter_did_you_mean"]
    assert messages[1]["buttons"] == [{"title": TOPICS["normal_in_children"][0],
                                       "payload": TOPICS["normal_in_children"][1]}]


def test_when_no_topic_is_likely_it_asks_which_of_the_likeliest(domain):
    tracker = make_tracker(latest_message=selected(
        "hmm that thing", [("causes", 0.22), ("not_covered", 0.2), ("genes", 0.18), ("what_is", 0.15), ("pain", 0.1)]))
    messages, _ = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_which_topic"]
    # "no reliable information" is never offered as a choice.
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        TOPICS["causes"][1], TOPICS["genes"][1], TOPICS["what_is"][1]]


def test_every_question_of_the_message_is_answered_in_order(domain):
    message = selected("what causes it and is there a cure", [("causes", 0.9), ("treatment", 0.08)],
                       entities=[entity("more_questions", "faq/treatment")])
    messages, _ = run(ActionAnswerFaq(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_faq/causes", "utter_faq/treatment"]


def test_a_symptom_report_that_asks_gets_the_answer_then_the_offer(domain):
    message = selected("is it normal for my 4 year old's other hand to copy when she draws",
                       [("normal_in_children", 0.8), ("prognosis", 0.1)], intent="report_symptom")
    messages, events = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_faq/normal_in_children", "utter_symptom_acknowledged"]
    assert any(e.get("name") == "pending_question" and e.get("value") == "book" for e in events)


def test_a_symptom_report_with_an_unclear_question_gets_the_offer_only(domain):
    message = selected("my son's hand copies, is that it?", [("symptoms", 0.3), ("what_is", 0.25)],
                       intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_symptom_acknowledged"]


def test_a_report_without_a_question_is_answered_only_when_one_topic_clearly_fits(domain):
    message = selected("my daughter's left hand copies her right", [("causes", 0.3), ("what_is", 0.2)],
                       intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_symptom_acknowledged"]
    message = selected("my right hand copies my left when im gaming and it hurts after a couple hours",
                       [("pain", 0.95), ("daily_life", 0.02)], intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_faq/pain", "utter_symptom_acknowledged"]


def test_an_unclear_message_suggests_faq_topics_or_asks_to_rephrase(domain):
    message = selected("blah about the genes thing", [("genes", 0.4), ("inheritance", 0.35)], intent="nlu_fallback")
    messages, _ = run(ActionClarify(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_which_topic"]
    plain = user_message("asdfgh", "nlu_fallback")
    messages, _ = run(ActionClarify(), make_tracker(latest_message=plain), domain)
    assert responses(messages) == ["utter_default"]


def test_no_selection_reads_as_empty():
    assert read_selection({"text": "hi", "intent": {"name": "greet"}}).ranking == []


def plain(text):
    return text.strip().rstrip("?").lower()


def faq_examples(path=ROOT / "data" / "nlu" / "faq.yml"):
    examples = {}
    for block in yaml.safe_load(path.read_text())["nlu"]:
        topic = block["intent"].split("/", 1)[1]
        examples[topic] = {plain(line[2:]) for line in block["examples"].splitlines() if line.strip()}
    return examples


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_each_suggestion_button_sends_a_question_trained_for_its_topic(domain, topic):
    assert f"utter_faq/{topic}" in domain["responses"]
    assert plain(TOPICS[topic][1]) in faq_examples()[topic]


@pytest.mark.parametrize("topic", sorted(TOPICS_ID))
def test_each_indonesian_button_sends_an_indonesian_question_trained_for_its_topic(topic):
    question = TOPICS_ID[topic][1]
    assert plain(question) in faq_examples(ROOT / "data" / "nlu" / "id" / "faq.yml")[topic]
    assert detect(question) == "id"  # pressing it keeps the conversation in Bahasa Indonesia


def test_topic_buttons_follow_the_conversation_language(domain):
    tracker = make_tracker(slots={"language": "id"}, latest_message=selected(
        "gmn ya", [("causes", 0.3), ("genes", 0.25), ("what_is", 0.2)]))
    messages, _ = run(ActionAnswerFaq(), tracker, domain)
    assert [b["payload"] for b in messages[-1]["buttons"]] == [
        TOPICS_ID["causes"][1], TOPICS_ID["genes"][1], TOPICS_ID["what_is"][1]]


@pytest.mark.parametrize("text", [
    "my hands hurt after typing, is that from the mirror movements?",
    "is it normal that my 4 year old's other hand copies when she draws",
    "i have cmm, will it get worse",
    # Javanese and Sundanese stories (a father in Surabaya, a grandmother in Bandung) got the
    # answer without the offer.
    "bocahku nek nulis tangane melu obah, iku opo?",
    "bojoku tangane niru tangan liyane, iku loro opo",
    "incu abdi leungeunna sok ngiringan, naon eta?",
    "usiaku 30, tanganku dari kecil ikut gerak, nanti makin parah gak",
])
def test_a_question_told_with_a_persons_experience_gets_the_answer_then_the_offer(domain, text):
    tracker = make_tracker(latest_message=selected(text, [("pain", 0.9), ("symptoms", 0.05)]))
    messages, events = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/pain", "utter_offer_after_answer"]
    assert [(e["name"], e["value"]) for e in events] == [("pending_question", "book")]


@pytest.mark.parametrize("text", ["can I pass it on to my kids", "can you play piano if you have cmm",
                                  "what causes mirror movements"])
def test_a_question_about_the_condition_gets_no_offer(domain, text):
    tracker = make_tracker(latest_message=selected(text, [("inheritance", 0.9), ("genes", 0.05)]))
    messages, events = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/inheritance"] and events == []


def test_no_offer_inside_the_booking(domain):
    tracker = make_tracker(latest_message=selected("my hands hurt, is that normal", [("pain", 0.9)]),
                           in_form=True, requested_slot="contact")
    messages, _ = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/pain"]


def after(action, message):
    """A tracker whose last bot action before `message` was `action`."""
    from tests.unit.trackers import LISTEN, bot_turn, user_event

    events = [user_event("earlier", "emergency"), *bot_turn(action), LISTEN,
              {"event": "user", "text": message["text"], "parse_data": message}]
    return make_tracker(latest_message=message, events=events)


def test_a_question_right_after_an_emergency_alarm_gets_the_line_again_first(domain):
    message = selected("should i wait and book an appointment", [("when_to_see_doctor", 0.9)])
    messages, _ = run(ActionAnswerFaq(), after("action_emergency", message), domain)
    assert responses(messages)[:2] == ["utter_emergency_reminder", "utter_faq/when_to_see_doctor"]


# A persona wrote "hah?? gue gak kenapa2 kok. santai. ini bukan emergency sama sekali" after
# the emergency line and got it a second time, then an answer to a question never asked.
@pytest.mark.parametrize("text", ["santai, ini bukan emergency sama sekali", "it's not an emergency, I'm fine"])
def test_saying_it_is_not_an_emergency_after_the_line_gets_no_second_alarm(domain, text):
    from tests.unit.trackers import entity

    message = selected(text, [("causes", 0.4), ("what_is", 0.3)], entities=[entity("alarm_denied", "yes")])
    messages, _ = run(ActionAnswerFaq(), after("action_emergency", message), domain)
    assert responses(messages) == ["utter_alarm_not_needed"]
    messages, _ = run(ActionClarify(), after("action_emergency", message), domain)
    assert responses(messages) == ["utter_alarm_not_needed"]


def test_a_question_after_denying_the_emergency_is_still_answered(domain):
    from tests.unit.trackers import entity

    message = selected("ok not an emergency then. is it inherited?", [("inheritance", 0.9)],
                       entities=[entity("alarm_denied", "yes")])
    messages, _ = run(ActionAnswerFaq(), after("action_emergency", message), domain)
    assert responses(messages)[:2] == ["utter_alarm_not_needed", "utter_faq/inheritance"]


def test_an_unclear_message_right_after_a_crisis_reply_gets_the_crisis_line_not_topics(domain):
    message = selected("idk", [("what_is", 0.2), ("causes", 0.1)], intent="nlu_fallback")
    messages, _ = run(ActionClarify(), after("action_crisis", message), domain)
    assert responses(messages) == ["utter_crisis_reminder"]
    messages, _ = run(ActionClarify(), after("action_answer_faq", message), domain)
    assert responses(messages) == ["utter_which_topic"]


def test_an_unsure_selector_gets_a_second_opinion_from_keyword_cues(domain):
    message = selected("is it normal for my 4 year old's other hand to copy when she draws?",
                       [("medication", 0.25), ("diagnosis", 0.2)], intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_faq/normal_in_children", "utter_symptom_acknowledged"]


def test_cues_for_two_topics_are_no_opinion(domain):
    message = selected("is it genetic and does it hurt", [("what_is", 0.2), ("causes", 0.15)])
    messages, _ = run(ActionAnswerFaq(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_which_topic"]


@pytest.mark.parametrize("text, topic", [
    ("anak sy 7 thn klo main lego tgn satunya ngikutin, hrs ke dr apa ya", "diagnosis"),
    ("bocahku tangane melu obah, kudu nang dokter opo", "diagnosis"),
    ("adik aku susah main gitar krn tangannya ngikut, ada tips gak", "daily_life"),
    ("iku selawase ta?", "prognosis"),
    ("wong gedhe iso kenek ta", "adult_onset"),
    ("my daughter's hand copies when she writes, any tips?", "daily_life"),
    ("anak sy tangannya ikut gerak pas main bola, ada cara biar tetap bisa main?", "daily_life"),
    ("sy 25 thn jari kiri ikut gerak, kerjaan apa yg cocok ya", "daily_life"),
    ("cucu nini leungeunna ngiringan, iraha kudu dibawa ka dokter", "when_to_see_doctor"),
    ("my son's fingers copy each other, when should we get him seen by a doctor?", "when_to_see_doctor"),
])
def test_bahasa_and_english_cues_for_questions_told_with_a_story(domain, text, topic):
    message = selected(text, [("what_is", 0.3), ("symptoms", 0.25)], intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages)[0] == f"utter_faq/{topic}"


# A persona said "ntar dulu deh konsulnya" and still counted four offers in one conversation.
def test_no_offer_after_the_user_declined_one_in_this_session(domain):
    message = selected("my hands hurt after typing, is that from it?", [("pain", 0.9)])
    tracker = make_tracker(latest_message=message, slots={"consultation_declined": True})
    messages, events = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/pain"] and events == []


@pytest.mark.parametrize("text", ["ntar dulu deh konsulnya. tangan gue pegel, itu karena mmd?",
                                  "not now for the appointment, but does my hand pain come from it?"])
def test_putting_the_offer_off_is_remembered(domain, text):
    tracker = make_tracker(latest_message=selected(text, [("pain", 0.9)]))
    messages, events = run(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_faq/pain"]
    assert [(e["name"], e["value"]) for e in events] == [("consultation_declined", True)]


def test_the_not_covered_answer_is_not_followed_by_a_second_offer(domain):
    message = selected("rekomendasi tablet gambar buat tangan gue yg ikut gerak?", [("not_covered", 0.9)])
    messages, _ = run(ActionAnswerFaq(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_faq/not_covered"]


# "I'm 60 and over the past year my right hand has started copying my left … Who should I see
# about this?" got the adult-onset answer only: the story chose the topic, not the question.
def test_the_question_behind_a_story_is_answered_even_when_the_story_chose_another_topic(domain):
    text = ("I'm 60 and over the past year my right hand has started copying my left when I do up "
            "buttons. Who should I see about this?")
    message = selected(text, [("adult_onset", 0.9), ("diagnosis", 0.05)], intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert responses(messages) == ["utter_faq/adult_onset", "utter_faq/diagnosis", "utter_symptom_acknowledged"]


# English stories whose own question went unanswered after a retraining moved the story's topic.
@pytest.mark.parametrize("text, topic", [
    ("im 7 months pregnant and my husband has cmm, his fingers copy each other. will our baby have it", "inheritance"),
    ("I'm 31 with cmm, my left hand mirrors my right when I write. is my brain wired differently?", "causes"),
    ("a boy in my class has sore hands after writing and his other hand copies. how can I help him in lessons?",
     "daily_life"),
    ("i have cmm and driving is hard when i steer and change gear, any advice", "daily_life"),
])
def test_the_question_of_an_english_story_is_answered_beside_the_storys_topic(domain, text, topic):
    message = selected(text, [("pregnancy", 0.9), ("adult_onset", 0.05)], intent="report_symptom")
    messages, _ = run(ActionAcknowledgeSymptom(), make_tracker(latest_message=message), domain)
    assert f"utter_faq/{topic}" in responses(messages)


# "udah di IGD kok" right after the emergency line got the line again ("go to the IGD") and
# "which of these topics?".
def test_help_already_there_after_the_line_gets_the_resolved_reply_not_a_second_alarm(domain):
    from tests.unit.trackers import entity

    message = selected("udah di IGD kok", [("causes", 0.3), ("what_is", 0.2)], intent="nlu_fallback",
                       entities=[entity("red_flag_context", "resolved")])
    for action in (ActionAnswerFaq(), ActionClarify()):
        messages, _ = run(action, after("action_emergency", message), domain)
        assert responses(messages) == ["utter_red_flag_resolved"]
