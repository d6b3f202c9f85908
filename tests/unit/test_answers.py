"""What a user types at each booking-form question, in English and informal Indonesian."""
import pytest

from actions.answers import (
    Age,
    SummaryEdit,
    extract_contact,
    extract_name,
    extract_several,
    is_chitchat,
    is_explicit_stop,
    is_go_back,
    is_non_answer,
    is_question,
    is_time_phrase,
    parse_age,
    parse_consult_for,
    parse_description,
    parse_summary_edit,
    parse_times,
)

# --- questions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["is it 50%", "what is mmd", "How much is it", "how long does it take", "when can I come",
     "where are you based", "Can I book?", "do u have weekend slots", "may i ask something",
     "Is it free", "IS IT FREE", "will you call me", "should I bring anything", "who is the doctor",
     "why", "Jo Park?", "saturday?", "is it confidential 🙏?", "apakah gratis", "apa itu mmd",
     "berapa biayanya", "gimana caranya", "kapan buka", "siapa dokternya", "bisakah hari sabtu",
     "kenapa harus kasih nomor", "what？",
     # A question before more words, and asking announced in Javanese (a persona at the age
     # question was told to write the age in digits).
     "eh sebentar, konsultasi e sakit gak sih? anakku wedi disuntik", "lho sy takon, pemeriksaane sakit gak",
     "does it hurt? he cries a lot"],
)
def test_questions_are_recognised(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    ["Will Banks", "will banks", "Hope Williams", "Can Yilmaz", "can yilmaz", "May Chen", "Is Ahmed",
     "Will", "Jo Park", "saturday morning", "when he eats he vomits", "how he behaves worries me",
     "kapan saja boleh", "kapan aja", "apa aja boleh", "don't know yet", "my son is 7", "", None, "   ",
     "6? i think", "his hand copies? yes when he writes", "tangan kiri ikut gerak? iya pas nulis"],
)
def test_answers_and_names_are_not_questions(text):
    assert not is_question(text)


# --- explicit stop -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["stop", "Stop.", "STOP!!", "stop 🙏", "cancel", "pause", "quit", "exit", "not now", "later",
     "maybe later", "not right now", "I don't want to continue", "i dont want to continue anymore",
     "I don\u2019t want to continue", "stop the booking", "cancel the appointment", "cancel it",
     "stop please", "ok stop please", "please stop now", "forget it", "forget about it", "nevermind",
     "never mind", "nvm", "i changed my mind", "I've changed my mind",
     "i want to stop", "I'd like to cancel the booking", "let's stop here", "I'll do it later",
     "i'm done", "berhenti", "berhenti dulu", "batal", "batalkan", "batalin aja", "batal booking",
     "nanti saja", "nanti aja deh", "nanti", "lain kali aja", "gak jadi", "ga jadi deh", "tidak jadi",
     "gak mau lanjut", "udahan", "sudah dulu ya kak", "saya mau berhenti", "aduh nanti dulu ya"],
)
def test_explicit_stops(text):
    assert is_explicit_stop(text)


@pytest.mark.parametrize(
    "text",
    ["Emma Stone", "Stoppard", "Tom Stopper", "stop.smoking@mail.com", "cancel@example.com",
     "he can't stop crying", "I want to stop taking my medication",
     "I don't want to continue living", "stop and start stuttering", "nanti sore", "later in the week",
     "batuk", "Saturday after 5", "", None,
     # A "no" (to consent, say), which the question itself handles.
     "no", "no thanks", "no thank you", "gak usah", "tidak usah"],
)
def test_names_emails_and_descriptions_are_not_stops(text):
    assert not is_explicit_stop(text)


# --- chit-chat ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["thanks", "Thanks!", "thank you so much!!", "thx", "ty", "hello", "hi there", "hiii", "Hey 👋",
     "ok", "okkk", "OK.", "okay thanks", "cool", "got it", "yes", "yeah sure", "good morning",
     "terima kasih", "makasih kak", "oke siap", "sip", "halo kak", "selamat pagi", "haha", "wkwkwk",
     "lol ok", "hmm", "👍", "🙏🙏", "...", "iya"],
)
def test_chitchat(text):
    assert is_chitchat(text)


