"""The pleasantries around a question and the questions in a message (pure text rules)."""
from __future__ import annotations

import pytest

from spacy_pipeline.question_parts import asks_something, question_parts, strip_pleasantries


@pytest.mark.parametrize("text, core", [
    ("hi, what causes mmd?", "what causes mmd?"),
    ("Hello there! how is it treated thanks", "how is it treated"),
    ("good morning, is it inherited? thank you so much", "is it inherited?"),
    ("hey bot is cmm contagious", "is cmm contagious"),
    ("halo, apa itu mmd", "apa itu mmd"),
    ("is it inherited", "is it inherited"),
    ("no thanks not now. is it normal at 3 tho?", "is it normal at 3 tho?"),
    ("hi", ""),
    ("thanks!", ""),
])
def test_greetings_and_thanks_around_a_question_are_taken_off(text, core):
    assert strip_pleasantries(text) == core


@pytest.mark.parametrize("text, parts", [
    ("what causes it and is there a cure", ["what causes it", "is there a cure"]),
    ("Is it inherited? How common is it?", ["Is it inherited?", "How common is it?"]),
    ("can my kid catch it from his brother and also how rare is it",
     ["can my kid catch it from his brother", "how rare is it"]),
    ("whats the chance of passing it on, and does genetic testing help",
     ["whats the chance of passing it on", "does genetic testing help"]),
    # One question with "and" inside it stays one.
    ("is it genetic and inherited", ["is it genetic and inherited"]),
    ("what and why", ["what and why"]),
    # Context sentences are left to the whole message's reading.
    ("My son is 4. His left hand copies the right. Is that normal? Will it go away?",
     ["Is that normal?", "Will it go away?"]),
    ("my son's left hand copies his right", ["my son's left hand copies his right"]),
    # A question after a comma, behind the context.
    ("my son is 3 and his left hand copies his right, is that normal at his age",
     ["is that normal at his age"]),
])
def test_a_message_splits_into_its_questions(text, parts):
    assert question_parts(text) == parts


def test_at_most_three_questions_are_read():
    assert len(question_parts("What is it? Why? Is it rare? Is it inherited? Is there a cure?")) == 3


@pytest.mark.parametrize("text, asks", [
    ("my son is 3 and his left hand copies, is that normal at his age", True),
    ("her fingers copy when she does puzzles who do we see about it", True),
    ("me 68 year. now my left hand copy my right. what happening", True),
    ("my daughter's left hand copies her right when she writes", False),
    ("my hands copy each other", False),
])
def test_a_question_is_found_anywhere_in_a_message(text, asks):
    assert asks_something(text) is asks


@pytest.mark.parametrize("text, parts", [
    ("penyebabnya apa? trus bisa nurun ke anak ga?", ["penyebabnya apa?", "bisa nurun ke anak ga?"]),
    ("apa itu mmd dan gimana cara ngobatinnya", ["apa itu mmd", "gimana cara ngobatinnya"]),
    ("apa penyebab mmd, terus apakah bisa sembuh", ["apa penyebab mmd", "apakah bisa sembuh"]),
    ("apakah menular", ["apakah menular"]),
])
def test_questions_in_bahasa_indonesia_split_too(text, parts):
    assert question_parts(text) == parts


@pytest.mark.parametrize("text, question", [
    ("halo kak, apa itu mmd", "apa itu mmd"),
    ("selamat pagi dok, apakah menular?", "apakah menular?"),
    ("apa itu mmd makasih ya", "apa itu mmd"),
    ("permisi, gimana cara ngobatinnya? terima kasih banyak", "gimana cara ngobatinnya?"),
    ("sore. sy mau tanya, terapinya gmn ya?", "terapinya gmn ya?"),
    ("boleh nanya dok, apa itu mmd", "apa itu mmd"),
    ("quick question: is it inherited?", "is it inherited?"),
])
def test_indonesian_greetings_and_thanks_around_a_question(text, question):
    assert strip_pleasantries(text) == question


# Written from personas (a mother typing on her phone, a teenager, a grandmother) before the
# rules: Bahasa asks with the question word or a tag at the end, often without "?".
@pytest.mark.parametrize("text, parts", [
    ("penyebabnya apa terus pengobatannya gimana", ["penyebabnya apa", "pengobatannya gimana"]),
    ("menular gak dan bisa sembuh gak", ["menular gak", "bisa sembuh gak"]),
    ("obatnya apa, bisa sembuh total ga", ["obatnya apa", "bisa sembuh total ga"]),
    ("ini keturunan ga sih, trus anak sy yg kecil bisa kena juga gak",
     ["ini keturunan ga sih", "anak sy yg kecil bisa kena juga gak"]),
    # The question behind its context is the part read.
    ("anak sy umur 5 thn kalo nulis tangan kirinya ikut gerak itu normal gak", ["itu normal gak"]),
    ("tangan kanan anak saya ikut bergerak waktu dia main piano apakah ini berbahaya",
     ["apakah ini berbahaya"]),
    ("suami saya juga punya kayak gitu dari kecil apa bisa menurun ke anak", ["apa bisa menurun ke anak"]),
    ("cucu saya tangannya gerak sendiri kalau main kenapa bisa begitu", ["kenapa bisa begitu"]),
    ("ponakan sy ada gejala tangan cermin bisa sembuh ga sih", ["bisa sembuh ga sih"]),
    ("anakku kalo megang sendok tangan satunya ikut gerak, normal ga ya kak?",
     ["anakku kalo megang sendok tangan satunya ikut gerak, normal ga ya kak?"]),
    # Statements stay whole.
    ("anak saya tangan kirinya ikut gerak kalau menulis", ["anak saya tangan kirinya ikut gerak kalau menulis"]),
    ("dia gak sakit dan gak rewel cuma tangannya ikut gerak",
     ["dia gak sakit dan gak rewel cuma tangannya ikut gerak"]),
])
def test_bahasa_questions_with_the_question_word_last(text, parts):
    assert question_parts(text) == parts


