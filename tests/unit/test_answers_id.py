"""Booking-form answers typed in Bahasa Indonesia as people chat: abbreviations ("thn", "bln",
"sy", "tdk"), slang ("gak", "aja", "wa"), numbers in words ("dua belas") and Indonesian phone
numbers, read by actions/answers.py and actions/yes_no.py without breaking English."""
import pytest

from actions.answers import (
    Age,
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
    parse_summary_edit,
    parse_times,
)
from actions.yes_no import read_yes_no

# --- ages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, years, label",
    [("5 tahun", 5, "5"), ("5 thn", 5, "5"), ("5thn", 5, "5"), ("7 th", 7, "7"), ("umur 7", 7, "7"),
     ("usia 7 tahun", 7, "7"), ("umurnya 3 thn", 3, "3"), ("usia saya 45", 45, "45"), ("lima", 5, "5"),
     ("Lima tahun", 5, "5"), ("dua belas", 12, "12"), ("tujuh belas tahun", 17, "17"),
     ("sepuluh tahun", 10, "10"), ("sebelas", 11, "11"), ("empat puluh lima", 45, "45"),
     ("dua puluh satu tahun", 21, "21"), ("sembilan puluh sembilan", 99, "99"), ("seratus", 100, "100"),
     ("satu setengah tahun", 1.5, "1.5"), ("setahun setengah", 1.5, "1.5"), ("1,5 tahun", 1.5, "1.5"),
     ("dua tahun setengah", 2.5, "2.5"), ("setengah tahun", 0.5, "0.5"),
     ("18 bulan", 1.5, "18 months"), ("delapan belas bulan", 1.5, "18 months"), ("6 bln", 0.5, "6 months"),
     ("tiga bulan", 0.25, "3 months"), ("3 tahun 6 bulan", 3.5, "3 years 6 months"),
     ("2 thn 3 bln", 2.25, "2 years 3 months"), ("baru 8 bulan", 8 / 12, "8 months"),
     ("anak saya 4 tahun", 4, "4"), ("anak sy umur 4 thn", 4, "4"), ("setahun", 1, "1"),
     ("sebulan", 1 / 12, "1 month"), ("2 minggu", 14 / 365.25, "2 weeks"), ("seminggu", 7 / 365.25, "1 week"),
     ("umurnya baru lima tahun kak", 5, "5"), ("kira-kira 40 tahun", 40, "40"),
     # Javanese and Sundanese number words ("pitung taun" was asked again as "not a number").
     ("pitung taun", 7, "7"), ("wolung tahun", 8, "8"), ("rolas taun", 12, "12"), ("genep taun", 6, "6"),
     # English keeps working.
     ("7 years old", 7, "7"), ("18 months", 1.5, "18 months"), ("thirty five", 35, "35")],
)
def test_indonesian_ages(text, years, label):
    age = parse_age(text)
    assert age is not None, text
    assert age.years == pytest.approx(years, abs=1e-3)
    assert age.label == label


@pytest.mark.parametrize(
    "text",
    ["lima atau enam", "5 atau 6 tahun", "0812 3456 7890", "tahun 2019", "umur 130", "dua ratus",
     "jam 7", "kamar 7", "belum tahu", "gak tau", "sudah 2 minggu sakitnya", "sejak 2 minggu", "tahun", ""],
)
def test_unclear_indonesian_ages_are_rejected(text):
    assert parse_age(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [("buat anak saya, umurnya 3 tahun 6 bulan", {"consult_for": "child", "patient_age": Age(3.5, "3 years 6 months")}),
     ("untuk suami saya, usianya 40 thn", {"consult_for": "other", "patient_age": Age(40.0, "40")}),
     ("anak saya baru 8 bulan", {"consult_for": "child", "patient_age": Age(round(8 / 12, 4), "8 months")}),
     ("saya sendiri, umur saya 35", {"consult_for": "self", "patient_age": Age(35.0, "35")}),
     # As in English: a duration is no age, and a relation merely mentioned says nothing.
     ("anak saya sakit sudah 2 minggu", {})],
)
def test_who_and_age_in_one_indonesian_message(text, expected):
    assert extract_several(text) == expected


