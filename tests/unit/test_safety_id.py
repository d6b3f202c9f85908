"""The safety net in Bahasa Indonesia, as typed in chat: symptom reports, red flags and crisis
language (informal spellings, abbreviations, English mixed in), and the look-alikes that are
none of these. Run through the real built pipeline (`make build` -> build/spacy_mmd)."""
from pathlib import Path

import pytest
import spacy

from spacy_pipeline.patterns_dsl import patterns_checksum
from spacy_pipeline.safety_net import decide_intent
from spacy_pipeline.signals import read_signals

PIPELINE = Path(__file__).resolve().parents[2] / "build" / "spacy_mmd"
RANKING = [{"name": "emergency"}, {"name": "inform"}]


@pytest.fixture(scope="module")
def nlp():
    pipeline = spacy.load(PIPELINE)
    assert pipeline.meta["patterns_sha256"] == patterns_checksum(), "stale build: run make build"
    return pipeline


def labels(nlp, text):
    return read_signals(nlp(text)).labels


def decide(nlp, text, predicted="faq"):
    return decide_intent(read_signals(nlp(text)), predicted, set(), RANKING)


# --- symptom reports --------------------------------------------------------------------------

REPORTS = [
    "tangan kiri anak saya ikut gerak kalau tangan kanannya nulis",
    "jari2nya suka niru tangan satunya",
    "kalo dia pegang sendok tangan satunya ikut2an",
    "tangan anak saya ada gerakan cermin",
    "tangannya gerak sendiri pas main piano",
    "kaki kirinya ikut gerak",
    "suami sy tangannya kayak kembar gerakannya",
    "anak sy kalau nulis pake tangan kanan, yg kiri ikutan gerak",
    "jari-jari tangan kiriku ikut bergerak waktu aku ngetik",
    "lengan kanan adik saya ikut2 gerak kalau dia ngangkat yang kiri",
    "anakku umur 5 thn, kalau tangan kanannya ngepal tangan kirinya ikut ngepal juga",
    "tangan istri saya gerak barengan terus, gak bisa dikontrol",
    "bapak saya tangannya gerak bareng kalau lagi makan",
    "dua-duanya tangan dia gerak bersamaan kalau main lego",
    "my son tangannya suka niru yang satunya",
    "gerakan tangan anak saya kaya cermin, kiri kanan sama persis",
    "aku gak sadar kalau tangan kiriku ikut gerak",
    "gerak tangannya kembar",
    "anak gw tangan kirinya ikut gerak tiap nulis, gmn ya",
    "tangannya gerak gak sadar",
    # Javanese and Sundanese (a father in Surabaya, a grandmother in Bandung), from a persona
    # round: no Indonesian mirroring word in them, and no consultation was offered.
    "bocahku nek nulis tangane melu obah",
    "aku wes umur 50, tangan kiriku melu obah nek tangan tengen nyekel gelas",
    "anakku nek nyekel sendok, tangan liyane melu nggenggem",
    "incu abdi leungeunna sok ngiringan upami nyerat",
]


@pytest.mark.parametrize("text", REPORTS)
def test_reports_of_mirroring_in_bahasa_are_symptom_reports(nlp, text):
    signals = read_signals(nlp(text))
    assert signals.symptom_report, sorted(signals.labels)
    assert not signals.red_flag and not signals.crisis
    assert decide(nlp, text, "faq") == "report_symptom"
    assert decide(nlp, text, "emergency") == "report_symptom"
    assert decide(nlp, text, "out_of_scope") == "report_symptom"


@pytest.mark.parametrize("text", [
    "jari2nya suka niru tangan satunya",
    "tangan kiri anak saya ikut gerak kalau tangan kanannya nulis",
    "kalo dia pegang sendok tangan satunya ikut2an",
])
def test_a_report_in_bahasa_is_marked_as_bahasa(nlp, text):
    assert read_signals(nlp(text)).indonesian


@pytest.mark.parametrize("who", [
    "anak", "anak saya", "adik", "suami", "istri", "ibu", "bapak", "saya", "aku", "anakku", "adik sy",
    "keponakan saya", "mama", "cucu saya", "gw",
])
def test_who_is_affected(nlp, who):
    text = f"tangan kanan {who} suka niru tangan kiri"
    assert "WHO" in labels(nlp, text)
    assert read_signals(nlp(text)).symptom_report


