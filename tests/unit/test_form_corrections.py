"""Corrections of answers already given, typed at a later question or at the summary.

Written from a Bahasa-speaking mother's booking (persona session): "eh salah, umurnya 7" at the
description question was stored as the description, "lanjut" as her name, "nama sy ratna. trus
keluhannya blm diisi" as her name whole, and "namanya ganti Ratna Wulandari, umur dimas 7" at
the summary changed the name and dropped the age. The wordings below are other people's ways
of saying the same things, in both languages.
"""
from __future__ import annotations

import pytest

from actions.answers import extract_name, parse_summary_edits
from tests.unit.test_form_validation import validate

UP_TO_DESCRIPTION = {"consult_for": "child", "patient_age": 6.0, "patient_age_label": "6", "language": "id"}
UP_TO_CONTACT = {
    "consult_for": "child", "patient_age": 8.0, "patient_age_label": "8",
    "symptom_description": "left hand copies the right", "requester_name": "Dana Lee",
}
UP_TO_TIMES = {**UP_TO_CONTACT, "contact": "dana@example.com"}


@pytest.mark.parametrize("text, asked, filled, slot, value", [
    ("eh salah, umurnya 7", "symptom_description", UP_TO_DESCRIPTION, "patient_age", 7.0),
    ("maaf umurnya salah, harusnya 5 tahun", "symptom_description", UP_TO_DESCRIPTION, "patient_age", 5.0),
    ("sorry, his age is actually 9 not 8", "contact", UP_TO_CONTACT, "patient_age", 9.0),
    ("oops my name is wrong, it's Dana Leigh", "preferred_times", UP_TO_TIMES, "requester_name", "Dana Leigh"),
    ("typo in my email, should be dana.l@example.com", "preferred_times", UP_TO_TIMES, "contact",
     "dana.l@example.com"),
    # At the sharing question (two personas: "nomornya salah, yg bener 0813 9999 8888" and
    # "eh salah, umurnya 7 dink" were read as a non-answer and lost).
    ("nomornya salah, yg bener 0813 9999 8888", "consent", {**UP_TO_TIMES, "contact": "081312345678",
                                                           "preferred_times": "sabtu pagi"},
     "contact", "081399998888"),
    ("eh salah, umurnya 7 dink", "consent", {**UP_TO_TIMES, "preferred_times": "sabtu pagi"}, "patient_age", 7.0),
])
def test_an_earlier_answer_corrected_at_a_later_question_is_changed_and_the_question_asked_again(
    domain, text, asked, filled, slot, value
):
    slots, responses = validate(domain, text, asked, filled=filled)
    assert slots.get(slot) == value
    assert asked not in slots, "the correction was taken as the answer to the current question"
    assert "utter_earlier_answer_updated" in responses


@pytest.mark.parametrize("text", [
    "since he was 3 his left hand copies, not sure why",
    "kalau nulis tangan kirinya ikut gerak, umur 4 mulai keliatan",
    "his right hand copies the left one, not the other way round",
])
def test_a_description_that_mentions_an_age_is_still_the_description(domain, text):
    slots, responses = validate(domain, text, "symptom_description", filled=UP_TO_DESCRIPTION)
    assert slots.get("symptom_description")
    assert slots.get("patient_age", 6.0) == 6.0
    assert "utter_earlier_answer_updated" not in responses


@pytest.mark.parametrize("text, expected", [
    ("namanya ganti Ratna Wulandari, umur dimas 7", {"requester_name": "Ratna Wulandari", "patient_age": 7.0}),
    ("change my name to Jo Park and the age to 8", {"requester_name": "Jo Park", "patient_age": 8.0}),
    ("umurnya salah, 7 thn bukan 6", {"patient_age": 7.0}),
    ("the age should be 8 not 6", {"patient_age": 8.0}),
    ("eh waktunya ganti jd minggu pagi aja deh", {"preferred_times": "minggu pagi"}),
    ("the name is fine, the age should be 9", {"patient_age": 9.0}),
])
def test_every_change_named_at_the_summary_is_made(domain, text, expected):
    slots, _ = validate(domain, text, "booking_confirmed", filled={**UP_TO_TIMES, "consent": True})
    for slot, value in expected.items():
        assert slots.get(slot) == value, (slot, slots)
    assert not slots.get("booking_confirmed")


def test_a_field_said_to_be_right_is_not_changed():
    assert [edit.field for edit in parse_summary_edits("the description is fine but the time is wrong")] == [
        "preferred_times"
    ]


@pytest.mark.parametrize("text", ["lanjut", "lanjutkan", "continue", "next"])
def test_a_word_for_going_on_is_no_name(text):
    assert extract_name(text) is None


@pytest.mark.parametrize("text, name", [
    ("nama sy ratna. trus keluhannya blm diisi", "ratna"),
    ("my name is Mia Chen. also the time is wrong", "Mia Chen"),
    ("Jo P. Park", "Jo P. Park"),
])
def test_a_name_ends_where_a_new_sentence_starts(text, name):
    assert extract_name(text) == name


# A persona came back to a paused booking at the consent question and typed "lanjut" (go on):
# it was stored as consent to share the conversation.
@pytest.mark.parametrize("text", ["lanjut", "yuk lanjutin", "continue", "let's carry on"])
def test_a_word_for_going_on_is_no_consent_to_share(domain, text):
    slots, responses = validate(domain, text, "consent", intent="affirm", filled=UP_TO_TIMES)
    assert slots.get("consent") is None
    assert responses == ["utter_invalid_consent"]


@pytest.mark.parametrize("text", ["ya boleh, lanjut", "yes, continue", "iyo gpp dibagikan", "gapapa, boleh"])
def test_a_yes_with_going_on_is_consent(domain, text):
    slots, _ = validate(domain, text, "consent", intent="affirm", filled=UP_TO_TIMES)
    assert slots.get("consent") is True


# "gotta run, school pickup" was stored as the description and "bentar ya ada kelas" as the
# preferred times: leaving told with its reason, or as "brb", pauses the booking.
@pytest.mark.parametrize("text", [
    "have to run, work call", "brb", "bentar ya, mau jemput adek", "sebentar dulu ya ada kuliah",
    "gotta go, in a meeting", "be right back",
])
def test_leaving_told_with_its_reason_pauses_the_booking(domain, text):
    slots, responses = validate(domain, text, "preferred_times", filled=UP_TO_TIMES)
    assert slots.get("booking_pause") == "farewell" and "preferred_times" not in slots


@pytest.mark.parametrize("text", ["after school on weekdays", "bentar, saya cek jadwal dulu", "later in the afternoon"])
def test_times_that_mention_school_or_a_moment_are_not_leaving(text):
    from actions.answers import leaving
    assert leaving(text) is None