# --- preferred times ---------------------------------------------------------------------

TIMES = [
    "senin", "Selasa pagi", "rabu atau kamis", "jumat sore", "jum'at", "Jum\u2019at siang", "sabtu",
    "minggu", "ahad", "pagi", "siang", "sore", "malam", "hari kerja", "setiap hari kerja setelah jam 6",
    "jam 7 malam", "jam 19.00", "pukul 8 pagi", "habis maghrib", "setelah isya", "ba'da subuh",
    "akhir pekan", "weekend", "kapan aja", "kapan saja bisa", "kapanpun", "besok", "lusa", "besok pagi",
    "minggu depan", "senin-jumat", "senin sampai jumat", "sabtu atau minggu", "tiap hari", "hari apa saja",
    "sore jam 4", "weekday mornings", "Saturday after 5pm",
]


@pytest.mark.parametrize("text", TIMES)
def test_indonesian_times_are_taken_as_typed(text):
    # Typed apostrophes are straightened ("Jum’at" is stored as "Jum'at").
    assert parse_times(text) == " ".join(text.replace("\u2019", "'").split())


@pytest.mark.parametrize("text", TIMES)
def test_indonesian_times_read_as_time_phrases(text):
    """A time phrase is never a name and can be an edit at the summary."""
    assert is_time_phrase(text)
    assert extract_name(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [("ganti jadwal ke jam 7 malam", "jam 7 malam"), ("harusnya habis maghrib", "habis maghrib"),
     ("ubah waktu ke akhir pekan aja", "akhir pekan"),
     ("seharusnya hari kerja setelah jam 6", "hari kerja setelah jam 6"), ("harusnya jam 7 malam", "jam 7 malam"),
     ("seharusnya setiap hari setelah jam 6", "setiap hari setelah jam 6")],
)
def test_indonesian_times_change_at_the_summary(text, expected):
    assert parse_summary_edit(text) == ("preferred_times", expected)


@pytest.mark.parametrize(
    "text", ["makasih", "oke", "berhenti", "nanti aja", "kapan?", "jam berapa saja yang ada?", "gimana caranya"]
)
def test_non_times_are_rejected(text):
    assert parse_times(text) is None


@pytest.mark.parametrize("text", ["Budi Santoso", "Dewi", "sakit kepala", "jam", "hari", "setiap", "kerja"])
def test_non_time_phrases(text):
    assert not is_time_phrase(text)


# --- contacts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("0812-3456-7890", "081234567890"), ("0812 3456 7890", "081234567890"),
     ("0812.3456.7890", "081234567890"), ("081234567890", "081234567890"),
     ("+62 812 3456 7890", "+6281234567890"), ("+62-812-3456-7890", "+6281234567890"),
     ("+62 (812) 3456-7890", "+6281234567890"), ("6281234567890", "6281234567890"),
     ("62 812 3456 7890", "6281234567890"), ("(021) 555 1234", "0215551234"), ("021-5551234", "0215551234"),
     ("no hp saya 0812-3456-7890", "081234567890"), ("wa aja ke 0812 3456 7890", "081234567890"),
     ("nomor wa: 0812 3456 7890 ya kak", "081234567890"), ("hp 081234567890", "081234567890"),
     ("telp (021) 5551234", "0215551234"), ("email saya dewi.lestari@gmail.com", "dewi.lestari@gmail.com"),
     ("dewi@yahoo.co.id", "dewi@yahoo.co.id"), ("kirim ke email budi_s@mail.com aja", "budi_s@mail.com")],
)
def test_indonesian_contacts(text, expected):
    assert extract_contact(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("no hp saya 0812-3456-7890", "081234567890"), ("wa aja ke 0812 3456 7890", "081234567890"),
     ("hubungi saya di 0812 3456 7890", "081234567890"), ("telp (021) 555 1234", "0215551234")],
)
def test_a_phone_with_an_indonesian_cue_fills_the_contact(text, expected):
    assert extract_several(text).get("contact") == expected


