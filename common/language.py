"""Which language a message is written in: English, Bahasa Indonesia, another one, or unclear.

The assistant speaks English and Bahasa Indonesia (README, "Languages"). Each message's
language is read from its small, frequent words (function words, pronouns, question words,
chat particles and abbreviations), not from topic words: "anak saya ada mirror movement, itu
bahaya gak?" is Indonesian with English terms in it, the way people code-switch in chat.
A message with no such words ("7", "MMD?", "ok", a name, a phone number) is unclear: the
conversation keeps its language. Malay, Javanese and Sundanese mixes read as Indonesian (the
app's users write them; the Indonesian replies serve them). Another language, in Latin
script by its own small words or in another script, is `other`.

Pure standard library: the NLU component (spacy_pipeline/language.py), the actions and the
tests share it.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional

ENGLISH = "en"
INDONESIAN = "id"
OTHER = "other"
LANGUAGES = (ENGLISH, INDONESIAN)

_INDONESIAN = frozenset("""
yang yg dan di ke dari ini itu tsb apa apakah apaan gimana gmn bagaimana bgmn kenapa knp mengapa
kapan dimana mana siapa berapa brp tidak tdk gak ga gk nggak ngga enggak engga ndak nda tak bukan
belum blm sudah udah sdh udh dah saya sy aku aq gue gw gua kamu km anda kau dia ia mereka kami
kita beliau anak anakku anaknya ank adik adek kakak suami istri ibu bapak ayah nenek kakek
bisa bs boleh mau pengen ingin perlu harus ada adalah akan sedang lagi lg masih juga jg tapi tp
tetapi karena krn karna kalau kalo kl klo jika dengan dgn sama untuk utk buat bagi oleh pada
atau sih dong deh kok lho loh nih tuh yah kah lah aja saja banget bgt sekali sangat terus trus
terima kasih makasih trims tq selamat pagi siang sore malam halo permisi tolong mohon maaf
iya yaa dong nya tangan kaki jari kiri kanan sebelah ikut gerak gerakan bergerak sakit penyakit
obat dokter bidan perawat umur usia tahun thn bulan bln minggu hari jam besok nanti sekarang
baru tadi kemarin sering kadang selalu normal bahaya menurun turunan keturunan sembuh hilang
piye opo ora wes uwis arek mboten nggih teh mah atuh euy kumaha naon henteu
hai kak dok mas mbak bang min assalamualaikum salam sugeng enjing sonten punten wilujeng
iku iki kuwi kae iso isa ta toh sampek sampe nek yen lek ning nang karo ae wae mung isih jik lha
nggak orak durung arep dadi kudu pripun kepriye kenopo ngopo wong gedhe cilik bocah melu obah loro
kenek kena pisan tuwo selawase sak saiki mau kulo kula panjenengan njenengan sampun inggih ampun
aya teu naon naha iraha saha sabaraha abdi urang anjeun budak incu sareng ti nu kitu kieu bade moal
tos parantos tiasa pisan hoyong kedah
""".split())

_ENGLISH = frozenset("""
the a an is are was were be been am do does did don't doesn't can can't could would should will
won't have has had what what's whats how why when where who which whose whom my mine your you
you're i i'm im i've me we our us he she his her him they their them it its it's this that these
those there here of to in on at for from with about as by and or but not no yes yeah yep nope
if so than then also just very too please pls thanks thank hello hi hey bye goodbye okay
child children kid kids son daughter baby hand hands arm arms leg legs finger fingers left right
move moves moving movement movements copy copies doctor treatment cure help want need get
""".split())

# English words Indonesians use in chat as often as English speakers ("hi kak", "ok makasih",
# "thanks ya"): alone they do not say the conversation switched to English.
_SHARED_LOANWORDS = frozenset("hi hello hey ok okay oke thanks thank thx please pls sorry bye yes no".split())

# Form answers are data, not a choice of language: "sabtu pagi" or "5 tahun" typed in an English
# conversation keep it English (a greeting "pagi" alone is still Indonesian).
_DATA_WORDS = frozenset("pagi siang sore malam tahun thn bulan bln minggu hari jam besok lusa".split())
_DAY_NAMES = frozenset("senin selasa rabu kamis jumat jum'at sabtu minggu ahad".split())

# Small words of the languages users of an app in Indonesia may also write (and of the
# commonest European ones), none of which is also a common English or Indonesian word.
_OTHER = frozenset("""
el los las que qué por para cómo como está estoy usted tengo tiene hijo hija mi es muy pero
le les est et je suis vous nous avec pour pourquoi c'est mon ma mes fils fille une des qui
der die das und ist nicht ich du wie mein meine sohn tochter bitte danke kann haben
não você meu minha filho filha obrigado olá
il che sono non mio mia figlio figlia grazie
het een niet ik mijn zoon dochter
""".split())

# Words that alone say another language ("hola", "merci", "¿hablas español?").
_OTHER_ALONE = frozenset("hola gracias hablas español espanol bonjour merci français francais parlez "
                         "danke hallo deutsch obrigado olá ciao grazie".split())

# Scripts other than Latin (Chinese, Japanese, Korean, Arabic, Cyrillic, Thai, Devanagari …).
_NON_LATIN_LETTER = re.compile(r"[^\W\d_a-zA-Z\u00C0-\u024F]")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}")
_REDUPLICATED = re.compile(r"^(\w+)2$")  # "kejang2", "anak2": Indonesian plural by a 2


def _words(text: str) -> list[str]:
    lowered = unicodedata.normalize("NFKC", text).lower()
    lowered = _REDUPLICATED.sub(r"\1", lowered)
    words = []
    for raw in re.findall(r"\S+", lowered):
        raw = _REDUPLICATED.sub(r"\1", raw.strip(".,!?;:()\"'"))
        words.extend(_WORD.findall(raw))
    # "pagiii", "makasihhh", "yaaa": a letter drawn out three times or more is one letter.
    return [_DRAWN_OUT.sub(r"\1", word.replace("\u2019", "'")) for word in words]


def _indonesian_word(word: str) -> bool:
    """A small word, or a word with the suffixes chat Indonesian adds (-nya, -ku, -mu, -kah, -lah)."""
    if word in _INDONESIAN:
        return True
    for suffix in ("nya", "ku", "mu", "kah", "lah"):
        if word.endswith(suffix) and word[: -len(suffix)] in _INDONESIAN:
            return True
    # Javanese -e/-ne and Sundanese -na own as -nya does ("tangane", "anake", "obatna"), on
    # stems of four letters or more, so that English words ("here", "are") are not read so.
    for suffix in ("ne", "e", "na"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 4 and stem in _INDONESIAN:
            return True
    return False


def detect(text: Optional[str]) -> Optional[str]:
    """`en`, `id`, `other`, or None when the message does not say (keep the conversation's)."""
    if not text or text.startswith("/"):
        return None  # empty, or a button payload (an intent, not a language)
    letters = [char for char in text if char.isalpha()]
    if letters and sum(bool(_NON_LATIN_LETTER.match(char)) for char in letters) * 2 > len(letters):
        return OTHER
    words = _words(text)
    indonesian = sum(_indonesian_word(word) for word in words)
    data_only = all(word in _DATA_WORDS for word in words if _indonesian_word(word))
    if indonesian and data_only and (any(c.isdigit() for c in text) or any(w in _DAY_NAMES for w in words)):
        indonesian = 0
    english = sum(word in _ENGLISH for word in words)
    if indonesian == 0 and all(word in _SHARED_LOANWORDS for word in words if word in _ENGLISH):
        english = 0
    other = sum(word in _OTHER for word in words) + 2 * sum(word in _OTHER_ALONE for word in words)
    if other >= 2 and other > indonesian + english:
        return OTHER
    if indonesian and english:
        # Code-switching is mostly Indonesians writing English terms ("oh gitu. is it dangerous
        # sih?"): Indonesian when it has as many of its words, English only when clearly
        # English with an Indonesian term in it, else unclear (the conversation's stays).
        if indonesian >= english:
            return INDONESIAN
        return ENGLISH if english >= 2 * indonesian + 1 and english >= 3 else None
    if indonesian > english:
        return INDONESIAN
    if english > indonesian:
        return ENGLISH
    return None


_ASKS_ENGLISH = re.compile(r"\b(english|inggris|eng)\b", re.IGNORECASE)
_ASKS_INDONESIAN = re.compile(r"\b(indonesian|indonesia|indo|bahasa|bhs|bind)\b", re.IGNORECASE)


# "sorry my english not good", "i don't speak english well", "english saya kurang": naming
# English to say one's English is poor asks for the other language.
_POOR_ENGLISH = re.compile(
    r"\b(?:my|me|i|i'?m|am)\b[^.?!]{0,20}\benglish\b[^.?!]{0,15}"
    r"\b(?:not (?:good|great|so good|very good|well|fluent)|bad|poor|weak|limited|broken|basic|so ?so|no good|"
    r"isn'?t good|is not good)\b|"
    r"\b(?:not (?:good|fluent)|bad|poor|weak) (?:at|in|with) english\b|"
    r"\b(?:don'?t|do not|can'?t|cannot|no) (?:speak|write|read|understand|know|much) (?:much )?english\b|"
    r"\b(?:bahasa )?(?:inggris|english) (?:saya|sy|aku|ku|gw|gue) (?:kurang|jelek|gak|tidak|nggak|ga|belum)\b|"
    r"\b(?:gak|ga|tidak|tdk|nggak|kurang|belum) (?:bisa|lancar|paham|ngerti|mengerti|fasih) "
    r"(?:bahasa |bhs )?(?:inggris|english)\b",
    re.IGNORECASE,
)
# "can the doctor speak bahasa?", "does the clinician speak english": a question about
# someone else's languages, not a request to switch the conversation's.
_SOMEONE_ELSE = re.compile(
    r"\b(?:doctors?|dokter(?:nya)?|dok|clinicians?|klinisi(?:nya)?|nurses?|perawat(?:nya)?|staff|petugas(?:nya)?|"
    r"team|tim(?:nya)?|therapists?|terapis(?:nya)?|specialists?|spesialis(?:nya)?|neurologists?|"
    r"clinic|klinik(?:nya)?|counsellors?|counselors?|he|she|they|son|daughter|husband|wife|mother|father|"
    r"dia|mereka|anak(?:ku|nya)?|suami(?:ku)?|istri(?:ku)?)\b",
    re.IGNORECASE,
)


# "why are you speaking indonesian", "stop using english", "jangan pakai bahasa inggris":
# naming a language to object to it asks for the other one.
_AGAINST_LANGUAGE = re.compile(
    r"\b(?:why|stop|don'?t|dont|do not|no more|not in|kenapa|knp|kok|jangan|jgn|gak usah|ga usah|gausah|"
    r"tidak usah|berhenti)\b[^.?!]{0,30}\b(english|inggris|indonesian|indonesia|indo|bahasa)\b",
    re.IGNORECASE,
)


def _other_language(named: Optional[str]) -> Optional[str]:
    return {ENGLISH: INDONESIAN, INDONESIAN: ENGLISH}.get(named or "")


def says_english_is_poor(text: Optional[str]) -> bool:
    return bool(text) and bool(_POOR_ENGLISH.search(text))


def requested_language(text: Optional[str]) -> Optional[str]:
    """The language a request to switch names: "English please", "pakai bahasa Indonesia",
    "bisa bahasa inggris?" ("bahasa inggris" names English, not Indonesian); "my english is
    not good" asks for Bahasa Indonesia."""
    if not text:
        return None
    if says_english_is_poor(text):
        return INDONESIAN
    against = _AGAINST_LANGUAGE.search(text)
    if against:
        # "bahasa inggris" names English; "bahasa" alone names Indonesian.
        named = ENGLISH if _ASKS_ENGLISH.search(against.group(0)) else INDONESIAN
        return _other_language(named)
    if _ASKS_ENGLISH.search(text):
        return ENGLISH
    if _ASKS_INDONESIAN.search(text):
        return INDONESIAN
    return None


# An explicit request to switch, whatever the classifier said: the message is mostly the
# request itself ("English please", "in english pls", "bahasa indonesia aja", "pake bhs indo dong").
_SWITCH = re.compile(
    r"^(?:(?:can|could) (?:you|we) |please |pls |tolong |bisa |boleh |mohon )?"
    r"(?:(?:speak|talk|write|answer|reply|use|switch to|change to|continue in|in|pakai|pake|gunakan|"
    r"ganti(?: ke)?|ubah ke|pindah ke|dalam|jawab(?: pakai| pake| dalam| dgn| dengan)?|ngomong|"
    r"bicara(?: dalam| pakai| pake)?) )?"
    r"(?:the )?(?:bahasa |bhs |b\. ?)?(?:english|inggris|indonesian|indonesia|indo)(?: language)?"
    r"(?: (?:please|pls|plz|aja|saja|dong|ya|yah|deh|sih|kak|min|only|instead|now|thanks|thx))*[.!? ]*$",
    re.IGNORECASE,
)


def is_switch_request(text: Optional[str]) -> bool:
    return bool(text) and bool(_SWITCH.match(" ".join(text.split())))


def read_language(
    text: str, predicted: Optional[str], ranking: Optional[List[Dict[str, Any]]] = None
) -> Dict[str, Optional[str]]:
    """What the language detector does with a message the classifiers read as `predicted`:
    {"intent": the intent to set or None, "language": the reply language (en/id) or None,
    "written_in": the message's own language (en/id/other) or None}. Safety intents are never
    changed (spacy_pipeline/intents.py names them). `ranking` is the classifier's intent
    ranking: when its `change_language` is a question about someone else's languages ("can
    the doctor speak bahasa?"), the next intent it ranked is taken instead."""
    from spacy_pipeline.intents import (
        CHANGE_LANGUAGE,
        CRISIS,
        EMERGENCY,
        RED_FLAG_CONTEXT,
        UNSUPPORTED_LANGUAGE,
    )

    written_in = detect(text)
    if predicted in (CRISIS, EMERGENCY, RED_FLAG_CONTEXT):
        return {"intent": None, "language": written_in if written_in in LANGUAGES else None,
                "written_in": written_in}
    if is_switch_request(text) or says_english_is_poor(text):
        return {"intent": CHANGE_LANGUAGE, "language": requested_language(text), "written_in": written_in}
    if predicted == CHANGE_LANGUAGE:
        if _SOMEONE_ELSE.search(text):
            instead = next((entry.get("name") for entry in ranking or []
                            if entry.get("name") not in (CHANGE_LANGUAGE, UNSUPPORTED_LANGUAGE)), None)
            return {"intent": instead, "language": written_in if written_in in LANGUAGES else None,
                    "written_in": written_in}
        return {"intent": CHANGE_LANGUAGE, "language": requested_language(text), "written_in": written_in}
    if written_in == OTHER:
        return {"intent": UNSUPPORTED_LANGUAGE, "language": None, "written_in": written_in}
    return {"intent": None, "language": written_in, "written_in": written_in}