@pytest.mark.parametrize(
    "text",
    ["morning", "sabtu pagi", "Jo", "Jo Park", "thanks Jo", "headaches", "stop", "hello, I'm Jo",
     "weekday mornings", "7", "", None],
)
def test_answers_are_not_chitchat(text):
    assert not is_chitchat(text)


# --- go back -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["go back", "Go back!", "back", "previous question", "the previous question", "wait, go back",
     "can we go back?", "go back to the previous question", "undo", "kembali",
     "balik ke pertanyaan sebelumnya", "kembali ke sebelumnya", "pertanyaan sebelumnya", "mundur"],
)
def test_go_back(text):
    assert is_go_back(text)


@pytest.mark.parametrize(
    "text", ["my back hurts", "back pain", "kembali besok", "back on Monday", "Backhouse", "", None]
)
def test_descriptions_mentioning_back_are_not_go_back(text):
    assert not is_go_back(text)


@pytest.mark.parametrize("text", ["stop", "go back", "what is this?", "thanks", "is it free"])
def test_non_answers(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["Jo Park", "sabtu pagi", "jo@x.com", "he cries at night"])
def test_answers_are_answers(text):
    assert not is_non_answer(text)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("Jo Park", "Jo Park"),
     ("my name is Jo Park", "Jo Park"),
     ("My name's Jo Park.", "Jo Park"),
     ("I'm Jo", "Jo"),
     ("I\u2019m Jo", "Jo"),
     ("im jo", "jo"),
     ("Hi, I'm Sam", "Sam"),
     ("hello Jo Park", "Jo Park"),
     ("it's Hope Williams", "Hope Williams"),
     ("this is Nguyen Van An", "Nguyen Van An"),
     ("María José García-López", "María José García-López"),
     ("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"),
     ("nama saya Dewi Lestari", "Dewi Lestari"),
     ("Saya Budi", "Budi"),
     ("namaku Putri", "Putri"),
     ("nama saya Budi, makasih", "Budi"),
     ("dewi lestari 0813 2222 3333", "dewi lestari"),
     ("Jo Park, jo@example.com", "Jo Park"),
     ("Name: Will Banks", "Will Banks"),
     ("name - Will Banks", "Will Banks"),
     ("Will Banks", "Will Banks"),
     ("will banks", "will banks"),
     ("Hope Williams", "Hope Williams"),
     ("Can Yilmaz", "Can Yilmaz"),
     ("Dan Brown", "Dan Brown"),
     ("He Jun", "He Jun"),
     ("To Lam", "To Lam"),
     ("May Chen", "May Chen"),
     ("Im Yoon-ah", "Im Yoon-ah"),
     ("So Yeon Park", "So Yeon Park"),
     ("Ya-ting Chen", "Ya-ting Chen"),
     ("Sunday Adeyemi", "Sunday Adeyemi"),
     ("June", "June"),
     ("Will", "Will"),
     ("Seán O\u2019Brien", "Seán O'Brien"),
     ("Ludwig van Beethoven", "Ludwig van Beethoven"),
     ("Dr. Amelia Watson", "Dr. Amelia Watson"),
     ("Jo P.", "Jo P."),
     ("Jo    Park", "Jo Park"),
     ("  Jo Park!! ", "Jo Park"),
     ("Jo 😊", "Jo"),
     ("Jo ❤️", "Jo"),
     ("Jo Park thanks", "Jo Park"),
     ("李小龙", "李小龙"),
     ("Mary-Jane Watson-Parker", "Mary-Jane Watson-Parker")],
)
def test_name_is_extracted(text, expected):
    assert extract_name(text) == expected


@pytest.mark.parametrize(
    "text",
    ["what is this?", "is it 50%", "Jo Park?", "how much does it cost", "thanks", "hello", "ok",
     "hi there", "terima kasih", "👍", "stop", "cancel", "nanti saja", "go back", "sabtu pagi",
     "weekday mornings", "Saturday morning", "after 5pm", "jo@example.com", "12345", "0812 3456 7890",
     "call me on 0812 3456 7890", "no thanks", "gak usah", "a b c d e f g", "one two three four five six seven",
     "my son has a fever", "I'm 35", "I'm fine", "Jo & Sam", "<script>", "Jo=1", "...", "", None,
     "x" * 101],
)
def test_non_names_are_rejected(text):
    assert extract_name(text) is None