@pytest.mark.parametrize("text", ["12.03.2024", "5 tahun", "umur 7", "jam 19.00", "bulan 12", "wa aja"])
def test_non_contacts(text):
    assert extract_contact(text) is None


# --- yes / no ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["iya", "Iyaa", "iyaaa kak", "ya", "yaa", "yaudah", "ya udah", "yaudah boleh", "boleh", "boleh banget",
     "bener", "betul", "benar", "oke", "OK", "okee", "siap", "siap kak", "setuju", "mau", "mau dong",
     "iya mau", "iya boleh kak", "sip", "lanjut", "tentu", "gak papa", "gapapa", "tidak masalah",
     "iya tidak apa-apa", "yes", "yes please", "sure", "ok go ahead", "no problem", "why not", "👍",
     # A persona's "iyo gpp dibagikan" at the sharing question was asked again ("gpp" squeezed to "gp").
     "gpp", "iyo gpp dibagikan", "nggak apa2", "ora popo", "teu nanaon"],
)
def test_yes(text):
    assert read_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["tidak", "Tidak.", "tdk", "gak", "ga", "nggak", "enggak", "ngga", "gk", "jangan", "tidak usah",
     "gak usah", "ga usah kak", "belum", "gak mau", "tidak setuju", "gak boleh", "ya jangan", "iya gak usah",
     "gak jadi", "nggak deh", "tidak, terima kasih", "no", "no thanks", "nope", "don't", "not now",
     "yes no", "jangan dibagikan", "gak usah dibagi"],
)
def test_no_and_negation_wins(text):
    assert read_yes_no(text) is False


@pytest.mark.parametrize(
    "text", ["gak tau", "belum tahu ya", "boleh tanya?", "apa itu?", "Budi", "sabtu pagi", "?", "-", "", None,
             "I don't know", "maybe"]
)
def test_neither_yes_nor_no(text):
    assert read_yes_no(text) is None


# --- who the consultation is for ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("anak saya", "child"), ("buat anak", "child"), ("untuk anak sy", "child"), ("anakku", "child"),
     ("anak perempuan saya", "child"), ("anak laki-laki saya", "child"), ("putri saya", "child"),
     ("bayi saya", "child"), ("si kecil", "child"), ("bukan saya, anak saya", "child"),
     ("untuk saya sendiri", "self"), ("saya sendiri", "self"), ("buat sy", "self"), ("buat saya", "self"),
     ("untuk diri sendiri", "self"), ("buat gue", "self"), ("sy sendiri", "self"), ("aku", "self"),
     ("suami saya", "other"), ("istri", "other"), ("istri saya", "other"), ("ibu saya", "other"),
     ("orang lain", "other"), ("keponakan", "other"), ("buat ponakan saya", "other"), ("kakak saya", "other"),
     ("bapak saya", "other"), ("ayah", "other"), ("mama saya", "other"), ("untuk keluarga", "other"),
     ("teman saya", "other"), ("cucu saya", "other"), ("untuk orang tua saya", "other")],
)
def test_indonesian_consult_for(text, expected):
    assert parse_consult_for(text) == expected


@pytest.mark.parametrize("text", ["saya dan anak saya", "anak dan istri saya", "pisang", "gak tau"])
def test_indonesian_consult_for_ambiguous_or_unknown(text):
    assert parse_consult_for(text) is None


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("nama saya Dewi Lestari", "Dewi Lestari"), ("Nama saya dewi lestari", "dewi lestari"),
     ("saya Budi", "Budi"), ("Saya Budi Santoso, makasih", "Budi Santoso"), ("panggil aja Rina", "Rina"),
     ("panggil saja Rina ya kak", "Rina"), ("nama aku Sari", "Sari"), ("namaku Putri", "Putri"),
     ("aku Sari", "Sari"), ("nama lengkap saya Dewi Lestari", "Dewi Lestari"), ("nama: Dewi", "Dewi"),
     ("dengan Budi", "Budi"), ("Dewi aja kak", "Dewi"), ("Rina", "Rina"), ("Siti Nurhaliza", "Siti Nurhaliza")],
)
def test_indonesian_names(text, expected):
    assert extract_name(text) == expected