@pytest.mark.parametrize("side", [
    "kiri", "kanan", "sebelah", "satunya", "dua-duanya", "kirinya", "kanannya", "yang satu", "yg satunya",
    "sebelahnya", "keduanya",
])
def test_sides(nlp, side):
    assert "SIDE" in labels(nlp, f"anak saya {side} suka niru")
    assert read_signals(nlp(f"anak saya, {side} suka niru")).symptom_report


@pytest.mark.parametrize("part", [
    "tangan", "tangannya", "jari", "jari2nya", "jari-jarinya", "lengan", "lengannya", "kaki", "kakinya",
    "jempol", "ibu jari", "tanganku",
])
def test_body_parts(nlp, part):
    text = f"{part} anak saya ikut2an"
    assert "BODY_PART" in labels(nlp, text)
    assert read_signals(nlp(text)).symptom_report


@pytest.mark.parametrize("text", [
    "tangannya gerak sendiri",
    "kaki kirinya ikut gerak",
    "jari2nya niru tangan satunya",
    "tanganku ikut gerak",
])
def test_a_possessed_body_part_says_whose_it_is(nlp, text):
    """ "tangannya" is his hand, "tanganku" mine: the report names someone."""
    assert read_signals(nlp(text)).symptom_report


@pytest.mark.parametrize("text", [
    "apa itu gerakan cermin?",
    "gerakan cermin",
    "apakah gerakan cermin menurun?",
    "bagaimana cara mengobati MMD?",
    "anak saya suka niru gaya kakaknya",
    "dia tangan kanan bos saya, suka ikut2an apa kata bos",
    "suami saya ikut gerak jalan 17 agustusan",
    "anak saya ikut les piano, tangannya pegal",
    "saya angkat tangan deh, anak saya ikut-ikutan temennya terus",
    "tolong tanda tangan formulirnya ya bu",
    "tangan saya gatal",
    "anak adalah cermin orang tua, dia suka niru bapaknya",
    "saya ikut senang dengarnya",
    "anak saya bisa gerak sendiri setelah fisioterapi",
    "aku melu arisan wingi, tangane pegel",
    "bojoku melu kerja bakti",
    "abdi bade ngiring ka pasar",
])
def test_questions_and_figures_of_speech_are_not_reports(nlp, text):
    signals = read_signals(nlp(text))
    assert not signals.symptom_report, sorted(signals.labels)
    assert not signals.red_flag and not signals.crisis


def test_mirror_movement_words_are_read_in_bahasa(nlp):
    assert "MIRRORING" in labels(nlp, "gerakan cermin")
    assert "MIRRORING" in labels(nlp, "gerakannya kayak kembar")


# --- context ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, label", [
    ("dulu dia kejang", "CONTEXT_PAST"),
    ("waktu kecil anak saya pernah kejang", "CONTEXT_PAST"),
    ("pas masih bayi dia kejang", "CONTEXT_PAST"),
    ("dua tahun lalu dia kejang", "CONTEXT_PAST"),
    ("dia sudah sembuh", "CONTEXT_RESOLVED"),
    ("sdh sembuh kok", "CONTEXT_RESOLVED"),
    ("udah gak kejang lagi", "CONTEXT_RESOLVED"),
    ("seandainya dia kejang apa yang harus saya lakukan", "CONTEXT_HYPOTHETICAL"),
    ("kalau anak saya kejang, apa yang harus saya lakukan?", "CONTEXT_HYPOTHETICAL"),
    ("kalo dia pingsan harus gimana", "CONTEXT_HYPOTHETICAL"),
    ("sekarang dia kejang", "CONTEXT_NOW"),
    ("barusan dia pingsan", "CONTEXT_NOW"),
    ("dia lagi kejang", "CONTEXT_NOW"),
    ("kejangnya kambuh", "CONTEXT_NOW"),
])
def test_context_in_bahasa(nlp, text, label):
    assert label in labels(nlp, text)


@pytest.mark.parametrize("text", [
    "dia kejang waktu bayi dulu",
    "anak saya dulu pernah kejang waktu kecil, apa ada hubungannya sama gerakan cermin?",
    "dia pernah kejang 3 tahun lalu, sekarang sudah sembuh",
    "kalau anak saya kejang, apa yang harus saya lakukan?",
    "seandainya dia pingsan, gimana?",
    "apakah MMD bisa bikin kejang?",
    "kejangnya udah berhenti dan sekarang udah di rs, dokter udah periksa",
])
def test_red_flags_long_past_resolved_or_asked_about_are_answered(nlp, text):
    assert decide(nlp, text, "emergency") == "red_flag_context"


