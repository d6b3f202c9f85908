"""FAQ dialogue through the real servers (issue 10): a question inside a greeting, two
questions in one message, an answer and then the consultation offer, and an honest "I don't
have reliable information" for what the sources do not cover.
"""
from __future__ import annotations

import pytest

from tests.e2e.chat import payloads, texts

OFFER = "/request_consultation"
CAUSES = "Normally the nerve pathway"
TREATMENT = "There is no cure, but support helps"
NORMAL_IN_CHILDREN = "Some mirroring is normal in young children"
PAIN = "Using the hands for a long time"
NOT_COVERED = "I don't have reliable information on that"
INHERITANCE = "When it runs in a family"
PREVALENCE = "It is rare"


@pytest.mark.parametrize("message, answer", [
    ("hi, what causes mmd?", CAUSES),
    ("Hello there! how is it treated thanks", TREATMENT),
    ("good morning, is it inherited? thank you", INHERITANCE),
])
def test_a_question_inside_a_greeting_is_answered(chat, message, answer):
    assert answer in texts(chat.say(message))


def test_a_question_without_a_question_mark_is_answered(chat):
    assert TREATMENT in texts(chat.say("how is it treated"))


@pytest.mark.parametrize("message, first, second", [
    ("what causes it and is there a cure", CAUSES, TREATMENT),
    ("Is it inherited? How rare is it?", INHERITANCE, PREVALENCE),
])
def test_two_questions_in_one_message_get_two_answers(chat, message, first, second):
    said = texts(chat.say(message))
    assert first in said and second in said
    assert said.index(first) < said.index(second)


def test_a_question_about_a_childs_movements_gets_the_answer_then_the_offer(chat):
    replies = chat.say("is it normal for my 4 year old's other hand to copy when she draws?")
    said = texts(replies)
    assert NORMAL_IN_CHILDREN in said and OFFER in payloads(replies)
    assert said.index(NORMAL_IN_CHILDREN) < said.index("book a consultation")


def test_a_question_about_ones_own_pain_gets_the_answer_and_a_yes_starts_the_booking(chat):
    replies = chat.say("my hands hurt after typing all day, is that from the mirror movements?")
    assert PAIN in texts(replies) and OFFER in payloads(replies)
    assert "Who is the consultation for" in texts(chat.say("yes please"))


def test_what_the_sources_do_not_cover_gets_an_honest_answer_and_the_offer(chat):
    replies = chat.say("are there any support groups for parents of kids with cmm")
    assert NOT_COVERED in texts(replies) and OFFER in payloads(replies)