@pytest.mark.parametrize(
    "text",
    ["apa?", "kenapa perlu nama?", "kenapa perlu nama saya", "gak tau", "ga tau", "gatau", "tidak tahu",
     "belum tahu", "nggak tau kak", "makasih", "oke", "nanti aja", "batal", "kembali", "sabtu pagi",
     "jam 7 malam", "habis maghrib", "kapan aja", "saya tidak mau kasih nama", "0812 3456 7890",
     "anak saya sakit", "iya", "boleh", "mau tanya dong"],
)
def test_indonesian_non_names(text):
    assert extract_name(text) is None


# --- stop, go back, chit-chat, questions -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["berhenti", "Berhenti dulu ya", "stop dulu", "stop aja", "batal", "batalin aja kak", "nanti aja",
     "nanti saja ya kak", "gak jadi", "gk jd", "ga jd deh", "nggak jadi", "tidak jadi", "udahan dulu",
     "gak usah lanjut", "tidak usah dilanjutkan", "cukup sampai sini", "lain kali aja"],
)
def test_indonesian_stops(text):
    assert is_explicit_stop(text)


@pytest.mark.parametrize(
    "text", ["nanti sore", "jadi", "Budi Berhenti", "anak saya sering berhenti bicara", "gak usah", "tidak"]
)
def test_indonesian_non_stops(text):
    assert not is_explicit_stop(text)


@pytest.mark.parametrize(
    "text",
    ["kembali", "balik", "balik ke pertanyaan sebelumnya", "kembali ke pertanyaan sebelumnya",
     "bisa kembali ke pertanyaan sebelumnya?", "mau balik ke pertanyaan tadi", "mundur dulu",
     "ke pertanyaan sebelumnya", "balik dulu kak", "kembali ke yang tadi"],
)
def test_indonesian_go_back(text):
    assert is_go_back(text)


@pytest.mark.parametrize("text", ["kembali besok", "punggung saya sakit", "balik lagi nanti sore", "Kembalia"])
def test_indonesian_non_go_back(text):
    assert not is_go_back(text)


@pytest.mark.parametrize(
    "text",
    ["makasih", "makasih ya kak", "terima kasih banyak", "oke", "ok kak", "oke deh", "siap kak", "sip",
     "iya kak", "baik kak", "mantap", "wkwk", "hehe", "halo min", "selamat siang kak", "tq", "thanks ya",
     "sama-sama"],
)
def test_indonesian_chitchat(text):
    assert is_chitchat(text)


@pytest.mark.parametrize("text", ["sabtu pagi", "malam", "Budi", "sakit kepala", "7", "kapan aja"])
def test_indonesian_answers_are_not_chitchat(text):
    assert not is_chitchat(text)


@pytest.mark.parametrize(
    "text",
    ["apa maksudnya?", "apa maksudnya", "maksudnya?", "maksudnya apa", "kenapa perlu nomor saya?",
     "kenapa perlu nomor saya", "knp harus isi nama", "gimana caranya", "caranya gimana", "apakah gratis",
     "apakah data saya aman", "biayanya berapa", "mau tanya dong", "boleh tanya", "kok perlu nomor hp"],
)
def test_indonesian_questions(text):
    assert is_question(text)
    assert is_non_answer(text)


@pytest.mark.parametrize(
    "text",
    ["kapan aja", "kapan saja bisa", "apa aja boleh", "Budi Santoso", "anak saya 4 tahun",
     "tangannya ikut bergerak, gak tau kenapa", "sabtu pagi", "siapa saja boleh"],
)
def test_indonesian_answers_are_not_questions(text):
    assert not is_question(text)