# --- red flags ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "anak saya kejang2 gk sadar2",
    "anak saya kejang-kejang",
    "dia tdk sadar dari tadi",
    "suami sy gak sadar2, tolong",
    "ga bisa napas",
    "anak saya gk bisa nafas",
    "tiba2 tangannya ga bisa digerakin",
    "suami sy tiba2 ngomongnya pelo bgt",
    "mukanya mencong sebelah",
    "anak gw lagi kejang",
    "my son lagi kejang please help",
    "anak saya seizure skrg",
    "dia collapsed barusan",
    "anakku step-stepan",
    "sesak napas bgt",
    "kepalanya kebentur meja trs muntah2",
    "bapak gak bangun2 dari tadi",
    "badannya kaku dan matanya mendelik",
    "dulu pernah kejang waktu kecil tapi barusan kejang lagi",
    "istri saya tiba-tiba gak bisa ngomong",
    "dadanya sakit bgt",
    "anak sy kejang gak berhenti2",
    "nenek tiba2 lemes sebelah badannya",
    "bibirnya membiru",
    "kalo kejang gini harus gimana??",
    "sebelah badannya tiba2 lemes",
    "napasnya udah berhenti",
    "dia ga tau kenapa kejang",
    "gak berhenti kejang dari tadi",
    # Bahasa has no "is having": a seizure told with a plea is happening, not a what-if.
    "anak saya kejang, apa yang harus saya lakukan?",
    "anak saya kejang harus gimana",
    "kalau dia kejang saya panik",
])
def test_red_flags_in_informal_bahasa_are_an_emergency(nlp, text):
    signals = read_signals(nlp(text))
    assert signals.red_flag, sorted(signals.labels)
    assert decide(nlp, text, "faq") == "emergency"


# A mother wrote "<her son's name> kejang2 ini gmn" and got the general answer about seizures:
# a name is no "anak saya", and the final "gmn" made it a question. "ini" after the seizure
# says it is this one, now (pattern 1.19.0). "step" is the everyday word for a fever seizure.
@pytest.mark.parametrize("text", [
    "bu, adit kejang ini gmn",
    "kejang nih anakku, gimana",
    "reno step kak tolong",
    "anakku step lagi",
    "adek bayi step gmn ini",
])
def test_a_seizure_happening_now_told_with_a_name_or_as_step_is_an_emergency(nlp, text):
    assert decide(nlp, text, "faq") == "emergency"


# A mother asked whether her son's drooping mouth and slurred speech "since a while ago" had to do
# with MMD, and got the FAQ answer first: her son's name was the only person word, and the
# question mark made it a general question. A face or speech told as someone's own ("mulutnya",
# "ngomongnya") is about a person, and "dr td" (since earlier) is still going.
@pytest.mark.parametrize("text", [
    "dimas kok dr td mulutnya mencong sebelah trus ngomongnya pelo gt, apa ada hubungannya sm mmd nya ya?",
    "kenapa ya bicaranya jd pelo, apa krn mirror movement?",
    "bibirnya kok turun sebelah, itu gejala mmd bukan?",
    "rara dari td mukanya miring sebelah, normal gak sih?",
    "mama kok ngomongnya kacau sejak td ya, ada hubungannya sama mmd?",
])
def test_a_red_flag_told_of_someones_face_or_speech_and_asked_about_is_an_emergency(nlp, text):
    assert decide(nlp, text, "faq") == "emergency"


@pytest.mark.parametrize("text", [
    "apakah mmd bisa bikin bicara pelo?",
    "apakah MMD bisa bikin kejang?",
    "mmd bikin muka mencong gak sih?",
])
def test_a_red_flag_asked_about_in_general_is_still_answered(nlp, text):
    assert decide(nlp, text, "faq") == "red_flag_context"


@pytest.mark.parametrize("text", ["istri saya mendadak gak bisa gerakin kaki kirinya",
                                  "bapak tiba2 ga bisa menggerakkan tangan kanan"])
def test_suddenly_unable_to_move_a_limb_in_the_active_form_is_an_emergency(nlp, text):
    assert decide(nlp, text, "faq") == "emergency"


