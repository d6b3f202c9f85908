"""The project's spaCy pipeline (built by `make build`) and the safety signals read from it."""
from pathlib import Path

import pytest
import spacy

from spacy_pipeline.patterns_dsl import PATTERNS_DIR, load_patterns, parse_line, patterns_checksum, patterns_version
from spacy_pipeline.signals import read_signals

PIPELINE = Path(__file__).resolve().parents[2] / "build" / "spacy_mmd"


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(PIPELINE)


def test_dsl_translates_alternatives_optionals_and_wildcards():
    assert parse_line("a|b c? * d") == [
        {"LOWER": {"IN": ["a", "b"]}}, {"LOWER": "c", "OP": "?"}, {"OP": "?"}, {"LOWER": "d"}
    ]
    assert parse_line("# a comment") == []
    with pytest.raises(ValueError):
        parse_line("x? *")


def test_every_pattern_file_loads_with_its_label():
    labels = {pattern["label"] for pattern in load_patterns()}
    assert labels == {
        "BODY_PART", "SIDE", "MIRRORING", "INVOLUNTARY", "WHO", "RED_FLAG", "OTHER_SIDE_MOVES",
        "RED_FLAG_ID", "CRISIS", "CRISIS_ID", "SUDDEN", "DEFICIT", "CONTEXT_NOW", "CONTEXT_PAST",
        "CONTEXT_RESOLVED", "FIGURATIVE", "CONTEXT_HYPOTHETICAL",
    }


def test_a_change_to_the_patterns_comes_with_a_new_version():
    """CHECKSUM records which pattern files a VERSION stands for: edit a pattern without
    bumping VERSION (and updating CHECKSUM) and this fails."""
    recorded_version, recorded_sum = (PATTERNS_DIR / "CHECKSUM").read_text().split()
    assert patterns_checksum() == recorded_sum, (
        "the pattern files changed: bump spacy_pipeline/patterns/VERSION and write "
        "'<version> <checksum>' into CHECKSUM (see patterns/README.md)")
    assert patterns_version() == recorded_version, "VERSION changed without updating CHECKSUM"


def test_the_built_pipeline_is_built_from_the_pattern_files_as_they_are(nlp):
    assert nlp.meta["patterns_sha256"] == patterns_checksum(), "stale build: run make build"


@pytest.mark.parametrize(
    "text",
    ["My son's left hand copies his right hand when he writes",
     "when I move my right hand the left one moves too",
     "my daughter's hands mirror each other",
     "my fingers move on their own when i use the other hand",
     "my kid cant use one hand without the other hand moving"],
)
def test_reports_of_mirroring_are_symptom_reports(nlp, text):
    signals = read_signals(nlp(text))
    assert signals.symptom_report and not signals.red_flag


@pytest.mark.parametrize("text", [
    "my daughter's right hand grips the cup and the other hand grips too",
    "when he squeezes the ball with his left hand the opposite hand squeezes as well",
])
def test_the_other_hand_doing_the_same_grasp_is_a_report(nlp, text):
    assert read_signals(nlp(text)).symptom_report


@pytest.mark.parametrize(
    "text",
    ["What are the symptoms of MMD?", "does it affect the legs too", "is it passed down from parents",
     "I have a rash on my arm", "what does it mean when one hand copies the other"],
)
def test_questions_and_other_complaints_are_not_reports(nlp, text):
    assert not read_signals(nlp(text)).symptom_report


@pytest.mark.parametrize(
    "text",
    ["my dad suddenly can't move his arm", "her face is drooping", "he is having a seizure",
     "she collapsed", "my son hit his head and now his hand moves", "I have chest pain",
     "I can't breathe", "his speech is slurred", "sudden numbness on one side"],
)
def test_red_flags_are_detected(nlp, text):
    assert read_signals(nlp(text)).red_flag


@pytest.mark.parametrize(
    "text",
    ["is it passed down from parents", "can he speak normally", "my hands move together when I type",
     "I can breathe fine", "how is it treated"],
)
def test_ordinary_messages_are_not_red_flags(nlp, text):
    assert not read_signals(nlp(text)).red_flag


# --- the safety decisions the net takes on these signals (spacy_pipeline/safety_net.py) ---

from spacy_pipeline.safety_net import decide_intent  # noqa: E402

CLASSIFIER_RANKING = [{"name": "emergency"}, {"name": "inform"}]


