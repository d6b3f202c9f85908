import pytest

from actions.parsing import normalise_text, parse_age, parse_consult_for, parse_contact


@pytest.mark.parametrize(
    "text, expected",
    [("7", 7), ("7 years old", 7), ("he is six", 6), ("18 months", 1), ("3 weeks", 0),
     ("42", 42), (7.0, 7), ("0", 0), ("120", 120), ("I'm 34.", 34), ("my son is 7 yrs", 7),
     ("She's 12 years old", 12)],
)
def test_age_is_parsed_in_years(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "old", "-5 years", "121", "7 or 8", "abc", None, True, "1000",
                                  "<img src=x onerror=alert(1)>", "call me on 5551234", "two hundred"])
def test_unclear_or_out_of_range_age_is_rejected(text):
    assert parse_age(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [("sam@example.com", "sam@example.com"),
     ("my email is Jane.Doe+mmd@mail.example.org", "Jane.Doe+mmd@mail.example.org"),
     ("+44 7700 900123", "+447700900123"),
     ("(555) 123-4567", "5551234567"),
     ("call 07700900123 please", "07700900123")],
)
def test_contact_accepts_email_or_phone(text, expected):
    assert parse_contact(text) == expected


@pytest.mark.parametrize(
    "text", ["sam@", "not an email", "12345", "1234567890123456", "", None, "@example.com"]
)
def test_contact_rejects_invalid_values(text):
    assert parse_contact(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [("self", "self"), ("child", "child"), ("other", "other"), ("for me", "self"),
     ("it's for my son", "child"), ("my daughter", "child"), ("someone else", "other"),
     ("my husband", "other")],
)
def test_consult_for_understands_buttons_and_words(text, expected):
    assert parse_consult_for(text) == expected


@pytest.mark.parametrize("text", ["me and my son", "banana", "", None])
def test_consult_for_rejects_ambiguous_answers(text):
    assert parse_consult_for(text) is None


def test_normalise_text_strips_control_characters_and_limits_length():
    assert normalise_text("  left\x00 hand\n copies ", 100) == "left hand copies"
    assert normalise_text("x" * 101, 100) is None
    assert normalise_text("   ", 100) is None
    assert normalise_text('/inform{"a": 1}', 100) is None