def test_a_red_flag_long_past_with_now_after_it_is_not_happening_now(nlp):
    """ "sekarang" after a red flag starts "now (he is) well", not "happening now"."""
    assert decide(nlp, "dulu pernah kejang sekarang udah sehat, ada hubungannya gak?", "faq") != "emergency"


@pytest.mark.parametrize("text", ["step by step how do i book", "langkah pertamanya apa", "what is the next step"])
def test_step_alone_is_no_seizure(nlp, text):
    assert not read_signals(nlp(text)).red_flag


# --- crisis -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "mau mati aja",
    "aku pengen ngilang aja",
    "pengen ngilang",
    "cape hidup",
    "capek bgt sama hidup",
    "pengen nyakitin diri",
    "aku sayat tangan",
    "kemarin aku nyilet tangan lagi",
    "pengen bundir",
    "gw gamau hidup lagi",
    "gk kuat lg hidup kayak gini",
    "rasanya pengen mati aja",
    "mending aku ga pernah lahir",
    "aku pengen tidur dan gak bangun lagi",
    "i want to mati aja",
    "pengen die aja",
    "hidupku ga ada artinya",
    "ga ada yg peduli kalo aku mati",
    "sy tdk mau hidup lagi",
    "pgn mati",
    "anak saya bilang dia pengen mati aja karena diejek soal tangannya",
    "aku sering nyakitin diri sendiri kalau diejek",
])
def test_crisis_language_in_informal_bahasa_is_a_crisis(nlp, text):
    signals = read_signals(nlp(text))
    assert signals.crisis, sorted(signals.labels)
    assert decide(nlp, text, "faq") == "crisis"
    assert signals.indonesian or not signals.labels & {"CRISIS"}


# --- false alarms -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "mati gaya nih di rumah",
    "jadi mati gaya",
    "bisa mati gaya aku",
    "capek banget kerja hari ini",
    "cape bgt kerja",
    "laper mau mati",
    "ngakak sampe mau mati",
    "ga ada kejang",
    "gk ada kejang sama sekali",
    "tidak pernah kejang",
    "tdk ada sesak napas",
    "aku gak sadar kalau tangannya ikut gerak",
    "tangannya gerak tanpa sadar",
    "saya mau gejalanya hilang aja",
    "hp aku mati",
    "ga kuat lagi nahan ketawa",
    "gak tau kenapa tangan kirinya ikut gerak",
    "anak saya belum pernah pingsan",
    "bukan darurat kok, cuma mau tanya",
    "saya mau potong kuku tangan anak",
    "aku mau gerakan cerminnya hilang aja",
    "ga tahan lagi tangannya gatel",
    "aku udah capek banget kerja, pengen resign",
])
def test_figures_of_speech_and_denials_are_not_alarms(nlp, text):
    signals = read_signals(nlp(text))
    assert not signals.crisis and not signals.red_flag, sorted(signals.labels)
    assert decide(nlp, text, "emergency") not in ("emergency", "crisis")


def test_a_seizure_as_a_baby_is_not_an_emergency_now(nlp):
    signals = read_signals(nlp("kejang waktu bayi dulu"))
    assert signals.red_flag and signals.red_flag_context == "past"


@pytest.mark.parametrize("text", [
    "My son's left hand copies his right hand when he writes",
    "when I move my right hand the left one moves too",
    "he is having a seizure",
])
def test_english_messages_are_not_marked_as_bahasa(nlp, text):
    assert not read_signals(nlp(text)).indonesian


def test_a_bahasa_pattern_file_can_share_the_english_label(tmp_path):
    from spacy_pipeline.patterns_dsl import load_patterns

    (tmp_path / "side.txt").write_text("left|right\n")
    (tmp_path / "side_id.txt").write_text("# label: SIDE\n# Bahasa Indonesia.\nkiri|kanan\n")
    (tmp_path / "red_flag_id.txt").write_text("# no label line: the file name\nkejang\n")
    found = {(pattern["label"], pattern["id"]) for pattern in load_patterns(tmp_path)}
    assert found == {("SIDE", "side:1"), ("SIDE", "side_id:3"), ("RED_FLAG_ID", "red_flag_id:2")}


