"""Pure text helpers: the pleasantries around a question, and the questions in a message.

People write "hi, what causes mmd?" and "what causes it and is there a cure". The
classifiers see one message and give one intent; rasa_server/several_questions.py uses these
helpers to classify the question without the greeting, and each question on its own.
No spaCy here: plain string rules, cheap enough for every message.
"""
from __future__ import annotations

import re
from typing import List

# A greeting or thanks that opens a message ("hi,", "hello there", "good morning", "halo").
_LEADING = re.compile(
    r"^\s*(?:(?:hi|hii+|hello|helo|hey|heya|hiya|yo|halo|hai|howdy|greetings|dear\s+\w+|"
    r"good\s+(?:morning|afternoon|evening|day)|selamat\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|"
    r"permisi|assalamualaikum|kak|min|dok|mas|mbak|sugeng\s+(?:enjing|siang|sonten|dalu)|punten|"
    # "I have a question" before it: "sy mau tanya,", "boleh nanya", "quick question:".
    r"(?:(?:sy|saya|aku|aq|gw|gue)\s+)?(?:mau|pengen|ingin|boleh|izin|ijin)\s+(?:tanya|nanya|bertanya)(?:\s+(?:dong|kak|dok|min|nih|sih))?|"
    r"(?:i\s+have\s+a|quick|a)\s+question|"
    r"ok(?:ay)?|so|um+|umm+|thanks?|thank\s+you|thx|ty|no\s+thanks?|no\s+thank\s+you|not\s+now)"
    r"(?:\s+there)?(?:\s+(?:bot|assistant))?"
    r"(?:\s*[,.!:;\-]*\s+|\s*[,.!:;\-]*$))+",
    re.IGNORECASE,
)
# Thanks or a sign-off that closes it ("… thanks!", "… cheers", "… pls").
_TRAILING = re.compile(
    r"(?:[\s,.!;:-]+(?:thanks?(?:\s+(?:so\s+much|a\s+lot|in\s+advance))?|thank\s+you(?:\s+so\s+much)?|"
    r"thx|ty|tia|cheers|pls|please|plz|x+|:\)|🙏|terima\s+kasih|makasih|thanks\s+a\s+lot|"
    r"(?:terima\s+kasih|makasih|trims|tq)\s+(?:ya|yaa|kak|banyak|sebelumnya|dok)))+"
    r"[\s.!?]*$",
    re.IGNORECASE,
)
# Words that open a question: a second question often starts with one after "and".
_OPENERS = (
    r"what|whats|what's|how|is|isn't|isnt|are|can|could|does|do|did|will|would|should|when|where|"
    r"who|which|why|any|has|have|was|were|"
    # Bahasa Indonesia: "…, terus apakah bisa sembuh", "… dan gimana cara ngobatinnya"
    r"apa|apakah|apa\s+aja|gimana|bagaimana|gmn|kenapa|knp|mengapa|kapan|dimana|di\s+mana|siapa|berapa|"
    r"bisa|bisakah|boleh|perlu|harus|ada"
)
# "… and is there a cure", "…, also how common is it", "… plus does it hurt", and a question
# after a comma: "my son's left hand copies his right, is that normal at his age".
_JOINED_QUESTION = re.compile(
    rf"(?:(?:,\s*|\s+)(?:and\s+also|and|also|plus|&|dan|terus|trus|trs|lalu|juga|sama|terus\s+juga)\s*,?\s+|,\s*)"
    rf"(?=(?:{_OPENERS})\b)", re.IGNORECASE
)
_OPENS_QUESTION = re.compile(rf"^\s*(?:{_OPENERS})\b", re.IGNORECASE)
# "nah pertanyaan gue, …", "my question is: …": the words that announce a question, not part of it.
_LEAD_IN = re.compile(
    r"^\s*(?:(?:nah|jadi|jd|terus|trus|so|and|ok(?:e|ay)?)\s*,?\s+)?(?:(?:yang|yg)\s+mau\s+(?:sy|saya|aku|gue|gw)\s+"
    r"(?:tanya(?:in|kan)?)|pertanyaan(?:nya)?(?:\s+(?:gue|gw|saya|sy|aku|ku))?|pertanyaanku|my\s+question(?:\s+is)?|"
    r"the\s+question\s+is)\s*[,:\-]?\s+",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
MIN_PART_WORDS = 2
MAX_PARTS = 3


# A question asked after some context, without a question mark: "my son is 3 and his left
# hand copies, is that normal at his age", "…does puzzles who do we see about it".
_ASKING_PHRASE = re.compile(
    r"\b(is (that|this|it|he|she)|are (they|these)|what('?s| is| are| could| does| do| can| should| will)|"
    r"whats|what (happen\w*|this|that|now)|who (do|should|can|would)|how (do|can|should|long|is|are|come)|"
    r"does (that|this|it)|"
    r"do (i|we|you)|can (i|we|he|she|you|it|they)|should (i|we|he|she)|will (it|he|she|i|they)|"
    r"could (it|that|this)|any (tips|advice|ideas|treatment|cure)|why (does|do|is)|"
    r"what \w+ (is|are) there|what (causes|helps|happens))\b",
    re.IGNORECASE,
)



# Bahasa Indonesia often asks with the question word or a tag last and no "?": "penyebabnya
# apa", "itu normal gak", "bisa sembuh ga sih", "apakah ini berbahaya".
_ID_QUESTION_WORDS = (
    r"apakah|apa|apaan|gimana|gmn|gmna|bagaimana|kenapa|knp|napa|mengapa|kapan|dimana|di\s+mana|ke\s*mana|mana|"
    r"siapa|berapa|brp|bisakah|benarkah|perlukah|haruskah|adakah|bolehkah|mungkinkah|"
    # Javanese and Sundanese, as the app's users mix them in: "kudu nang dokter opo", "naon sababna".
    r"opo|piye|pripun|kepriye|ngopo|kenopo|endi|naon|kumaha|naha|iraha|saha|sabaraha"
)
_ID_TAGS = r"gak|ga|gk|nggak|ngga|enggak|engga|kagak|tidak|tdk|ndak|nda|bukan|belum|blm|ora|orak|teu|henteu"
_ID_PARTICLES = (r"ya|yah|yaa|sih|si|kak|dok|dong|nih|tuh|deh|kah|gitu|begitu|ini|itu|"
                 r"ta|toh|yo|lho|wae|atuh|teh|iki|iku|kitu|"
                 # The person asked, closing the question: "… ora yo mas", "… gak bu".
                 r"mas|mbak|mba|bu|pak|bang|neng|om|tante|sis|gan|bro|dek|nak|kang|min")
# A question word inside a clause asks too: "gen apa saja yang terlibat", "brp bnyk org yg kena".
_ID_ASKS_INSIDE = re.compile(
    r"\b(?:apa\s+(?:saja|aja|aj|yg|yang)|mana\s+(?:yg|yang)|siapa|berapa|brp|bagaimana|gimana|gmn|kenapa|knp|"
    r"mengapa|kapan|sabaraha|kumaha|piye|pripun)\b",
    re.IGNORECASE,
)
# A tag after the verb it asks about, with more after it: "bisa makin parah ga pas udh tua",
# "ada bedanya gak sama tremor". (Not "tidak": statements use it that way.)
_ID_MID_TAG = re.compile(
    r"\b(?:bisa|bs|boleh|perlu|harus|hrs|ada|ad|iso|isa|kudu|makin|tambah|udah|udh|sudah|pernah|beda)\b"
    r"[^.?!,]{0,40}?\b(?:gak|ga|gk|nggak|ngga|enggak|engga|ora|teu|ndak|nda)\b",
    re.IGNORECASE,
)
# Where a question with no question word starts behind its story: at its modal ("… pas nulis
# bisa tetap sekolah biasa gak bu").
_ID_MODAL = re.compile(r"\b(?:bisa|bs|boleh|perlu|harus|hrs|iso|isa|kudu|masih|tetap|tetep)\b", re.IGNORECASE)
# "kalau saya hamil lagi, anak saya bisa kena juga gak": the clause before the comma is the
# question's condition, not a story.
_ID_CONDITION = re.compile(
    r"^\s*(?:(?:terus|trus|trs|lalu|dan|tapi|tp)\s+)?(?:kalau|kalo|klo|kl|jika|jikalau|seandainya|misal(?:nya)?|"
    r"andaikan|yen|nek|lek|upami|lamun|ari|if)\b", re.IGNORECASE)
# Words that join a second question to the first ("… trs brp bnyk org yg kena"): not part of
# what it asks.
_ID_CONNECTOR = r"dan|terus|trus|trs|lalu|serta|sama|terus\s+juga|trus\s+juga|juga|kalau|kalo|klo|btw"
_LEADING_JOINER = re.compile(r"^\s*(?:(?:dan|terus|trus|trs|lalu|serta|and|also|plus)\s+)+", re.IGNORECASE)
_LEADING_CONNECTOR = re.compile(rf"^\s*(?:(?:{_ID_CONNECTOR}|and|also|plus)\s+)+", re.IGNORECASE)
# "terapi apa yg paling bagus trus kira2 brp lama": two questions joined by a connector, each
# with its question word inside.
_ID_JOIN = re.compile(r"\s+(?:dan|terus|trus|trs|lalu|serta|terus\s+juga)\s+", re.IGNORECASE)
_ID_ENDS_ASKING = re.compile(
    rf"\b(?:{_ID_QUESTION_WORDS}|{_ID_TAGS})(?:\s+(?:{_ID_PARTICLES}))*\s*\?*\s*$", re.IGNORECASE
)
# A second question after one that ended that way: "penyebabnya apa terus pengobatannya
# gimana", "menular gak, bisa sembuh gak".
_ID_ASKED_THEN = re.compile(
    rf"\b(?:{_ID_QUESTION_WORDS}|{_ID_TAGS})(?:\s+(?:{_ID_PARTICLES}))*"
    rf"(?P<cut>\s*,\s*(?:(?:dan|terus|trus|trs|lalu|serta)\s+)?|"
    rf"\s+(?:dan|terus|trus|trs|lalu|serta|terus\s+juga)\s+)",
    re.IGNORECASE,
)
# Where a Bahasa question starts behind its context: "…ikut gerak itu normal gak",
# "…main piano apakah ini berbahaya", "…dari kecil apa bisa menurun ke anak".
_ID_ASKING_START = re.compile(
    r"\b(?:apakah|bisakah|benarkah|perlukah|haruskah|adakah|gimana|gmn|gmna|bagaimana|kenapa|knp|"
    r"mengapa|kapan|siapa|berapa|"
    r"apa(?=\s+(?:itu|ini|bisa|benar|bener|ada|penyebab\w*|obat\w*|perlu|harus|mungkin|normal|"
    r"wajar|bahaya|berbahaya|menular|menurun|nurun|keturunan|termasuk|artinya))|"
    r"(?:itu|ini|apa)\s+(?:normal|wajar|bahaya|berbahaya|biasa|menurun|nurun|menular|keturunan|"
    r"termasuk|penyakit|kelainan|gejala|bisa|perlu|harus|mmd|cmm)|"
    r"(?:bisa|perlu|harus|boleh)\s+(?:sembuh|hilang|diobati|diterapi|menurun|nurun|menular|ketularan|"
    r"dicegah|normal|ke|periksa|dibawa|khawatir|diapain|ngapain))\b",
    re.IGNORECASE,
)


_ID_FILLER = re.compile(
    rf"^(?:{_ID_QUESTION_WORDS}|{_ID_TAGS}|{_ID_PARTICLES}|emang|jadi|terus|trus|min|kira2|kira-kira|kira|"
    r"dong|sih|iki|kuwi|kok|ki|kitu|mah)$",
    re.IGNORECASE,
)
# The question after the last comma of a story ("anak sy … ikut gerak, hrs dibawa ke dokter apa
# ya") is read whole when it says this much itself; "…, normal ga ya kak?" stays with its story.
MIN_COMMA_QUESTION_WORDS = 3
MIN_MODAL_STORY_WORDS = 7
# A Bahasa question is read on its own only behind real context ("anak sy umur 5 thn kalo
# nulis tangan kirinya ikut gerak | itu normal gak"); a subject put first ("prevalensi cmm
# berapa ya dok") belongs to its question.
MIN_ID_CONTEXT_WORDS = 4


def _split_indonesian_questions(piece: str) -> List[str]:
    """A clause holding two Bahasa questions, each ending with its question word or tag."""
    pieces, start = [], 0
    for match in _ID_ASKED_THEN.finditer(piece):
        before = piece[start:match.start("cut")]
        if _words(before) < MIN_PART_WORDS or all(_ID_FILLER.match(w) for w in _WORD.findall(before)):
            continue  # "engga, skip aja" is an answer; "apakah ini sama dengan …" one question
        pieces.append(piece[start:match.start("cut")])
        start = match.end("cut")
    pieces.append(piece[start:])
    return [p for p in pieces if p.strip()]


def _content_words(text: str) -> List[str]:
    return [w for w in _WORD.findall(text) if not _ID_FILLER.match(w)]


def _indonesian_comma_question(piece: str) -> str:
    """The question after a story's last comma, when it asks something of its own ("" when not)."""
    before, comma, tail = piece.rpartition(",")
    if not comma or _words(before) < MIN_ID_CONTEXT_WORDS or _ID_CONDITION.match(before):
        return ""
    tail = tail.strip()
    if len(_content_words(tail)) < MIN_COMMA_QUESTION_WORDS:
        return ""
    if _ID_ENDS_ASKING.search(tail) or (tail.endswith("?") and _WORD.search(tail)):
        return tail
    return ""


def _indonesian_modal_question(piece: str) -> str:
    """A tag question behind a story, from its last modal ("" when none, or no story)."""
    if not _ID_ENDS_ASKING.search(piece) or _ID_CONDITION.match(piece):
        return ""
    # A story, not a subject: "anak sy yg kecil bisa kena juga gak" is one question.
    modals = [m for m in _ID_MODAL.finditer(piece) if _words(piece[:m.start()]) >= MIN_MODAL_STORY_WORDS]
    if not modals:
        return ""
    # "bisa tetap sekolah": adjacent modals are one question.
    first = len(modals) - 1
    while first > 0 and not piece[modals[first - 1].end():modals[first].start()].strip():
        first -= 1
    tail = piece[modals[first].start():]
    return tail if len(_content_words(tail)) >= MIN_PART_WORDS else ""


def _indonesian_question_tail(piece: str) -> str:
    """The Bahasa question at the end of a clause that opens with context ("" when none)."""
    after_comma = _indonesian_comma_question(piece)
    if after_comma:
        return after_comma
    matches = list(_ID_ASKING_START.finditer(piece))
    if not matches:
        return _indonesian_modal_question(piece)
    strong = [i for i, m in enumerate(matches)
              if re.match(rf"(?:{_ID_QUESTION_WORDS})\b", m.group(0), re.IGNORECASE)]
    # "apakah CMM bisa menular": the question word starts it, not the later "bisa".
    first = strong[-1] if strong else len(matches) - 1
    # "apa bisa menurun", "kenapa bisa begitu": adjacent question words are one question.
    while first > 0 and not piece[matches[first - 1].end():matches[first].start()].strip():
        first -= 1
    start = matches[first].start()
    tail = piece[start:]
    content = _content_words(tail)
    if _words(piece[:start]) < MIN_ID_CONTEXT_WORDS or not content:
        return ""
    if strong or _ID_ENDS_ASKING.search(tail) or tail.rstrip().endswith("?"):
        return tail
    return ""


def strip_pleasantries(text: str) -> str:
    """The message without a greeting before it and thanks after it ("" when nothing else)."""
    core = _LEADING.sub("", text or "", count=1)
    core = _TRAILING.sub("", core)
    return core.strip(" ,.;:-")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def looks_like_question(part: str) -> bool:
    part = _LEADING_CONNECTOR.sub("", part)
    return (part.rstrip().endswith("?") or bool(_OPENS_QUESTION.match(part))
            or bool(_ID_ENDS_ASKING.search(part)) or bool(_ID_ASKS_INSIDE.search(part))
            or bool(_ID_MID_TAG.search(part)))


def asks_nothing_of_its_own(part: str) -> bool:
    """"knp ya", "gimana dong", "piye iki": a question word and particles, about the story before."""
    return bool(_WORD.findall(part)) and not _content_words(part)


def _split_joined_indonesian(piece: str) -> List[str]:
    """Two Bahasa questions joined by "trus"/"dan", each with its question word inside."""
    pieces, start = [], 0
    for match in _ID_JOIN.finditer(piece):
        before, after = piece[start:match.start()], piece[match.end():]
        if _words(before) >= MIN_PART_WORDS + 1 and _ID_ASKS_INSIDE.search(before) and _ID_ASKS_INSIDE.search(after):
            pieces.append(before)
            start = match.end()
    pieces.append(piece[start:])
    return pieces


def _question_tail(piece: str) -> str:
    """The question at the end of a clause that opens with context ("me my bro and my dad
    all do the hand copying thing lol is it genetic or smth" -> "is it genetic or smth";
    "anak sy 5 thn tangan kirinya ikut gerak itu normal gak" -> "itu normal gak")."""
    if _OPENS_QUESTION.match(piece):
        return piece
    indonesian = _indonesian_question_tail(piece)
    if indonesian:
        return indonesian
    if looks_like_question(piece):
        return piece
    matches = list(_ASKING_PHRASE.finditer(piece))
    if matches and matches[-1].start() > 0 and _words(piece[matches[-1].start():]) >= 2:
        return piece[matches[-1].start():]
    return piece


def question_parts(text: str) -> List[str]:
    """The separate questions in a message, in order, at most three.

    Sentences split at ?, ! and . and new lines; a sentence splits again at "and"/"also"
    followed by a question word, when the part before it is a clause of three or more words
    ("what causes it and is there a cure" → two parts; "is it genetic and inherited" → one).
    Fragments under two words are left out, and so are statements ("my son is 4.") when
    the message has questions too: the whole message is classified anyway.
    """
    parts: List[str] = []
    for sentence in _SENTENCE_END.split(strip_pleasantries(text)):
        sentence = _LEAD_IN.sub("", sentence)
        pieces = _JOINED_QUESTION.split(sentence)
        merged: List[str] = []
        for piece in pieces:
            # ("menular gak dan bisa sembuh gak": a Bahasa question ends with its tag.)
            if merged and _words(merged[-1]) < 3 and not _ID_ENDS_ASKING.search(merged[-1]):
                merged[-1] = f"{merged[-1]} and {piece}"
            else:
                merged.append(piece)
        for clause in merged:
            for joined in _split_joined_indonesian(clause):
                for piece in _split_indonesian_questions(joined):
                    piece = _question_tail(piece.strip(" ,;:-"))
                    # "terus ada obatnya gak?": the classifiers read "ada obatnya gak?".
                    piece = _LEADING_JOINER.sub("", piece) or piece
                    if _words(piece) >= MIN_PART_WORDS and not asks_nothing_of_its_own(piece):
                        parts.append(piece)
    questions = [part for part in parts if looks_like_question(part)]
    return (questions or parts)[:MAX_PARTS]


def asks_something(text: str) -> bool:
    """True when a message asks a question anywhere in it, not only at its start."""
    text = text or ""
    return ("?" in text or bool(_ASKING_PHRASE.search(text)) or bool(_ID_ENDS_ASKING.search(text))
            or bool(_indonesian_question_tail(text)))