@pytest.mark.parametrize("text", [
    "I want to kill myself, living with this is too hard",
    "honestly i dont want to live anymore",
    "my 13yo said he wishes he was dead bc kids mock his hands",
    "my son wrote a note saying goodbye and that hes sorry",
    "no one would even care if i was gone",
    "i keep cutting my arms when the mirroring gets bad",
    "i just want to go to sleep and never wake up",
    "saya ingin bunuh diri",
    "aku udah gak kuat lagi pengen mati aja",
    "tbh the kids at school are so mean about it i kinda wish i wasnt here anymore",
    "he gets teased a lot and tbh some days i feel like id be better off not waking up, anyway does it get worse",
    "hai, aku 16 thn, kadang aku mikir mending gak usah hidup aja sih, btw ada terapi ga?",
    "some nights i think everyone would be better off if i just wasnt here anymore. anyway is there any treatment",
    "honestly theres no point living like this with my hands doing this stuff",
    # Wanting to vanish, and a plan to jump (pattern 1.12.0): wordings no classifier saw.
    "some days i just want to vanish, this is too much",
    "i've been thinking of jumping from the roof of our building",
    "mendingan saya gak ada, semua orang lebih tenang tanpa saya",
])
def test_thoughts_of_suicide_or_self_harm_are_a_crisis_whatever_the_classifier_said(nlp, text):
    assert decide_intent(read_signals(nlp(text)), "faq", set(), CLASSIFIER_RANKING) == "crisis"


@pytest.mark.parametrize("text", [
    "my dad's face is drooping and he can't talk properly",
    "she had a fit just now",
    "anak saya kejang",
    "mulutnya mencong dan bicaranya pelo",
    "since about an hour ago my left hand copies my right and my left leg feels heavy and weak",
    "my husband cant speak since a few minutes ago",
    "he had a seizure years ago and now he is having one again",
    "oh no he just collapsed and isn't responding",
    "no he's not breathing properly",
    "im 58 and since this morning my right hand started copying my left, and my speech feels kind of slurry",
    "my child is having a seizure, what do i do?",
    "my wife's hands do the mirror thing, but rn her chest is super tight and her left arm hurts, can u book her in",
    # Sudden confusion and breathing trouble in everyday words (pattern 1.12.0).
    "grandpa is disoriented all of a sudden and keeps asking where he is",
    "she doesn't recognise me or her dad",
    "the baby is wheezing and his lips are turning blue",
    "he suddenly cant catch his breath, please help",
    "nenek mendadak linglung, gak kenal keluarga",
])
def test_red_flags_in_the_present_are_an_emergency(nlp, text):
    assert decide_intent(read_signals(nlp(text)), "faq", set(), CLASSIFIER_RANKING) == "emergency"


# Someone who will not wake is an emergency; only wishing not to wake is a crisis (pattern 1.18.0).
# A parent wrote "my son just fell, hit his head and is not waking up" and got the crisis reply.
@pytest.mark.parametrize("text", [
    "my daughter fell off the bed, banged her head and she's not waking up",
    "grandma isn't waking up and her breathing sounds strange",
    "i cant wake him up, he's been lying there for ten minutes",
    "the baby still not awake after the fall, what do i do",
    "he hasn't woken up since he hit the floor",
    "my husband is not waking up",
    "anak saya jatuh dari tangga, dari tadi tidur gak bangun2",
    "adikku tidur terus gak bangun bangun habis jatuh",
])
def test_someone_who_will_not_wake_is_an_emergency_not_a_crisis(nlp, text):
    assert decide_intent(read_signals(nlp(text)), "faq", set(), CLASSIFIER_RANKING) == "emergency"


@pytest.mark.parametrize("text", [
    "sometimes i hope i dont wake up in the morning",
    "i'd rather not wake up tomorrow",
    "i just want to sleep and not wake up",
    "i never want to wake up again",
    "kadang aku berharap tidur dan gak bangun lagi",
    "pengen minum obat tidur biar gak bangun lagi",
])
def test_wishing_not_to_wake_is_a_crisis(nlp, text):
    assert decide_intent(read_signals(nlp(text)), "faq", set(), CLASSIFIER_RANKING) == "crisis"


@pytest.mark.parametrize("text, context", [
    ("does mirror movement disorder cause seizures?", "question"),
    ("mirror movements and stroke are they the same thing", "question"),
    ("my son had a febrile seizure two years ago, could that have caused it?", "past"),
    ("he is fine now, the ambulance came, continue", "resolved"),
    ("the seizure stopped and the nurse is here now, just wondering if its linked", "resolved"),
    ("what should i do if my child has a seizure?", "question"),
    ("hypothetically if she hit her head and then her hands started moving weird what should i do", "question"),
    ("she had a seizure once when she was 2 with a fever, doctors said it was febrile. does that matter?", "past"),
    ("my son had a seizure when he was 2, he's 8 now and fine. does that make MMD more likely?", "past"),
    ("could her seizure earlier have anything to do with the mirror movements?", "past"),
])
def test_red_flags_asked_about_long_past_or_with_help_there_are_answered(nlp, text, context):
    signals = read_signals(nlp(text))
    assert decide_intent(signals, "emergency", set(), CLASSIFIER_RANKING) == "red_flag_context"


@pytest.mark.parametrize("text, predicted, expected", [
    ("son is 4, his left hand copies his right. the doctor said wait and see. should we push for tests",
     "report_symptom", "report_symptom"),
    ("grandson doctor say cmm. what is cmm", "faq", None),
    ("our doctor thinks it is mirror movements, is it inherited?", "faq", None),
    # After an emergency, the same words are still "help has come".
    ("he is fine now, the doctor saw him", "inform", "red_flag_context"),
])
def test_a_doctor_in_a_question_or_report_is_context_not_an_emergency(nlp, text, predicted, expected):
    assert decide_intent(read_signals(nlp(text)), predicted, set(), CLASSIFIER_RANKING) == expected