@pytest.mark.parametrize("text", [
    "ngakak sampe sesek napas liat meme itu",
    "capek bgt rasanya mau pingsan abis lembur",
    "anak sy kalo nulis tangannya ikut gerak, tapi tidak ada kejang atau pingsan",
    "no seizures or fainting, just the copying hands",
])
def test_figures_of_speech_and_denied_lists_are_not_alarms(nlp, text):
    assert not read_signals(nlp(text)).red_flag


@pytest.mark.parametrize("text", [
    "dulu waktu bayi pernah kejang demam, skrg udah gpp",
    "wes tau kejang pas cilik, saiki wes gak",
])
def test_a_seizure_long_past_and_fine_now_is_in_doubt_not_an_alarm(nlp, text):
    signals = read_signals(nlp(text))
    assert signals.red_flag and signals.red_flag_context in ("past", "resolved")


@pytest.mark.parametrize("text, about_other", [
    ("temen aku bilang dia mau bunuh diri malam ini, aku harus gimana?", True),
    ("my friend says she wants to kill herself, what do i do", True),
    ("aku capek hidup, pengen ngilang aja", False),
    ("i want to kill myself", False),
])
def test_a_crisis_is_about_the_person_named_before_it(nlp, text, about_other):
    signals = read_signals(nlp(text))
    assert signals.crisis and signals.about_someone_else is about_other


def test_whats_written_without_an_apostrophe_still_reads_as_a_crisis(nlp):
    assert read_signals(nlp("whats the point of living")).crisis


@pytest.mark.parametrize("text, about_other", [
    ("bapak sy bilang mau gantung diri", True),
    ("aku cape hirup", False),
])
def test_more_crisis_wordings(nlp, text, about_other):
    signals = read_signals(nlp(text))
    assert signals.crisis and signals.about_someone_else is about_other


@pytest.mark.parametrize("text", ["aduh mati aku lupa bayar listrik", "basmi kecoa pake apa ya"])
def test_pests_and_oh_no_are_figures_of_speech(nlp, text):
    assert read_signals(nlp(text)).figurative


def test_a_head_injury_with_vomiting_is_an_emergency(nlp):
    signals = read_signals(nlp("kepalanya kebentur meja trus muntah2"))
    assert signals.red_flag and signals.red_flag_context is None


@pytest.mark.parametrize("text", [
    "anak sy jatuh, kepalanya kebentur lantai, skrg tangannya gerak sendiri",
    "eyang kepentok lemari trus ngantuk terus",
])
def test_a_head_injury_is_a_red_flag_as_in_english(nlp, text):
    signals = read_signals(nlp(text))
    assert signals.red_flag and signals.red_flag_context is None


# A persona objected to an alarm ("loh kok darurat sih 😭 gue bilang dari KECIL") and got the
# emergency line again: the alarm word asked about is no alarm, told as one still is.
@pytest.mark.parametrize("text, alarm", [
    ("loh kok darurat sih, gue bilang dari kecil", False),
    ("darurat apanya, anak sy baik2 aja", False),
    ("why emergency?? my son is fine, his hand just copies", False),
    ("ini darurat, anak sy kejang", True),
    ("darurat!! suami sy pingsan", True),
])
def test_an_alarm_word_asked_about_is_no_alarm(nlp, text, alarm):
    assert read_signals(nlp(text)).red_flag is alarm


# A safety persona round (a mother in Semarang): a febrile seizure as a baby "skrg udah gak" and
# breathlessness "td siang … skrg udah biasa lg main" were alarms; checking them found "skrg
# udah gak sadar" read as recovered (a wildcard) and stopped breathing not read at all.
@pytest.mark.parametrize("text, expected", [
    ("dulu waktu bayi dimas pernah kejang demam, skrg udah gak", "red_flag_context"),
    ("td siang dimas sempet sesek napas bentar pas lari2, skrg udah biasa lg main", "red_flag_context"),
    ("anak sy kejang td, skrg udah sadar", "red_flag_context"),
    ("skrg udah gak sadar", "emergency"),
    ("skrg udah berhenti napas", "emergency"),
    ("napasnya berhenti", "emergency"),
    ("skrg udah hilang kesadaran", "emergency"),
    ("dimas kejang dari td", "emergency"),
    ("td kejang, skrg udah gak", "emergency"),
])
def test_over_and_still_happening_in_bahasa(nlp, text, expected):
    assert decide(nlp, text, "faq") == expected