def test_long_name_up_to_six_words_is_kept():
    assert extract_name("Ana María de los Santos García") == "Ana María de los Santos García"


# --- contact -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("jo@example.com", "jo@example.com"),
     ("you can reach me at will.banks@outlook.com", "will.banks@outlook.com"),
     ("stop.smoking@mail.com", "stop.smoking@mail.com"),
     ("email: Jo.Park+mmd@mail.co.uk, thanks", "Jo.Park+mmd@mail.co.uk"),
     ("jo@example.com.", "jo@example.com"),
     ("call me on 0812-3456-7890", "081234567890"),
     ("+62 812 3456 7890", "+6281234567890"),
     ("+44 20 7946 0958", "+442079460958"),
     ("(555) 123-4567", "5551234567"),
     ("my number is 555.123.4567 thanks", "5551234567"),
     ("wa aja ya kak 0813-2222-3333", "081322223333"),
     ("0812 3456 7890 / 0813 1111 2222", "081234567890"),
     ("1234567", "1234567")],
)
def test_contact_is_found_anywhere(text, expected):
    assert extract_contact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["7", "2019", "35 years", "12.03.2024", "123456", "1234567890123456", "jo@", "@example.com",
     "not an email", "jo at example", "i live at home dot com", "", None],
)
def test_non_contacts_are_rejected(text):
    assert extract_contact(text) is None


# --- age ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, years, label",
    [("7", 7, "7"), ("7 years", 7, "7"), ("7 years old", 7, "7"), ("seven", 7, "7"), ("SEVEN", 7, "7"),
     ("thirty five", 35, "35"), ("thirty-five", 35, "35"), ("ok 29", 29, "29"), ("she's 7", 7, "7"),
     ("she\u2019s 7 🙂", 7, "7"), ("he is 7 years old", 7, "7"), ("I'm 34.", 34, "34"),
     ("it's for my daughter, she's 7", 7, "7"), ("my little one is 3", 3, "3"), ("around 40", 40, "40"),
     ("about 7 i think", 7, "7"), ("7yo", 7, "7"), ("7 yrs", 7, "7"), ("7 yeras old", 7, "7"),
     ("18 months", 1.5, "18 months"), ("18mo", 1.5, "18 months"), ("1 month", 1 / 12, "1 month"),
     ("6 weeks", 6 * 7 / 365.25, "6 weeks"), ("10 days", 10 / 365.25, "10 days"),
     ("2 and a half", 2.5, "2.5"), ("a year and a half", 1.5, "1.5"), ("7.5", 7.5, "7.5"),
     ("7,5", 7.5, "7.5"), ("2 years 3 months", 2.25, "2 years 3 months"),
     ("5 tahun", 5, "5"), ("umurnya 7 tahun", 7, "7"), ("anak saya umur 5 tahun", 5, "5"),
     ("18 bulan", 1.5, "18 months"), ("lima", 5, "5"), ("dua puluh", 20, "20"),
     ("dua puluh lima", 25, "25"), ("dua belas", 12, "12"), ("sebelas", 11, "11"),
     ("sepuluh", 10, "10"), ("setahun", 1, "1"), ("satu setengah tahun", 1.5, "1.5"),
     ("2 setengah tahun", 2.5, "2.5"), ("newborn", 0, "newborn"), ("0", 0, "0"), ("120", 120, "120")],
)
def test_age_is_parsed(text, years, label):
    age = parse_age(text)
    assert age is not None
    assert age.years == pytest.approx(years, abs=1e-3)
    assert age.label == label


@pytest.mark.parametrize(
    "text",
    ["7 or 8", "maybe 7 or 8", "7-8", "7 years old, born 2019", "2019", "121", "1000", "-5 years",
     "two hundred", "0812 3456 7890", "call me on 5551234", "alert(1)", "<img src=x onerror=alert(1)>",
     "abc", "old", "room 7 please", "for 2 weeks since monday", "", None, True],
)
def test_unclear_ages_are_rejected(text):
    assert parse_age(text) is None


def test_age_from_a_number_and_its_display():
    assert parse_age(7.0) == Age(7.0, "7")
    assert str(parse_age("18 months")) == "18 months"
    assert parse_age("18 months").whole_years == 1


