"""Text cleaning shared by the actions (the form's answers are tested in test_answers.py)."""
from actions.parsing import normalise_text


def test_normalise_text_strips_control_characters_and_limits_length():
    assert normalise_text("  left\x00 hand\n copies ", 100) == "left hand copies"
    assert normalise_text("x" * 101, 100) is None
    assert normalise_text("   ", 100) is None
    assert normalise_text('/inform{"a": 1}', 100) is None
