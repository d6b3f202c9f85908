"""An independent check of the booking form in Bahasa Indonesia: tests/nlu/form_answers_id.yml
was written from personas by a helper who never read the form's code or its tests (the
parsers' own tests are tests/unit/test_answers_id.py). Each answer must be read as it means;
a non-answer (`null`) must not be stored."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions import answers
from actions.yes_no import read_yes_no

CASES = yaml.safe_load((Path(__file__).resolve().parents[1] / "nlu" / "form_answers_id.yml").read_text())
YES_NO = {"yes": True, "no": False, None: None}


def _digits(contact):
    return contact if contact is None or "@" in contact else "".join(c for c in contact if c.isdigit() or c == "+")


def cases(field):
    return [pytest.param(case["text"], case.get("value", case.get("ok")), id=str(case["text"]))
            for case in CASES[field]]


@pytest.mark.parametrize("text, value", cases("consult_for"))
def test_who_it_is_for(text, value):
    assert answers.parse_consult_for(text) == value


@pytest.mark.parametrize("text, value", cases("patient_age"))
def test_age(text, value):
    age = answers.parse_age(text)
    assert (age.years if age else None) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize("text, value", cases("contact"))
def test_contact(text, value):
    assert _digits(answers.extract_contact(text)) == _digits(value)


@pytest.mark.parametrize("text, ok", cases("preferred_times"))
def test_preferred_times(text, ok):
    assert bool(answers.parse_times(text)) is ok


@pytest.mark.parametrize("text, value", cases("yes_no"))
def test_yes_or_no(text, value):
    assert read_yes_no(text) is YES_NO[value]


@pytest.mark.parametrize("text, value", cases("requester_name"))
def test_name(text, value):
    assert answers.extract_name(text) == value