# --- who the consultation is for ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("self", "self"), ("child", "child"), ("other", "other"), ("me", "self"), ("myself", "self"),
     ("for me", "self"), ("Me.", "self"), ("I", "self"), ("it's me", "self"),
     ("my daughter", "child"), ("it's for my son", "child"), ("my kid", "child"), ("My baby 👶", "child"),
     ("I'm booking for my daughter", "child"), ("it's for my son not me", "child"),
     ("not for me, it's for my son", "child"), ("my husband", "other"), ("someone else", "other"),
     ("my mom", "other"), ("a friend", "other"),
     ("untuk saya", "self"), ("saya sendiri", "self"), ("saya", "self"), ("aku", "self"),
     ("anak saya", "child"), ("anakku", "child"), ("si kecil", "child"), ("buat anak saya", "child"),
     ("suami saya", "other"), ("istri", "other"), ("ibu saya", "other"), ("buat adik saya", "other"),
     ("orang lain", "other"), ("bukan saya, untuk istri saya", "other")],
)
def test_consult_for(text, expected):
    assert parse_consult_for(text) == expected


@pytest.mark.parametrize(
    "text", ["me and my son", "untuk saya dan anak saya", "my wife and my daughter", "banana", "", None]
)
def test_consult_for_ambiguous_or_unknown(text):
    assert parse_consult_for(text) is None


# --- times and description ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("sabtu pagi", "sabtu pagi"), ("weekday mornings", "weekday mornings"),
     ("  any time after 5pm  ", "any time after 5pm"), ("Mon/Wed 10-12", "Mon/Wed 10-12"),
     ("kapan saja boleh", "kapan saja boleh"), ("10-12", "10-12"), ("morning", "morning"),
     ("whenever works for the doctor", "whenever works for the doctor"),
     # Not clearly a question (no "?", no pronoun after "is"), and it does name a day.
     ("is saturday possible", "is saturday possible")],
)
def test_times_are_taken_as_typed(text, expected):
    assert parse_times(text) == expected


@pytest.mark.parametrize(
    "text",
    ["thanks", "ok", "terima kasih", "what times do you have?", "is saturday possible?", "stop",
     "nanti saja", "go back", "👍", "x" * 256, "", None],
)
def test_non_times_are_rejected(text):
    assert parse_times(text) is None


def test_description_is_taken_as_typed_up_to_its_limit():
    assert parse_description(" he cries every night\nand won't eat ") == "he cries every night and won't eat"
    assert parse_description("x" * 1000) == "x" * 1000
    assert parse_description("x" * 1001) is None
    assert parse_description("thanks") is None
    assert parse_description("stop") is None


@pytest.mark.parametrize(
    "text, expected",
    [("sabtu pagi", True), ("weekday mornings", True), ("after 5pm", True), ("Monday or Tuesday", True),
     ("any time", False), ("Sunday Adeyemi", False), ("Jo Park", False), ("the", False)],
)
def test_time_phrases(text, expected):
    assert is_time_phrase(text) is expected


# --- several fields in one message -------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("it's for my daughter, she's 7", {"consult_for": "child", "patient_age": Age(7.0, "7")}),
     ("for me, I'm 35", {"consult_for": "self", "patient_age": Age(35.0, "35")}),
     ("my son is 18 months old", {"consult_for": "child", "patient_age": Age(1.5, "18 months")}),
     ("I'd like to book for my son, he's 7 and has trouble sleeping",
      {"consult_for": "child", "patient_age": Age(7.0, "7")}),
     ("can I book for my daughter? she's 7", {"consult_for": "child", "patient_age": Age(7.0, "7")}),
     ("I'm 35 and I have anxiety", {"consult_for": "self", "patient_age": Age(35.0, "35")}),
     ("saya mau booking untuk anak saya, umurnya 7 tahun",
      {"consult_for": "child", "patient_age": Age(7.0, "7")}),
     ("anak saya umur 5 tahun", {"consult_for": "child", "patient_age": Age(5.0, "5")}),
     ("for my husband", {"consult_for": "other"}),
     ("I'm worried about my son", {"consult_for": "child"}),
     ("hi, my name is Jo Park and my email is jo@example.com",
      {"requester_name": "Jo Park", "contact": "jo@example.com"}),
     ("call me on 0812 3456 7890", {"contact": "081234567890"}),
     ("nama saya Dewi, wa +62 812 3456 7890", {"requester_name": "Dewi", "contact": "+6281234567890"}),
     ("my daughter has had a fever for 2 weeks", {}),
     ("my mom told me to book", {}),
     ("I've been sick since 12.03.2024", {}),
     ("me and my son, I'm 35", {"patient_age": Age(35.0, "35")}),
     ("I want to book a consultation", {}),
     ("thanks", {}), ("stop", {}), ("", {}), (None, {})],
)
def test_extract_several(text, expected):
    assert extract_several(text) == expected