@pytest.mark.parametrize("text, asks", [
    ("anak sy umur 5 thn kalo nulis tangan kirinya ikut gerak itu normal gak", True),
    ("tangan kanan anak saya ikut bergerak waktu dia main piano apakah ini berbahaya", True),
    ("ponakan sy ada gejala tangan cermin bisa sembuh ga sih", True),
    ("sy 40 thn baru2 ini tangan kiri ikut gerak sendiri harus periksa ke mana", True),
    ("anak saya tangan kirinya ikut gerak kalau menulis", False),
    ("tangan kiri sy suka ikut gerak sendiri dari kecil", False),
    ("dia gak bisa pakai satu tangan aja", False),
    ("makasih ya kak", False),
])
def test_a_bahasa_question_is_found_anywhere_in_a_message(text, asks):
    assert asks_something(text) is asks


# From a persona round in Bahasa (a mother in Medan, a father in Yogyakarta, a teenager): the
# question after a comma behind a person's story, a second question opening with "trs", a
# question with its word in the middle, and a "knp ya" that asks nothing of its own.
@pytest.mark.parametrize("text, parts", [
    ("anak sy 6 thn klo nulis tgn kirinya ikut gerak, hrs dibawa ke dokter apa ya",
     ["hrs dibawa ke dokter apa ya"]),
    ("istri sy dari kecil tangannya suka ikut gerak, nanti anak kami bisa ketularan jg gak?",
     ["nanti anak kami bisa ketularan jg gak?"]),
    ("ponakan aku susah main piano soalnya tangan satunya ngikut, ada saran biar gampang?",
     ["ada saran biar gampang?"]),
    ("ada obatnya gak? trs brp bnyk org yg kena", ["ada obatnya gak?", "brp bnyk org yg kena"]),
    ("Gen apa saja yang terlibat, dan apakah tes genetik perlu?",
     ["Gen apa saja yang terlibat", "apakah tes genetik perlu?"]),
    ("terapi apa yg paling bagus trus kira2 brp lama", ["terapi apa yg paling bagus", "kira2 brp lama"]),
    ("anak sy klo nulis tgn satunya ikut gerak. knp ya", ["anak sy klo nulis tgn satunya ikut gerak."]),
    ("bocahku nek nyekel sendok tangan liyane melu obah, kudu nang dokter opo",
     ["kudu nang dokter opo"]),
    # A short tag after a comma stays with its story: alone it says too little.
    ("anakku kalo megang sendok tangan satunya ikut gerak, normal ga ya kak?",
     ["anakku kalo megang sendok tangan satunya ikut gerak, normal ga ya kak?"]),
    # A statement with a comma stays whole.
    ("anak saya 5 tahun, tangan kirinya ikut gerak kalau menulis",
     ["anak saya 5 tahun, tangan kirinya ikut gerak kalau menulis"]),
])
def test_bahasa_questions_behind_a_story_and_after_a_connector(text, parts):
    assert question_parts(text) == parts


# From a second Bahasa set written by personas (a father in Yogyakarta, a teenager in Jakarta):
# a comma after "kalau …" is part of the question, a tag can sit mid-question ("bisa makin
# parah ga pas udh tua"), an honorific can close it ("… ora yo mas"), and a question with
# no question word starts at its modal ("… iso tetep les piano ora").
@pytest.mark.parametrize("text, parts", [
    ("MMD iku nular ora? terus yen aku duwe anak maneh, iso kena juga ora",
     ["MMD iku nular ora?", "yen aku duwe anak maneh, iso kena juga ora"]),
    ("apakah menular? kalau saya hamil lagi, anak saya bisa kena juga gak",
     ["apakah menular?", "kalau saya hamil lagi, anak saya bisa kena juga gak"]),
    ("CMM sama parkinson beda ga sih? trus CMM bisa makin parah ga pas udh tua",
     ["CMM sama parkinson beda ga sih?", "CMM bisa makin parah ga pas udh tua"]),
    ("anakku wedok 10 th seneng main piano tp jarine melu gerak, iso tetep les piano ora yo mas",
     ["iso tetep les piano ora yo mas"]),
    ("anak sy 8 thn tangannya suka ikut gerak pas nulis bisa tetap sekolah biasa gak bu",
     ["bisa tetap sekolah biasa gak bu"]),
])
def test_bahasa_conditions_mid_tags_honorifics_and_modals(text, parts):
    assert question_parts(text) == parts


@pytest.mark.parametrize("text", [
    "anak saya bisa nulis tapi tidak rapi",
    "dia gak bisa pakai satu tangan aja",
])
def test_bahasa_statements_with_a_modal_are_no_question(text):
    assert question_parts(text) == [text]
    assert not asks_something(text)


@pytest.mark.parametrize("text, parts", [
    ("dari kecil tangan kiri gue ikut gerak pas nulis. nah pertanyaan gue, ini namanya apa sih?",
     ["ini namanya apa sih?"]),
    ("my left hand copies my right. my question is: does it get worse?", ["does it get worse?"]),
    ("anak sy tangannya ikut gerak. yg mau sy tanyain, itu bahaya gak", ["itu bahaya gak"]),
])
def test_the_words_announcing_a_question_are_not_part_of_it(text, parts):
    assert question_parts(text) == parts
