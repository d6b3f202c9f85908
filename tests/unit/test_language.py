"""The conversation's language: each message's language, switching, other languages
(common/language.py, spacy_pipeline/language.py, actions/language.py)."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionChangeLanguage
from actions.session import ActionSessionStart
from common.language import detect, is_switch_request, read_language, requested_language
from tests.unit.trackers import entity, make_tracker, user_message

INDONESIAN = [
    "apa itu gerakan cermin?", "apakah penyakit ini menurun ke anak?", "selamat pagi", "terima kasih",
    "anak sy tangannya ikut gerak kalo nulis, itu bahaya gak?", "gimana cara ngobatinnya",
    "treatment-nya apa aja", "kejang2 dari tadi", "wes piye iki", "kumaha atuh", "pagi", "umur 5 tahun",
    "makasih ya kak", "halo", "iya boleh", "gak jadi deh", "nama saya Dewi Lestari", "hai", "assalamualaikum",
    "sugeng enjing mas", "punten",
    # Javanese and Sundanese mixes with no Indonesian word in them (a father in Surabaya, a
    # grandmother in Bandung) were answered in English in a new conversation.
    "opo iso mari dewe ta", "arek e nek nulis tangane melu obah", "kudu nang dokter opo",
    "obatna aya teu", "budak abdi kitu ti leutik", "naon sababna", "kumaha ngubaranana",
    # Drawn-out letters ("pagiii" got the English welcome).
    "pagiii", "makasihhh yaaa", "haloooo kak",
]
ENGLISH = [
    "what is mmd", "is it inherited?", "my son's left hand copies his right", "hello, what can you do",
    "thank you so much", "how is it treated", "can adults get it too?",
]
# Form answers are data: "sabtu pagi" typed in an English conversation keeps it English.
UNCLEAR = ["5 tahun", "sabtu pagi", "senin sore jam 5", "7", "MMD?", "ok", "Dewi Lestari", "0812-3456-7890", "",
           "🙂", "hi", "thanks", "yes", "no",
           "ok thanks", "/affirm", "sam@example.com"]
OTHER = ["¿qué es esto? mi hijo tiene las manos así", "qu'est-ce que c'est, mon fils a ça",
         "was ist das, mein Sohn hat das", "这是什么病", "это опасно?", "ما هو هذا المرض"]


@pytest.mark.parametrize("text", INDONESIAN)
def test_indonesian_as_people_type_it(text):
    assert detect(text) == "id"


@pytest.mark.parametrize("text", ENGLISH)
def test_english(text):
    assert detect(text) == "en"


@pytest.mark.parametrize("text", UNCLEAR)
def test_a_message_that_does_not_say_keeps_the_conversation_language(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", OTHER)
def test_other_languages(text):
    assert detect(text) == "other"


@pytest.mark.parametrize("text, language", [
    ("English please", "en"), ("in english pls", "en"), ("can you speak english?", "en"),
    ("bisa bahasa inggris?", "en"), ("ganti ke bahasa inggris", "en"), ("pakai bahasa Indonesia", "id"),
    ("bahasa indo aja", "id"), ("pake bhs indonesia dong", "id"), ("speak indonesian please", "id"),
])
def test_a_request_to_switch_names_its_language(text, language):
    assert is_switch_request(text)
    assert requested_language(text) == language
    assert read_language(text, "faq")["intent"] == "change_language"
    assert read_language(text, "faq")["language"] == language


@pytest.mark.parametrize("text", ["what is mmd in english", "is there an indonesian doctor for this?",
                                  "apakah ada dokter di indonesia?", "my son speaks english and indonesian"])
def test_a_sentence_that_mentions_a_language_is_not_a_switch(text):
    assert not is_switch_request(text)
    assert read_language(text, "faq")["intent"] is None


def test_safety_intents_are_never_changed_but_keep_their_language():
    # Another language: the alarm stands, the conversation's language is kept for its reply.
    assert read_language("mi hijo tiene convulsiones ahora", "emergency") == {
        "intent": None, "language": None, "written_in": "other"}
    assert read_language("English please, he is having a seizure", "emergency")["intent"] is None
    assert read_language("anak saya kejang", "emergency") == {"intent": None, "language": "id", "written_in": "id"}


def test_another_language_is_unsupported_and_sets_no_language():
    assert read_language("¿qué es esto? mi hijo tiene las manos así", "faq") == {
        "intent": "unsupported_language", "language": None, "written_in": "other"}


@pytest.mark.parametrize("text", ["hola", "¿hablas español?", "merci", "bonjour", "Vous parlez français ?"])
def test_a_greeting_in_another_language_is_another_language(text):
    assert detect(text) == "other"


@pytest.mark.parametrize("text, language", [
    ("oh gitu. is it dangerous sih?", None),        # an English question inside Indonesian: keep
    ("hi kak, mmd itu apa ya?", "id"),
    ("anak sy ada mirror movement, treatment-nya apa?", "id"),
    ("my son's doctor said 'gerakan cermin', what does that mean?", "en"),
])
def test_code_switching(text, language):
    assert detect(text) == language


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_switching_confirms_in_the_new_language():
    tracker = make_tracker(slots={"language": "id"}, latest_message=user_message(
        "pakai bahasa Indonesia", "change_language", 1.0, [entity("language", "id")]))
    messages, events = run(ActionChangeLanguage(), tracker)
    assert [m["response"] for m in messages] == ["utter_language_changed"]
    assert events == [SlotSet("language", "id")]


def test_asking_for_a_language_it_does_not_speak_lists_its_languages():
    tracker = make_tracker(latest_message=user_message("do you speak dutch?", "change_language", 0.9))
    messages, events = run(ActionChangeLanguage(), tracker)
    assert [m["response"] for m in messages] == ["utter_languages_spoken"]
    assert events == []


def test_a_new_session_keeps_the_language():
    tracker = make_tracker(slots={"language": "id"}, events=[{"event": "user", "text": "halo"}])
    _, events = run(ActionSessionStart(), tracker)
    assert SlotSet("language", "id") in events


def _held_out(language):
    from pathlib import Path

    import yaml

    nlu = Path(__file__).resolve().parents[1] / "nlu"
    suffix = "_id" if language == "id" else ""
    texts = [e["text"] for path in sorted(nlu.glob("users_*.yml")) if path.stem.endswith("_id") == bool(suffix)
             for e in yaml.safe_load(path.read_text())["questions"]]
    for block in yaml.safe_load((nlu / f"heldout{suffix}.yml").read_text())["nlu"]:
        texts += [line[2:].strip() for line in block["examples"].splitlines() if line.strip()]
    return texts


@pytest.mark.parametrize("language, other", [("en", "id"), ("id", "en")])
def test_no_held_out_message_is_read_as_the_other_language(language, other):
    """The held-out sets were written by people who never saw this code: not one of their
    messages may switch the conversation to the other language (unclear ones keep it)."""
    texts = _held_out(language)
    assert len(texts) > 300
    assert [t for t in texts if detect(t) in (other, "other")] == []
    assert sum(detect(t) == language for t in texts) >= 0.9 * len(texts)


# A tester wrote "sorry my english not good" and was switched to English, and "can the doctor
# speak bahasa?" and was switched to Bahasa instead of being answered.
@pytest.mark.parametrize("text", [
    "sorry my english is not very good", "i dont speak much english", "my english bad, sorry",
    "maaf english saya kurang bagus", "saya kurang lancar bahasa inggris",
])
def test_saying_ones_english_is_poor_asks_for_bahasa(text):
    assert read_language(text, "faq")["intent"] == "change_language"
    assert read_language(text, "change_language")["language"] == "id"


@pytest.mark.parametrize("text", [
    "does the neurologist speak indonesian?", "apakah dokternya bisa bahasa inggris?",
    "can my husband join, he only speaks english",
])
def test_a_question_about_someone_elses_languages_takes_the_classifiers_next_intent(text):
    ranking = [{"name": "change_language", "confidence": 0.7}, {"name": "ask_clinic_details", "confidence": 0.2}]
    assert read_language(text, "change_language", ranking)["intent"] == "ask_clinic_details"


@pytest.mark.parametrize("text, language", [
    ("why are you speaking indonesian", "en"), ("not in indonesian please", "en"),
    ("kenapa jawabnya pakai bahasa inggris", "id"), ("jangan pakai bahasa inggris", "id"),
])
def test_objecting_to_a_language_asks_for_the_other(text, language):
    """ "why are you speaking indonesian" was answered "Baik, saya akan menjawab dalam Bahasa Indonesia"."""
    assert read_language(text, "change_language")["language"] == language


def test_a_clear_language_wins_over_the_safety_nets_guess_from_alarm_words():
    """ "could it be a stroke" is English; "stroke" is also a Bahasa red-flag word, and the
    net's guess made the answer Indonesian for an English speaker (seven times)."""
    from rasa.shared.nlu.training_data.message import Message

    from spacy_pipeline.language import LanguageDetector

    def language_of(text):
        message = Message(data={"text": text, "intent": {"name": "red_flag_context", "confidence": 1.0},
                                "entities": [entity("language", "id")]})
        [message] = LanguageDetector().process([message])
        return [e["value"] for e in message.get("entities") if e["entity"] == "language"]

    assert language_of("could it be a stroke or parkinsons") == ["en"]
    assert language_of("apakah ini stroke?") == ["id"]
    assert language_of("stroke?") == ["id"]  # unclear: the net's guess stands