@pytest.mark.parametrize("text", [
    "he is 7, otherwise healthy, no seizures, eats well",
    "tangan kanannya ikut gerak, tidak ada kejang",
    "its not an emergency thats my name lol",
    "im dead tired lol long day",
    "this homework is killing me",
])
def test_denied_red_flags_and_figures_of_speech_are_not_alarms(nlp, text):
    assert decide_intent(read_signals(nlp(text)), "emergency", set(), CLASSIFIER_RANKING) not in (
        "emergency", "crisis"
    )


@pytest.mark.parametrize("text, predicted, expected", [
    ("please cancel MMD-6QXHPQ", "faq", "cancel_booking"),
    ("can we move MMD-6QXHPQ to friday", "faq", "change_booking"),
    ("what's the status of MMD-6QXHPQ?", "faq", "booking_status"),
    ("my dad collapsed, booking MMD-6QXHPQ", "emergency", None),
    ("what is mirror movement disorder", "faq", None),
    ("cancel MMD-6QXHPQ please, we'll go to our GP instead", "change_booking", "cancel_booking"),
    ("MMD-6QXHPQ did it go through", "booking_status", None),
])
def test_a_message_naming_a_reference_is_about_that_booking(text, predicted, expected):
    from spacy_pipeline.booking_reference import intent_for_reference

    assert intent_for_reference(text, predicted) == expected


@pytest.mark.parametrize("text, predicted, expected", [
    ("I do not want to book now", "request_consultation", "deny"),
    ("no booking for now thanks", "request_consultation", "deny"),
    ("gak mau konsul dulu", "request_consultation", "deny"),
    ("tidak jadi daftar", "affirm", "deny"),
    ("I don't know how to book", "request_consultation", None),
    ("yes please book it", "request_consultation", None),
    ("can i book for my son, not for me", "request_consultation", None),
])
def test_a_negated_booking_request_is_a_no(text, predicted, expected):
    """A tester's paused booking started again on "I do not want to book now"."""
    from spacy_pipeline.booking_reference import intent_for_reference

    assert intent_for_reference(text, predicted) == expected


# "cancel it" after a booking: cancel_booking 0.51, stop 0.42, so the fallback's ambiguity
# rule said "not sure I understood" (an end-to-end test caught it after a retraining).
@pytest.mark.parametrize("text, ranking, expected", [
    ("cancel it", ["nlu_fallback", "cancel_booking", "stop", "affirm"], "cancel_booking"),
    ("batalin aja", ["nlu_fallback", "stop", "cancel_booking"], "cancel_booking"),
    ("cancel it", ["nlu_fallback", "cancel_booking", "faq"], None),
    ("what is it", ["nlu_fallback", "cancel_booking", "stop"], None),
])
def test_a_cancel_split_between_cancelling_and_stopping_reads_as_cancel(text, ranking, expected):
    from spacy_pipeline.booking_reference import intent_for_cancel_tie

    assert intent_for_cancel_tie(text, ranking[0], [{"name": name} for name in ranking]) == expected


def test_a_crisis_written_in_indonesian_is_answered_in_indonesian(nlp):
    text = "hai, aku 16 thn, tanganku mirror gitu loh, kadang aku mikir mending gak usah hidup aja sih"
    signals = read_signals(nlp(text))
    assert signals.crisis and signals.indonesian


def test_a_crisis_told_as_long_over_is_marked_past(nlp):
    signals = read_signals(nlp("years ago as a teen i used to self harm bc of being bullied, im fine now"))
    assert signals.crisis and signals.crisis_long_past
    assert not read_signals(nlp("i used to self harm years ago and i did it again last night")).crisis_long_past


def test_a_what_if_question_without_red_flag_words_is_not_an_alarm(nlp):
    signals = read_signals(nlp("what if he hits his head playing footy, would that make it worse?"))
    assert decide_intent(signals, "emergency", set(), CLASSIFIER_RANKING) != "emergency"


@pytest.mark.parametrize("with_marks, without", [
    ("How is it treated?", "how is it treated"),
    ("cmmd??", "cmmd"),
    ("What could be causing this?!", "what could be causing this"),
])
def test_the_tokenizer_reads_a_question_the_same_with_or_without_punctuation(nlp, with_marks, without):
    from rasa.nlu.constants import SPACY_DOCS
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from spacy_pipeline.word_tokenizer import WordTokenizer

    tokenizer = WordTokenizer(WordTokenizer.get_default_config())

    def words(text):
        message = Message(data={TEXT: text, SPACY_DOCS[TEXT]: nlp(text)})
        return [token.text.lower() for token in tokenizer.tokenize(message, TEXT)]

    assert words(with_marks) == words(without)
    assert words("?") == ["?"]  # punctuation alone is still something to classify