# --- corrections at the summary ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("change the time to saturday morning", ("preferred_times", "saturday morning")),
     ("Change the time to Saturday morning please.", ("preferred_times", "Saturday morning")),
     ("can you change the day to friday?", ("preferred_times", "friday")),
     ("actually saturday morning is better", ("preferred_times", "saturday morning")),
     ("the description is fine but the time is wrong", ("preferred_times", None)),
     ("ubah waktu ke senin sore", ("preferred_times", "senin sore")),
     ("ganti jadwal ke minggu pagi aja", ("preferred_times", "minggu pagi")),
     ("harusnya hari sabtu", ("preferred_times", "sabtu")),
     ("change the time to something else", ("preferred_times", None)),
     ("my name is wrong, it's Jo Park", ("requester_name", "Jo Park")),
     ("change name to Jo Park please", ("requester_name", "Jo Park")),
     ("typo in my name, it should be Jo Parks", ("requester_name", "Jo Parks")),
     ("ganti nama", ("requester_name", None)),
     ("ganti nama jadi Dewi Lestari", ("requester_name", "Dewi Lestari")),
     ("salah nama", ("requester_name", None)),
     ("the email should be jo@x.com", ("contact", "jo@x.com")),
     ("no wait, my email is jo@x.com", ("contact", "jo@x.com")),
     ("change my phone number", ("contact", None)),
     ("can I change my email?", ("contact", None)),
     ("wrong email", ("contact", None)),
     ("the number should be 0812 3456 7890", ("contact", "081234567890")),
     ("jo@new.com", ("contact", "jo@new.com")),
     ("ganti nomor hp", ("contact", None)),
     ("actually she is 8", ("patient_age", Age(8.0, "8"))),
     ("she's 8 not 7", ("patient_age", Age(8.0, "8"))),
     ("her age is 8", ("patient_age", Age(8.0, "8"))),
     ("change age to 18 months", ("patient_age", Age(1.5, "18 months"))),
     ("umurnya 8 tahun", ("patient_age", Age(8.0, "8"))),
     ("it's for my son not me", ("consult_for", "child")),
     ("actually it's for my daughter", ("consult_for", "child")),
     ("the patient is my son", ("consult_for", "child")),
     ("change the description", ("symptom_description", None)),
     ("change the description to headaches at night", ("symptom_description", "headaches at night")),
     ("ubah keluhan", ("symptom_description", None)),
     ("go back", ("back", None)),
     ("kembali", ("back", None))],
)
def test_summary_edit(text, expected):
    assert parse_summary_edit(text) == expected


@pytest.mark.parametrize(
    "text",
    ["yes", "no", "ok", "Yes, that's right", "looks good", "yes that's the right time", "confirm",
     "iya benar", "terima kasih", "stop", "I want to book", "", None],
)
def test_not_a_summary_edit(text):
    assert parse_summary_edit(text) is None


def test_summary_edit_names_its_parts():
    edit = parse_summary_edit("change the time to saturday morning")
    assert isinstance(edit, SummaryEdit)
    assert (edit.field, edit.value) == ("preferred_times", "saturday morning")


@pytest.mark.parametrize("text", ["I do not understand what I should press. I am sorry.", "i dont know",
                                  "saya bingung pencet yang mana", "I'm not sure what you mean"])
def test_being_unsure_what_to_answer_is_not_for_oneself(text):
    """A grandfather who did not understand the buttons got a booking for himself."""
    assert parse_consult_for(text) is None


@pytest.mark.parametrize("text", ["me", "I am", "saya", "its me", "for myself"])
def test_a_short_first_person_answer_is_for_oneself(text):
    assert parse_consult_for(text) == "self"
