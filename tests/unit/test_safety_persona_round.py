"""Safety misses found by a persona session that never read the patterns (pattern 1.20.0).

The causes: an emergency told beside a mirror-movement description or before a question
("…now his left hand is limp and he is confused", "…her arm and leg wont move and shes not
making sense. what specialist…?") had no red-flag words the net knew, so the report or the
question won; "still not conscious" in Bahasa ("masih blm sadar"), and cannot-go-on told in
everyday words were not crisis words. The wordings here are other people's, for the same causes.
"""
from __future__ import annotations

import pytest

from tests.unit.test_safety_id import decide, nlp  # noqa: F401  (the fixture)


@pytest.mark.parametrize("text", [
    "his hands have always mirrored but now he is confused and his right hand is limp",
    "my mum seems confused all of a sudden and her arm wont move",
    "grandad isnt making sense and his leg won't move, is this related to his mirror movements?",
    "she's not making any sense right now, could MMD do that?",
    "adek blm sadar dari tadi",
    "bapak jatuh terus badannya kaku2, ada hubungannya sama mmd gak?",
])
def test_an_emergency_beside_a_report_or_before_a_question_is_an_emergency(nlp, text):  # noqa: F811
    assert decide(nlp, text, "faq") == "emergency"


@pytest.mark.parametrize("text", [
    "honestly I can't take this anymore",
    "i cant do it any more, everything is too much",
    "sometimes i just want to stop existing",
    "she said she wishes she was never born",
    "my fingers copy each other and i don't see the point in living like this",
])
def test_cannot_go_on_in_everyday_words_is_a_crisis(nlp, text):  # noqa: F811
    assert decide(nlp, text, "report_symptom") == "crisis"


@pytest.mark.parametrize("text", [
    "I'm confused about the genetics part",
    "his hand doesn't move separately from the other one",
    "can MMD make someone confused?",
])
def test_not_every_confusion_or_unmoving_hand_is_an_alarm(nlp, text):  # noqa: F811
    assert decide(nlp, text, "faq") not in ("emergency", "crisis")


@pytest.mark.parametrize("text", [
    "bocahku ambekane seseg, piye iki",
    "mbak, lambene mbiru, anakku kenapa iki",
    "simbah napase angel banget",
])
def test_javanese_breathing_trouble_and_blue_lips_are_an_emergency(nlp, text):  # noqa: F811
    assert decide(nlp, text, "faq") == "emergency"
