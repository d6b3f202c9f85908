"""Reading what a user typed at a booking-form question (English and informal Indonesian).

Pure functions, standard library only, so the form's validators, the summary step and the
tests share one understanding of an answer. The principle: at the name, contact, description
and times questions, what the user types *is* the answer, unless it is an explicit stop, a
question, a request to go back, or pure chit-chat ("thanks", "ok", "terima kasih"), which
are never stored as an answer. Emergencies are not detected here: the NLU `emergency` intent
is excluded by every slot mapping in domain/, so such text never reaches these parsers.
Each parser returns None when the text is not a usable answer, so the form asks again.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from actions.parsing import normalise_text
from common.privacy import EMAIL, PHONE
from spacy_pipeline.question_parts import looks_like_question

MAX_AGE_YEARS = 120
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_PREFERRED_TIMES = 255
_MAX_INPUT = 2000

# --- shared text helpers -----------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\uff1f": "?"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _clean(text: Any) -> Optional[str]:
    """One spelling of the text for every check: no control characters, single spaces and
    straight apostrophes (phones type curly ones, which would defeat "I'm" or "don't")."""
    cleaned = normalise_text(text, _MAX_INPUT)
    return cleaned.translate(_APOSTROPHES) if cleaned else None


def _plain(text: str) -> str:
    """Lowercase words only, so "Stop!!", "stop 🙏" and "STOP." compare equal; letters
    repeated three or more times are squeezed ("hiii", "okkk", "thanksss")."""
    squeezed = re.sub(r"(\w)\1{2,}", r"\1", text.lower())
    return " ".join(_WORD.findall(squeezed))


def _full_match(pattern: re.Pattern[str], text: Any) -> bool:
    cleaned = _clean(text)
    return bool(cleaned) and "@" not in cleaned and bool(pattern.fullmatch(_plain(cleaned)))


# Politeness and hesitation around a command: "ok stop please", "aduh nanti aja deh".
_LEAD = (
    r"(?:(?:ok|okay|oke|oh|um|umm|hmm|hm|uh|actually|sorry|please|pls|plz|just|well|so|no|nah|"
    r"nope|eh|ah|but|and|yeah|yes|ya|yah|wait|hey|maaf|tolong|kak|mas|mbak|min|aduh|wah|duh|i think|"
    r"then|sudah|udah|hmm ok) )*"
)
_TAIL = (
    r"(?: (?:please|pls|plz|thanks|thank you|thx|now|for now|then|ya|yah|yaa|deh|dong|sih|aja|saja|"
    r"kak|dulu|lah|ok|okay|right now|for today|today|again|already|sorry|mas|mbak|min|ah|lagi))*"
)

# --- explicit stop -----------------------------------------------------------------------

_STOP_OBJECT = (
    r"(?:(?:with )?(?:the |this |my |it |that |our )?(?:booking|form|appointment|consultation|"
    r"conversation|chat|process|request|questions?|registration|it|this|that|everything|all)"
    r"(?: now| here| for now)?|now|here|for now|right now)"
)
_STOP_PATTERN = re.compile(
    _LEAD
    + r"(?:stop|cancel|pause|quit|exit|abort|end|halt|enough|that's enough|later|maybe later|"
    r"not now|not right now|not today|not yet|another time|some other time|never ?mind|nvm|"
    r"forget (?:it|about it|this|that)|(?:i(?:'ve| have)? )?changed my mind|"
    r"i'?m done|i am done|that's all|"
    r"(?:(?:i think|maybe|perhaps) )?(?:i'll|i will|ill|i'd rather|i would rather|let's|lets|we'll|we will) "
    r"(?:do (?:it|this|that)|continue|come back|finish(?: it| this)?|book|try again) "
    r"(?:later|another time|some other time|another day|tomorrow|next time)|"
    r"(?:let's|lets|can we|could we|i'd like to|i would like to|i want to|i wanna|i need to|"
    r"we want to|i have to|i gotta|please) (?:stop|cancel|pause|quit|end|exit|leave|take a break)"
    rf"(?: {_STOP_OBJECT})?|"
    rf"(?:stop|cancel|pause|quit|end|exit|abort|leave) {_STOP_OBJECT}|"
    r"(?:(?:i|we) )?(?:don't|dont|do not|no longer|really don't|don't really) (?:want|wanna|wish|need) "
    r"(?:to )?(?:continue|go on|proceed|carry on|keep going|book|do (?:this|it)|finish|answer|go ahead)"
    rf"(?: {_STOP_OBJECT})?(?: anymore| any more)?|"
    r"(?:(?:i|we) )?(?:can't|cant|cannot) (?:continue|do this)(?: now)?|"
    # Bahasa Indonesia (informal spellings included).
    r"berhenti|stop dulu|udahan|udah dulu|sudah dulu|(?:udah|sudah) cukup|"
    r"cukup(?: dulu| sampai sini| sampai di sini)?|keluar|"
    r"batal(?:kan|in)?(?: (?:aja|saja|dulu|booking(?:nya)?|pesanan(?:nya)?|janji(?:nya)?|"
    r"konsultasi(?:nya)?|pendaftaran(?:nya)?))*|"
    r"nanti(?: (?:saja|aja|dulu|lagi|deh|ya))*|lain kali(?: (?:aja|saja))?|"
    r"(?:(?:saya|aku|sy|gue|gw|aq) )?(?:ga|gak|nggak|ngga|enggak|engga|tidak|tdk|gk|ndak|nda) (?:jadi|jd|lanjut|"
    r"(?:mau|ingin|pengen) (?:lanjut|melanjutkan|meneruskan|booking|daftar)|"
    # "gak usah lanjut"; "gak usah" alone is a "no" to the question, not a stop.
    r"usah (?:lanjut|dilanjut|dilanjutkan|diteruskan|diterusin))"
    r"(?: (?:deh|aja|saja|dulu|lagi|booking|konsultasi|konsul|pesan|daftar|ya|sih))*|"
    r"(?:saya|aku|sy|gue|gw) (?:mau|ingin|pengen|pengin) (?:berhenti|batal|membatalkan|keluar|stop)"
    r"(?: (?:aja|saja|dulu))*"
    r")" + _TAIL
)


def is_explicit_stop(text: Any) -> bool:
    """True for "stop", "cancel", "not now", "forget it", "batal", "nanti saja"...

    The whole message must be the command (with politeness around it), so a name
    ("Emma Stone"), an email ("stop.smoking@mail.com") or a description that mentions
    stopping ("he can't stop crying", "I don't want to continue living") is never a stop.
    "no thanks" and "gak usah" are not stops either: they are a "no" (to consent, say).
    """
    return _full_match(_STOP_PATTERN, text)


# --- leaving -------------------------------------------------------------------------------

# "bye", "thanks, bye", "gotta go", "sampai jumpa", "dadah kak": the user is leaving. In the
# booking form this pauses the booking with a goodbye, rather than asking the question again
# to someone who has left (a tester said "thanks" and "bye" and was asked their age 30 times).
_FAREWELL_PATTERN = re.compile(
    r"(?:(?:ok|okay|oke|okey|alright|right|thanks|thank you|thx|ty|makasih|terima kasih|trims|"
    r"tq|sip|siap|baik|yaudah|ya sudah|ya udah|well|oh|ah|so|kak|ya) )*"
    r"(?:bye(?: bye)?|byee|byebye|bye2|goodbye|good bye|good night|goodnight|see you(?: later| soon| then)?|"
    r"see ya|cya|cu|ttyl|talk (?:to you )?(?:later|soon)|later then|catch you later|take care|"
    r"(?:i )?(?:gotta|got to|have to|need to|must) (?:go|run|leave)(?: now)?|i'?m (?:off|leaving)|"
    r"sampai jumpa(?: lagi)?|sampai ketemu(?: lagi)?|dadah|da da|bye dulu|pamit(?: dulu| ya)?|"
    r"permisi dulu|selamat (?:tinggal|tidur)|(?:aku|saya|sy) (?:pamit|pergi|cabut)(?: dulu)?|"
    r"cabut dulu|duluan(?: ya)?|see you again|brb|be right back|(?:i'?ll )?(?:be )?back later|"
    r"(?:se)?bentar(?: ya| dulu| yaa)*|nanti (?:aku |sy |saya )?(?:balik|lanjut)(?: lagi)?)"
    r"(?: (?:then|now|all|everyone|for now|and thanks|and thank you|thanks|thank you|kak|ya|yaa|"
    r"dulu|deh|lagi|mas|mbak|min|dok|semua))*"
)


def is_farewell(text: Any) -> bool:
    """True when the whole message says goodbye ("ok bye", "thanks, see you", "pamit dulu"),
    or its last sentence does ("I'll ask my daughter to help me another time. Goodbye.")."""
    if _full_match(_FAREWELL_PATTERN, text):
        return True
    cleaned = _clean(text)
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", cleaned or "") if part.strip()]
    return len(sentences) > 1 and _full_match(_FAREWELL_PATTERN, sentences[-1])


# A clause beside a stop or a goodbye that changes nothing: an excuse ("I'm busy cooking"),
# a "no" ("eh gak usah deh"), manners.
_EXCUSE = re.compile(
    r"\b(?:busy|sibuk|cooking|masak|driving|nyetir|at work|di kantor|in a meeting|rapat|di jalan|"
    r"sorry|maaf|later|nanti|another time|lain kali|school|pick ?up|pickup|jemput|kelas|class|kuliah|"
    r"lecture|kerja|work|kantor|office|appointment)\b"
)
_NO_CLAUSE = re.compile(
    r"^(?:(?:eh|oh|hmm|um|ah|wah) )*(?:no|nope|nah|gak usah|ga usah|gausah|tidak usah|nggak usah|gk usah)"
    r"(?: (?:deh|dulu|ya|aja|thanks|thank you|makasih))*$"
)


def leaving(text: Any) -> Optional[str]:
    """ "stop" or "farewell" when the message is a way of leaving: the whole message
    ("stop", "bye"), or clauses that are each a stop, a goodbye, an excuse or a "no"
    ("udah dulu ya, nanti lagi", "goodbye for now, I'll finish this another time", "oh sorry
    I'm busy cooking, can't do this right now"). None otherwise: a description that only
    mentions stopping ("he can't stop, it's worse at night") is an answer."""
    if is_explicit_stop(text):
        return "stop"
    if is_farewell(text):
        return "farewell"
    cleaned = _clean(text)
    plain_whole = _plain(cleaned or "")
    said_bye = _FAREWELL_PATTERN.match(plain_whole)
    rest = plain_whole[said_bye.end():].strip() if said_bye and said_bye.end() else ""
    if rest and len(rest.split()) <= 6 and _EXCUSE.search(rest):
        return "farewell"  # "bentar ya ada kelas", "gotta run school pickup": leaving, with why
    clauses = [clause.strip() for clause in re.split(r"[,.;!?]+", cleaned or "") if clause.strip()]
    if len(clauses) < 2:
        return None
    kinds = []
    for clause in clauses:
        plain = _plain(clause)
        if is_explicit_stop(clause):
            kinds.append("stop")
        elif is_farewell(clause):
            kinds.append("farewell")
        elif is_chitchat(clause) or _NO_CLAUSE.match(plain) or (_EXCUSE.search(plain) and len(plain.split()) <= 8):
            kinds.append("filler")
        else:
            return None
    if "stop" in kinds:
        return "stop"
    return "farewell" if "farewell" in kinds else None


# --- go back -----------------------------------------------------------------------------

_BACK_PATTERN = re.compile(
    _LEAD
    + r"(?:(?:can we |can i |could we |let's |lets |i want to |i wanna |i'd like to |please )?"
    r"(?:go |going |step |one step )?back(?: one| one step| a step| please)?"
    r"(?: to (?:the )?(?:previous|last) (?:question|step|one))?|"
    r"(?:the )?(?:previous|last) (?:question|step|one)|previous|undo|"
    r"(?:(?:saya |aku |sy )?(?:mau |bisa |boleh |ingin |pengen |tolong ))?"
    r"(?:kembali|balik(?: lagi)?|mundur)(?: ke (?:pertanyaan |yang )?(?:sebelumnya|tadi|sebelum ini|terakhir))?|"
    r"sebelumnya|(?:ke )?pertanyaan (?:yang )?(?:sebelumnya|tadi|sebelum ini|terakhir))"
    + _TAIL
)


def is_go_back(text: Any) -> bool:
    """True for "go back", "back", "previous question", "kembali": the whole message, so a
    description such as "my back hurts" is not a request to go back."""
    return _full_match(_BACK_PATTERN, text)


# --- chit-chat ---------------------------------------------------------------------------

_GREETING_PHRASES = re.compile(
    r"\b(?:good (?:morning|afternoon|evening|night|day)|selamat (?:pagi|siang|sore|malam)|"
    r"how are you(?: doing)?|apa kabar|sama sama)\b"
)
_LAUGH = re.compile(r"(?:ha|he|hi|wk|kw|lo)+l?|lol|lmao|xd")
_CHITCHAT_WORDS = frozenset(
    """hi hello hey heya hiya helo hallo halo hai hei yo howdy greetings sup hola
    thanks thank you thx ty tysm thankyou cheers ta welcome np bye goodbye byebye cya dadah
    ok okay okey oke okie okk k kk sure alright allright right cool great nice fine good perfect
    awesome lovely yes yeah yep yup ya yaa iya y yess noted understood got it i see so much very
    a lot lots again there all everyone bot friend buddy mate and well
    um umm uh er erm hmm hm mm ah oh ooh wow
    sip siap baik baiklah mantap mantul makasih makasi maksih trims terima kasih terimakasih
    banyak deh dong sih nih kak min mas mbak bang gan sis dok yaudah oalah assalamualaikum permisi
    tq tks tengkyu makasii""".split()
)


def is_chitchat(text: Any) -> bool:
    """True when the message is only greetings, thanks, acknowledgements or filler.

    "good morning" is chit-chat but "morning" alone is a times answer, so greeting phrases
    are removed first and the parts of the day are not chit-chat words on their own.
    """
    cleaned = _clean(text)
    if not cleaned:
        return False
    remaining = _GREETING_PHRASES.sub(" ", _plain(cleaned)).split()
    return all(word in _CHITCHAT_WORDS or _LAUGH.fullmatch(word) for word in remaining)


# --- questions ---------------------------------------------------------------------------

_QUESTION_WORDS = frozenset(
    "what which who whom whose why apa apakah bagaimana gimana gmn gmana kenapa knp mengapa napa "
    "kapan kpn siapa berapa brp dimana bisakah bolehkah adakah haruskah perlukah kok tanya nanya".split()
)
# Indonesian often asks at the end ("caranya gimana", "biayanya berapa"); only short messages,
# so a description ending "... gak tau kenapa" stays an answer.
_FINAL_QUESTION_WORDS = frozenset("apa gimana bagaimana gmn gmana berapa brp siapa mana dimana".split())
_MAX_FINAL_QUESTION = 4
# ... unless it is "apa-apa" or negated: "gak apa", "tidak apa-apa" (that's fine) answer.
_BEFORE_NOT_A_QUESTION = frozenset("apa mana tidak tdk gak ga gk nggak ngga enggak engga tau tahu".split())
# "mau tanya dong", "boleh tanya", "saya mau nanya": announcing a question is asking one.
_ASKS_TO_ASK = re.compile(
    r"(?:(?:\w+ )*?(?:saya|aku|sy|mau|mo|boleh|numpang|ingin|pengen|izin|arep|badhe) )+"
    r"(?:tanya|nanya|bertanya|takon|nakon|naros)\b"
)
# "eh sebentar, konsultasi e sakit gak sih? anakku wedi disuntik": a question inside the
# message, before more words, is a question too (it was read as a wrong age).
_INNER_QUESTION = re.compile(r"([^?.!]*\w[^?.!]*)\?")
# "when he eats he vomits" is a description: these need an auxiliary next ("when can I come").
_QUESTION_WORDS_NEEDING_AUX = frozenset({"when", "where", "how"})
_AUXILIARIES = frozenset(
    "can could does do did is are will would should shall may might must am".split()
)
_AFTER_AUXILIARY = frozenset(
    "i you we they he she it this that these those there my your our the a an any anyone someone "
    "somebody anybody u ya y'all us".split()
)
_AFTER_HOW = frozenset("much many long often soon far about to".split())
# Indonesian "anything/anytime": "kapan aja boleh" answers the times question.
_INDEFINITE = frozenset({"aja", "saja", "pun", "aj"})


def _looks_like_name(words: List[str]) -> bool:
    """2-4 capitalised words ("Will Banks", "Hope Williams", "Can Yilmaz"): a name, even
    when its first word is also a question word."""
    return 2 <= len(words) <= 4 and all(
        word[0].isupper() and word.isalpha() and not (len(word) > 1 and word.isupper()) for word in words
    )


def is_question(text: Any) -> bool:
    """True when the user is clearly asking rather than answering: the message ends with
    "?" or opens with a question word ("what", "apakah", "kok") or an auxiliary followed by a
    pronoun ("is it 50%", "can I..."), or is a short Indonesian question asked at the end
    ("caranya gimana") or announced ("mau tanya dong"). "Will Banks" or "may chen" stay answers."""
    cleaned = _clean(text)
    if not cleaned:
        return False
    stripped = "".join(c for c in cleaned if not unicodedata.category(c).startswith("S")).rstrip(" .!")
    if stripped.endswith("?"):
        return True
    if any(len(_WORD.findall(clause)) >= 2 and looks_like_question(clause.strip().split(",")[-1])
           for clause in _INNER_QUESTION.findall(stripped)):
        return True
    words = _WORD.findall(stripped)
    if not words or _looks_like_name(words):
        return False
    lowered = [word.lower() for word in words]
    first, second = lowered[0], (lowered[1] if len(lowered) > 1 else "")
    if first in _QUESTION_WORDS:
        return second not in _INDEFINITE
    asks_at_end = (
        len(lowered) <= _MAX_FINAL_QUESTION
        and lowered[-1] in _FINAL_QUESTION_WORDS
        and not (len(lowered) > 1 and lowered[-2] in _BEFORE_NOT_A_QUESTION)
    )
    if asks_at_end or _ASKS_TO_ASK.match(" ".join(lowered)):
        return True
    if first in _QUESTION_WORDS_NEEDING_AUX:
        return not second or second in _AUXILIARIES or second in _AFTER_HOW
    return first in _AUXILIARIES and second in _AFTER_AUXILIARY


def is_non_answer(text: Any) -> bool:
    """True for anything that must never be stored as a free-text answer: a stop, a
    request to go back, a question or chit-chat (the form handles each of those itself)."""
    return is_explicit_stop(text) or is_go_back(text) or is_question(text) or is_chitchat(text)


# --- contact -----------------------------------------------------------------------------

_EMAIL_FIND = EMAIL
_PHONE_FIND = PHONE
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def _find_phone(text: str) -> Optional[Tuple[int, int, str]]:
    """(start, end, normalised number) of the first phone number: 7-15 digits, a leading +
    kept. Dates ("12.03.2024") and short numbers (ages, years) are not phone numbers."""
    for match in _PHONE_FIND.finditer(text):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if 7 <= len(digits) <= 15 and not _DATE_LIKE.fullmatch(raw):
            return match.start(), match.end(), ("+" if raw.startswith("+") else "") + digits
    return None


def extract_contact(text: Any) -> Optional[str]:
    """The first email address or phone number anywhere in the message, e.g. "you can
    reach me at will.banks@outlook.com" or "call me on 0812-3456-7890" (-> "081234567890")."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    email = _EMAIL_FIND.search(cleaned)
    phone = _find_phone(cleaned)
    if email and (phone is None or email.start() < phone[0]):
        return email.group(0)
    return phone[2] if phone else spelled_email(cleaned)


# "margolsen at yahoo dot com", "m a r g o at gmail dot com", "budi titik santoso et gmail
# titik com": an email spelled out in words, as some type it (or dictate it).
_SPELLED_EMAIL = re.compile(
    r"^(?:(?:my )?e-?mail(?: is| address is)?:? |(?:e-?mail|alamat e-?mail) (?:saya|sy|aku)(?: adalah)? |"
    r"(?:it's|its|it is) )?"
    r"(\w(?: \w)+|[\w+-]+(?: (?:dot|titik) [\w+-]+)*) (?:at|et|@) ([\w-]+(?: (?:dot|titik) [\w-]+)+)\.?$",
    re.IGNORECASE,
)


def spelled_email(text: Any) -> Optional[str]:
    cleaned = _clean(text)
    match = _SPELLED_EMAIL.match(cleaned or "")
    if not match:
        return None
    dotted = [re.sub(r" (?:dot|titik) ", ".", part, flags=re.IGNORECASE) for part in match.groups()]
    local = dotted[0].replace(" ", "") if re.fullmatch(r"\w(?: \w)+", dotted[0]) else dotted[0]
    candidate = f"{local}@{dotted[1]}".lower()
    return candidate if _EMAIL_FIND.fullmatch(candidate) else None


def _without_contacts(text: str) -> str:
    """The text with emails and phone numbers cut out ("dewi lestari 0813 2222 3333")."""
    text = _EMAIL_FIND.sub(" ", text)
    phone = _find_phone(text)
    while phone:
        text = text[: phone[0]] + " " + text[phone[1]:]
        phone = _find_phone(text)
    return text


# --- times -------------------------------------------------------------------------------

_TIME_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    mondays tuesdays wednesdays thursdays fridays saturdays sundays weekday weekdays weekend weekends
    morning mornings afternoon afternoons evening evenings night nights noon midday lunch lunchtime
    today tomorrow tonight week next this any anytime time times day days early late mid after before
    around from to until till between in on at the or and am pm asap o'clock ish only except
    senin selasa rabu kamis jumat jum'at sabtu minggu hari pagi siang sore malam besok lusa jam
    akhir pekan kerja tiap setiap kapan saja aja sebelum sesudah setelah habis mulai sampai atau dan
    di ini depan ahad pukul pun kapanpun bisa apa subuh shubuh dzuhur zuhur lohor ashar asar maghrib magrib
    isya ba'da bada bakda""".split()
)
_TIME_ANCHORS = _TIME_WORDS - frozenset(
    "next this any time times day days early late mid after before around from to until till between in "
    "on at the or and only except hari jam tiap setiap kapan saja aja sebelum sesudah setelah habis mulai "
    "sampai atau dan di ini depan ish akhir kerja pukul pun bisa apa ba'da bada bakda".split()
)
# Days and times said in more than one word: "hari kerja", "tiap hari", "kapan aja", "jam 6".
_TIME_ANCHOR_PHRASES = re.compile(
    r"\b(?:hari kerja|(?:tiap|setiap) hari|kapan (?:aja|saja|pun|aj)|hari apa (?:aja|saja)|(?:jam|pukul) \d{1,2})\b"
)


def is_time_phrase(text: Any) -> bool:
    """True when every word is about days or times ("sabtu pagi", "weekday mornings",
    "after 5pm"): such a message answers the times question and is never a name."""
    cleaned = _clean(text)
    if not cleaned:
        return False
    words = _plain(cleaned).split()
    clock = re.compile(r"\d{1,2}(?:[.:]\d{2})?(?:am|pm|h)?|\d{1,2}(?:st|nd|rd|th)")
    has_anchor = _TIME_ANCHOR_PHRASES.search(" ".join(words)) is not None or any(
        w in _TIME_ANCHORS or re.fullmatch(r"\d{1,2}(?:am|pm)", w) for w in words
    )
    return has_anchor and all(w in _TIME_WORDS or clock.fullmatch(w) for w in words)


def _free_text(text: Any, max_length: int) -> Optional[str]:
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > max_length or is_non_answer(cleaned):
        return None
    return cleaned if any(c.isalnum() for c in cleaned) else None


# "gak tau masih bingung", "nanti sy kabarin", "belum bisa pastiin", "not sure yet": no time
# given, so the question is asked again (a time in it still counts: "belum tau, mungkin sabtu").
_UNDECIDED_TIMES = re.compile(
    r"\b(?:gak|ga|gk|nggak|ngga|enggak|tidak|tdk|belum|blm) (?:tau|tahu|yakin|bisa pasti\w*|pasti)|"
    r"\bgatau\b|\bbingung\b|\bkabar(?:in|i|kan)\b|\bpastiin\b|"
    r"\b(?:not sure|don'?t know|dunno|no idea|let you know|get back to you)\b",
    re.IGNORECASE,
)


def parse_times(text: Any) -> Optional[str]:
    """The preferred days/times as typed (cleaned, at most 255 characters, else None so the
    user shortens it rather than losing a truncated "...but not Fridays")."""
    answer = _free_text(text, MAX_PREFERRED_TIMES)
    if answer and _UNDECIDED_TIMES.search(answer) and not _mentions_a_time(answer):
        return None
    return answer


def _mentions_a_time(text: str) -> bool:
    words = _plain(text).split()
    return _TIME_ANCHOR_PHRASES.search(" ".join(words)) is not None or any(
        w in _TIME_ANCHORS or re.fullmatch(r"\d{1,2}(?:am|pm|[.:]\d{2})?", w) for w in words
    )


def parse_description(text: Any) -> Optional[str]:
    """What the user noticed, as typed (cleaned, at most 1000 characters)."""
    return _free_text(text, MAX_DESCRIPTION)


# --- name --------------------------------------------------------------------------------

_NAME_INTRO = re.compile(
    r"^(?:(?:hi|hello|hey|halo|hai|ok|okay|oke|sure|yes|yeah|iya|of course|um+|uh+|sorry|maaf)"
    r"(?:\s*[,.!:]\s*|\s+))*"
    r"(?:(?:(?:(?:my|the|full|first|our)\s+)?name(?:'s|\s+is)?|i'm called|i am called|i'm|i am|(?-i:im)|"
    r"it's|its|it is|this is|here is|here's|(?:you can |they )?call me|"
    r"nama(?:ku|\s+saya|\s+sy|\s+aku|\s+lengkap(?:\s+(?:saya|sy))?)?(?:\s+adalah)?|saya|sy|aku|gue|gw|"
    r"jeneng(?:ku|\s+kulo|\s+kula|\s+aku)|kulo|kula|abdi|nami\s+abdi|"
    r"panggil(?:\s+(?:saja|aja))?(?:\s+(?:saya|aku))?|(?:ini\s+)?(?:dengan|dgn))(?:\s*[:,=-]\s*|\s+))?",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(
    r"(?:[\s,.!-]+(?:thanks|thank you|thx|here|speaking|please|terima kasih|makasih|kak|ya|aja|saja|deh|dong))+"
    r"[\s.!]*$"
    # "Yuliani, ibunya Kevin" / "Sam, Mia's mum": who the requester is to the patient, after a comma.
    r"|\s*,\s*(?:(?:ibu|ayah|bapak|mama|mamah|papa|papah|bunda|ortu|orang\s*tua|nenek|kakek|om|tante)nya"
    r"|(?:the\s+)?(?:mum|mom|dad|mother|father|parent|grandma|grandpa)\s+of)\s+\S+.*$",
    re.IGNORECASE,
)
# A sentence, not a name: "my son has a fever", "call me on ...". Words that are also
# common names ("Will", "Can", "Dan", "He", "To", "May", "Hope") are deliberately absent.
_NOT_IN_NAMES = frozenset(
    """i i'm im my me you your is are am was were has have had the not don't dont want need please
    can't cannot she it it's they we our this that with because about feel feeling on at by via
    email phone number wrong yes no saya aku dia anak mau ingin tidak gak nggak yang sudah udah
    untuk buat ini itu sakit nomor hp booking appointment book
    ga gk ngga enggak engga ndak tau tahu gatau gtau belum boleh bisa
    salah umur umurnya usia usianya tahun thn bulan maksudnya maksud sy wrong oops age
    lanjut lanjutkan lanjutin continue next resume kok lho keluhan keluhannya namanya""".split()
)
# "ratna. trus keluhannya blm diisi": a name ends where a new sentence starts after a word
# (an initial's or a title's period, "Jo P. Park", "Dr. Amelia Watson", stays inside the name).
_SENTENCE_AFTER_NAME = re.compile(
    r"(?<=\w\w)(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bst)(?<!\bjr)(?<!\bsr)(?<!\bprof)(?<!\bhj)"
    r"\.\s+\S.*$",
    re.IGNORECASE,
)
_NAME_CHARS = re.compile(r"[^\W\d_]|[\s'.,-]")


def _strip_name_frame(text: str) -> str:
    """Removes "my name is", "nama saya", "hi, I'm", a trailing "thanks" and stray
    punctuation around the name, keeping the name's own capitals and accents."""
    text = _NAME_INTRO.sub("", text, count=1)
    text = _NAME_TAIL.sub("", text)
    # Emoji and their variation selectors go; "<", "=" or "$" (Sm, Sc) stay and are refused.
    text = "".join(c for c in text if unicodedata.category(c) not in {"So", "Sk"} and c not in "\ufe0e\ufe0f")
    text = " ".join(text.split()).strip(" ,;:!-")
    # A final "." is kept after an initial ("Jo P.") and dropped after a word ("Jo Park.").
    if text.endswith(".") and not re.search(r"(?:^|\s)\w\.$", text):
        text = text.rstrip(".").rstrip()
    return text


def extract_name(text: Any) -> Optional[str]:
    """The requester's name from "Jo Park", "my name is Jo Park", "nama saya Dewi Lestari"
    or "dewi lestari 0813 2222 3333" (the phone is cut out); None for questions, chit-chat,
    stops, time phrases, contacts alone, digits, sentences and more than six words."""
    cleaned = _clean(text)
    if not cleaned or is_non_answer(cleaned) or is_time_phrase(cleaned):
        return None
    name = _strip_name_frame(_SENTENCE_AFTER_NAME.sub("", _without_contacts(cleaned)))
    words = name.split()
    if not words or len(words) > 6 or len(name) > MAX_NAME or not any(c.isalpha() for c in name):
        return None
    if not all(_NAME_CHARS.fullmatch(c) for c in name):
        return None
    # "Im" capitalised is the Korean surname; "im" is "I'm".
    if any(word.lower().strip(",.") in _NOT_IN_NAMES and word != "Im" for word in words):
        return None
    if is_chitchat(name) or is_time_phrase(name):
        return None
    return name


# --- age ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Age:
    """A patient's age: `years` for checks and storage, `label` for the summary ("7",
    "18 months", "6 weeks"), so an 18-month-old is never shown as "1"."""

    years: float
    label: str

    @property
    def whole_years(self) -> int:
        """Completed years, for the bookings table's integer column."""
        return int(self.years)

    def __str__(self) -> str:
        return self.label


_EN_SMALL = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_EN_TENS = {
    word: 10 * (i + 2) for i, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
}
_ID_UNITS = {
    word: i + 1 for i, word in enumerate("satu dua tiga empat lima enam tujuh delapan sembilan".split())
} | {  # Javanese, as parents from Central and East Java type them ("limang taun")
    word: i + 1 for i, word in enumerate("siji loro telu papat limo enem pitu wolu songo".split())
} | {"limang": 5, "nem": 6, "pitung": 7, "wolung": 8, "sangang": 9, "sanga": 9, "enem": 6} | {
    # Sundanese ("tujuh taun" is Indonesian too).
    word: i + 1 for i, word in enumerate("hiji dua tilu opat lima genep tujuh dalapan salapan".split())
}
_ID_WHOLE = {"nol": 0, "sepuluh": 10, "sebelas": 11, "seratus": 100, "sewelas": 11, "rolas": 12, "sapuluh": 10}
# "setahun" = a year, "sebulan" = a month, "seminggu" = a week.
_ID_ONE_UNIT = {"setahun": "year", "sebulan": "month", "seminggu": "week", "sehari": "day"}
_UNITS = {
    **dict.fromkeys("year years yr yrs y yo yos tahun thn th taun".split(), "year"),
    **dict.fromkeys("month months mo mos mth mths m bulan bln bl".split(), "month"),
    **dict.fromkeys("week weeks wk wks w minggu mgg".split(), "week"),
    **dict.fromkeys("day days d hari".split(), "day"),
}
_UNIT_SPELLINGS = [word for word in _UNITS if len(word) >= 4]
_YEARS_PER_UNIT = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}
_AGE_FILLER = frozenset(
    """old aged age of is am are was be will turns turned turning just only about around roughly approx
    approximately nearly almost over exactly currently now like and a an the ok okay oke sure yes yeah
    um umm hmm well so actually sorry he she they i i'm im he's she's they're it's its it for me my
    myself our his her their patient child kid son daughter baby boy girl toddler teen little one
    s umur umurnya usia usianya berumur berusia baru sudah udah mau jalan lebih kurang sekitar kira
    hampir dia anak anakku anaknya saya sy aku untuk buat putra putri putraku putriku bayi bayiku
    nya yang ini itu sih kak ya tahunan think guess believe probably maybe perhaps newborn baru lahir""".split()
)
_UNSAFE = re.compile(r"[<>(){}\[\]=;/\\$`@#%*]")


def _read_number(tokens: List[str], i: int) -> Optional[Tuple[float, int]]:
    """(value, next index) for a number written in digits or words at tokens[i]:
    "7", "7,5", "thirty five", "dua puluh lima", "dua belas"."""
    token = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if re.fullmatch(r"\d+(?:[.,]\d+)?", token):
        return float(token.replace(",", ".")), i + 1
    if token in _EN_TENS:
        if nxt in _EN_SMALL and 0 < _EN_SMALL[nxt] < 10:
            return float(_EN_TENS[token] + _EN_SMALL[nxt]), i + 2
        return float(_EN_TENS[token]), i + 1
    if token in _EN_SMALL:
        return float(_EN_SMALL[token]), i + 1
    if token in _ID_WHOLE:
        return float(_ID_WHOLE[token]), i + 1
    if token in _ID_UNITS:
        if nxt == "belas":
            return float(10 + _ID_UNITS[token]), i + 2
        if nxt == "puluh":
            after = tokens[i + 2] if i + 2 < len(tokens) else ""
            if after in _ID_UNITS:
                return float(10 * _ID_UNITS[token] + _ID_UNITS[after]), i + 3
            return float(10 * _ID_UNITS[token]), i + 2
        return float(_ID_UNITS[token]), i + 1
    return None


def _unit_at(tokens: List[str], i: int) -> Optional[str]:
    """The age unit at tokens[i], tolerating a typo in a long spelling ("yeras", "monts")."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token in _UNITS:
        return _UNITS[token]
    if len(token) >= 4 and token not in _AGE_FILLER:
        close = difflib.get_close_matches(token, _UNIT_SPELLINGS, n=1, cutoff=0.8)
        return _UNITS[close[0]] if close else None
    return None


def _half_at(tokens: List[str], i: int) -> int:
    """How many tokens say "and a half" / "setengah" / "½" at tokens[i] (0 if none)."""
    if tokens[i : i + 3] == ["and", "a", "half"]:
        return 3
    return 1 if i < len(tokens) and tokens[i] in {"setengah", "½"} else 0


def _read_quantities(tokens: List[str]) -> Optional[List[Tuple[float, Optional[str]]]]:
    """Every (number, unit) in the tokens; None if any other word is not an age word, so
    "call me at 5" or "room 7 please" is never an age."""
    quantities: List[Tuple[float, Optional[str]]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        number = _read_number(tokens, i)
        if token == "one" and i > 0 and tokens[i - 1] == "little":  # "my little one is 3"
            i += 1
            continue
        if number is None and token in _ID_ONE_UNIT:
            half = _half_at(tokens, i + 1)  # "setahun setengah" = a year and a half
            quantities.append((1.0 + 0.5 * bool(half), _ID_ONE_UNIT[token]))
            i += 1 + half
            continue
        if number is None and token in {"a", "an", "half", "setengah"} and _unit_at(tokens, i + 1):
            # "a year and a half", "half a year" is rare enough to leave out; "setengah tahun".
            number = (0.5 if token in {"half", "setengah"} else 1.0, i + 1)
        if number is None:
            if token not in _AGE_FILLER and not re.fullmatch(r"[,.!~]", token):
                return None
            i += 1
            continue
        value, i = number
        half = _half_at(tokens, i)
        value, i = value + 0.5 * bool(half), i + half
        unit = _unit_at(tokens, i)
        i += 1 if unit else 0
        if unit and not half:
            half = _half_at(tokens, i)
            value, i = value + 0.5 * bool(half), i + half
        quantities.append((value, unit))
    return quantities


def _number_label(value: float) -> str:
    return f"{value:g}"


def _age(value: float, unit: Optional[str]) -> Optional[Age]:
    years = round(value * _YEARS_PER_UNIT[unit or "year"], 4)
    if not 0 <= years <= MAX_AGE_YEARS:
        return None
    if unit in (None, "year"):
        return Age(years, _number_label(value))
    return Age(years, f"{_number_label(value)} {unit}{'' if value == 1 else 's'}")


def _age_tokens(text: str) -> List[str]:
    lowered = "".join(c for c in text.lower() if unicodedata.category(c) not in {"So", "Sk"})  # emoji
    lowered = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", lowered)  # "thirty-five", "kira-kira"
    return re.findall(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:'[^\W\d_]+)*|½|\S", lowered)


def parse_age(text: Any) -> Optional[Age]:
    """The patient's age from "7", "seven", "thirty-five", "she's 7", "18 months", "2 and a
    half", "5 tahun", "dua puluh", "2 years 3 months"; None for two numbers ("7 or 8"),
    phone numbers, years ("2019"), markup ("alert(1)") or anything outside 0-120 years."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _age(float(text), None)
    cleaned = _clean(text)
    if not cleaned or _UNSAFE.search(cleaned) or _find_phone(cleaned) or re.search(r"(?:^|\s)-\s*\d", cleaned):
        return None
    tokens = _age_tokens(cleaned)
    quantities = _read_quantities(tokens)
    if quantities == [] and ("newborn" in tokens or "lahir" in tokens):
        return Age(0.0, "newborn")
    if not quantities:
        return None
    if len(quantities) == 2 and quantities[0][1] == "year" and quantities[1][1] == "month":
        (years, _), (months, _) = quantities
        age = _age(years + months / 12, None)
        plural = "" if months == 1 else "s"
        return age and Age(age.years, f"{_number_label(years)} years {_number_label(months)} month{plural}")
    return _age(*quantities[0]) if len(quantities) == 1 else None


# --- who the consultation is for ---------------------------------------------------------

_RELATION_WORDS = {
    "self": frozenset("me myself self mine own sendiri diri untukku buatku".split()),
    "child": frozenset(
        """child children kid kids son sons daughter daughters baby toddler boy girl teen teenager infant
        newborn stepson stepdaughter anak putra putri bayi balita arek bocah""".split()
    ),
    "other": frozenset(
        """other else someone somebody husband wife partner spouse boyfriend girlfriend fiance fiancee
        mother mom mum mommy mummy father dad daddy parent parents brother sister sibling friend
        grandmother grandfather grandma grandpa granny aunt uncle cousin relative colleague coworker
        neighbour neighbor roommate suami istri isteri ibu bapak ayah mama mamah mami papa papi ortu
        adik adek teman temen sahabat pacar nenek kakek om tante paman bibi sepupu keponakan mertua
        saudara kerabat tetangga rekan pasangan grandson granddaughter grandchild grandkid grandkids
        nephew niece godson goddaughter stepdad stepmom stepmum cucu ponakan kakak abang keluarga mbah eyang""".split()
    ),
}
_RELATION_PHRASES = {
    "self": re.compile(
        r"\b(?:untuk|buat) (?:saya|aku|sendiri|diri)\b|\bdiri (?:saya|sendiri)\b|\b(?:saya|sy|aku) sendiri\b|"
        # "saya dan anak saya": the speaker named beside someone else is a second patient.
        r"\b(?:saya|aku|sy) (?:dan|sama|&)\b|\b(?:dan|sama) (?:saya|aku|sy)\b"
    ),
    "child": re.compile(r"\b(?:si kecil|little one)\b"),
    "other": re.compile(r"\b(?:orang (?:lain|tua)|family member)\b"),
}
# "I'm booking for my son": the speaker's "I"/"saya" means "self" only when nobody else is named.
_WEAK_SELF = frozenset("i i'm im i am saya aku sy gue gw".split())
_NEGATED = re.compile(r"\b(?:not|bukan|bkn)\s+(?:(?:for|untuk|buat)\s+)?(?:(?:my|the)\s+)?\S+")


def _relation_kinds(plain: str) -> set:
    kinds = {kind for kind, phrase in _RELATION_PHRASES.items() if phrase.search(plain)}
    for word in plain.split():
        base = word[:-2] if word.endswith("'s") else word
        candidates = {base, re.sub(r"(?:ku|nya)$", "", base)}
        kinds |= {kind for kind, words in _RELATION_WORDS.items() if candidates & words}
    return kinds


def _consult_for(text: Any, allow_weak_self: bool) -> Optional[str]:
    cleaned = _clean(text)
    if not cleaned:
        return None
    plain = _plain(cleaned)
    if plain in _RELATION_WORDS:
        return plain
    plain = _NEGATED.sub(" ", plain)
    kinds = _relation_kinds(plain)
    if len(kinds) == 1:
        return kinds.pop()
    if not kinds and allow_weak_self and set(plain.split()) & _WEAK_SELF and _reads_as_about_oneself(plain):
        return "self"
    return None


# "I do not understand what I should press", "I'm not sure": an "I" that says nothing about
# who the consultation is for (a tester's booking was made for him, not his grandson).
_NOT_ABOUT_WHO = re.compile(
    r"\b(?:understand|know|sure|press|click|tap|button|mean|confused|sorry|help|ngerti|paham|bingung|tau|tahu|"
    r"maksud|tombol|pencet|klik)\b"
)


def _reads_as_about_oneself(plain: str) -> bool:
    """A bare first person ("i am", "saya") answers "who is it for?" only in a short message
    that is not about being unsure what to answer."""
    return len(plain.split()) <= 5 and not _NOT_ABOUT_WHO.search(plain)


def parse_consult_for(text: Any) -> Optional[str]:
    """"self", "child" or "other" from "for me", "my daughter", "anak saya", "suami saya",
    "it's for my son not me" (negated people ignored); None when two kinds are named
    ("me and my son") or none."""
    return _consult_for(text, allow_weak_self=True)


# --- several fields in one message -------------------------------------------------------

_CLAUSE_SPLIT = re.compile(r"[,;!?]\s*|\.\s+|\s(?:and|dan|but|tapi)\s(?!a half\b)", re.IGNORECASE)
_AGE_CUE = re.compile(
    r"\b(?:old|aged?|is|am|are|i'm|im|he's|she's|they're|turned|turning|turns|yo|umur\w*|usia\w*|"
    r"berumur|berusia|years?|yrs?|tahun|thn)\b|\d+\s*(?:yo|y|yrs?|thn)\b|"
    r"\b(?:son|daughter|baby|child|kid|boy|girl|toddler|anak\w*|bayi\w*|putr[ai]\w*)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_AGE = re.compile(r"\b(?:i'm|im|i am|umur saya|usia saya|saya|aku)\b", re.IGNORECASE)
_PHONE_CUE = re.compile(
    r"\b(?:call|phone|number|mobile|cell|whats ?app|wa|text|sms|reach|contact|nomor|nomer|no|hp|telp|tlp|"
    r"telepon|telpon|hubungi|kontak)\b",
    re.IGNORECASE,
)
_NAME_CUE = re.compile(
    r"\b(?:my name is|my name's|name:|nama saya|namaku|nama aku)\s*(.+?)(?=[,;.!?]|\s(?:and|dan|i'm|i am)\b|$)",
    re.IGNORECASE,
)


_FOR_PHRASE = re.compile(
    r"\b(?:for|about|regarding|untuk|buat|tentang)\s+(?:(?:my|our|the|a)\s+)?(?:little\s+)?[\w']+(?:\s+saya|\s+aku)?",
    re.IGNORECASE,
)


def _age_in_sentence(text: str) -> Tuple[Optional[Age], str]:
    """The one age stated in a longer message ("it's for my daughter, she's 7") and the
    clause stating it; a clause needs an age cue, so "for 2 weeks" (how long) is no age."""
    whole = parse_age(text)
    if whole is not None:
        return (whole, text) if _AGE_CUE.search(text) else (None, "")
    clauses = [clause for clause in _CLAUSE_SPLIT.split(text) if _AGE_CUE.search(clause)]
    found = {age: clause for clause in clauses for age in [parse_age(clause)] if age is not None}
    return next(iter(found.items())) if len(found) == 1 else (None, "")


def _who_for_in_sentence(text: str, age_clause: str) -> Optional[str]:
    """Who the consultation is for, from "for my son", "untuk istri saya" or the age's own
    clause ("my son is 7", "I'm 35"): a relation merely mentioned ("my mom told me to
    book", "call me on ...") says nothing about the patient."""
    stated = " , ".join([match.group(0) for match in _FOR_PHRASE.finditer(text)] + [age_clause])
    kind = _consult_for(stated, allow_weak_self=False)
    if kind is None and age_clause and _FIRST_PERSON_AGE.search(age_clause):
        kind = _consult_for(age_clause, allow_weak_self=True)
    return kind


def extract_several(text: Any) -> Dict[str, Any]:
    """Every form slot one message clearly states, to fill what the user already said:
    "it's for my daughter, she's 7" -> {"consult_for": "child", "patient_age": Age(7, "7")}.

    Only unambiguous evidence counts: a named relation, an age with a cue, an email, a
    phone number with a cue or a leading "+", and a name after "my name is"/"nama saya".
    """
    cleaned = _clean(text)
    if not cleaned or is_explicit_stop(cleaned) or is_chitchat(cleaned):
        return {}
    found: Dict[str, Any] = {}
    age, age_clause = _age_in_sentence(cleaned)
    consult_for = _who_for_in_sentence(cleaned, age_clause)
    if consult_for:
        found["consult_for"] = consult_for
    if age is not None:
        found["patient_age"] = age
    email = _EMAIL_FIND.search(cleaned)
    phone = _find_phone(cleaned)
    if email:
        found["contact"] = email.group(0)
    elif phone and (phone[2].startswith("+") or _PHONE_CUE.search(cleaned)):
        found["contact"] = phone[2]
    name_match = _NAME_CUE.search(_without_contacts(cleaned))
    name = extract_name(name_match.group(1)) if name_match else None
    if name:
        found["requester_name"] = name
    return found


# --- corrections at the summary ----------------------------------------------------------


class SummaryEdit(NamedTuple):
    """A change asked for at the summary: the slot to change (or "back") and its new
    value, or None when the user named the field but not the value (ask for it)."""

    field: str
    value: Any


_FIELD_KEYWORDS: List[Tuple[str, re.Pattern[str]]] = [
    (field, re.compile(pattern, re.IGNORECASE))
    for field, pattern in [
        ("requester_name", r"\b(?:name|nama(?:nya|ku)?)\b"),
        (
            "contact",
            r"\b(?:e-?mail(?: address)?|mail|phone(?: number)?|mobile(?: number)?|cell(?: phone)?|number|"
            r"contact(?: details| info)?|whats ?app|wa|telephone|tel|nomor(?: hp| telepon| wa)?|no hp|hp|"
            r"telepon|telp|kontak|surel)\b",
        ),
        (
            "preferred_times",
            # "hari kerja", "setiap hari" and "jam 7" are values, not the words "day" and "time".
            r"\b(?:times?|timing|days?|date|schedule|slot|availability|waktu(?:nya)?|jam(?:nya)?(?! ?\d)|"
            r"(?<!tiap )hari(?:nya)?(?! kerja)|jadwal(?:nya)?)\b",
        ),
        ("patient_age", r"\b(?:age|umur(?:nya)?|usia(?:nya)?)\b"),
        (
            "symptom_description",
            r"\b(?:description|describe|symptoms?|problem|issue|concerns?|reason|details?|"
            r"what (?:i|we|you) noticed|noticed|"
            r"keluhan(?:nya)?|gejala(?:nya)?|deskripsi(?:nya)?|masalah(?:nya)?|cerita(?:nya)?)\b",
        ),
        (
            "consult_for",
            r"\b(?:who (?:it's|it is|its|the \w+ is) for|for whom|patient|untuk siapa|buat siapa|pasien(?:nya)?)\b",
        ),
        ("consent", r"\b(?:consent|shar(?:e|ed|ing)|privacy|persetujuan|izin|dibagikan|berbagi)\b"),
    ]
]
_EDIT_CUE = re.compile(
    r"\b(?:change|changed|edit|update|correct|correction|fix|wrong|incorrect|mistake|typo|should be|"
    r"should say|should read|actually|instead|not|replace|modify|different|another|new|ganti|ubah|"
    r"diubah|diganti|salah|koreksi|perbaiki|betulkan|benerin|harusnya|seharusnya|sebenarnya|bukan|"
    r"maksud(?:nya)?|revisi)\b",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(
    r"\b(?:to|into|as|should be|should say|should read|must be|is actually|is|it's|its|it is|are|be|ke|"
    r"jadi|jd|menjadi|harusnya|seharusnya|yang benar|sebenarnya|adalah|ganti|diganti|ubah|diubah)\b|[:=,]|->|\u2192",
    re.IGNORECASE,
)
_VAGUE_VALUE = re.compile(
    r"^(?:something|another|a different|different|other|a new|new|the other|lain|yang lain)\b", re.IGNORECASE
)
_CLAUSE = re.compile(r"[,;.]\s+|\s(?:but|tapi|and|dan)\s", re.IGNORECASE)
_EDIT_FILLER = re.compile(
    r"\b(?:actually|sorry|oops|wait|no|nope|correction|sebenarnya|eh|maaf|oh|instead|please|"
    r"(?:is|are|would be|works?) better|lebih baik|aja|saja|(?:se)?harusnya|mending)\b|\b(?:not|bukan)\s+\w+|[,.!]",
    re.IGNORECASE,
)


# "8 not 6", "7 thn bukan 6": the old value said after the new one.
_OLD_VALUE = re.compile(
    r"\s*,?\s*\b(?:not|bukan|bkn)\s+[\w.-]+(?:\s+(?:years?|yrs?|months?|tahun|thn|bulan|bln))?", re.IGNORECASE
)
_CHAT_PARTICLES = re.compile(
    r"(?:\s+(?:deh|dong|ya|yah|yaa|sih|kak|aja|saja|please|pls|dink|deng|ding|kok|lho|yo|ae|wae|mas|mbak|pak|bu))+\s*$",
    re.IGNORECASE,
)


def _value_after(text: str, start: int, parser: Callable[[str], Any]) -> Any:
    """The first value the parser accepts after a connector following the field word:
    "change the time to saturday morning", "my name is wrong, it's Jo Park", "the age should
    be 8 not 6", "namanya ganti Ratna Wulandari, umur dimas 7" (up to the next clause first)."""
    tail = text[start:].rstrip(" ?!.")
    for connector in _CONNECTOR.finditer(tail):
        whole = _CHAT_PARTICLES.sub("", _OLD_VALUE.sub("", tail[connector.end():])).strip(" ,:;-")
        while (leading := _CONNECTOR.match(whole)) and leading.end() > 0:  # "ganti jd minggu pagi"
            whole = whole[leading.end():].strip(" ,:;-")
        first_clause = _CHAT_PARTICLES.sub("", _CLAUSE.split(whole)[0].strip(" ,:;-")).strip(" ,:;-")
        for candidate in dict.fromkeys((first_clause, whole)):
            if not candidate or _EDIT_CUE.search(candidate) or _VAGUE_VALUE.match(candidate):
                continue
            value = parser(candidate)
            if value is not None:
                return value
    if parser is _times_value and is_time_phrase(tail):  # "harusnya hari sabtu": no connector
        return _times_value(tail.strip())
    return None


def _times_value(text: str) -> Optional[str]:
    trimmed = re.sub(r"\s+(?:instead|please|(?:is|would be|works) better|aja|saja)\W*$", "", text, flags=re.IGNORECASE)
    value = parse_times(trimmed)
    return value.rstrip(" .!") if value else None


_VALUE_PARSERS: Dict[str, Callable[[str], Any]] = {
    "requester_name": extract_name,
    "preferred_times": _times_value,
    "patient_age": parse_age,
    "symptom_description": parse_description,
    "consult_for": parse_consult_for,
}


def _field_in(text: str) -> Optional[Tuple[str, re.Match[str]]]:
    """The field named earliest in the text."""
    hits = [(m.start(), field, m) for field, pattern in _FIELD_KEYWORDS for m in [pattern.search(text)] if m]
    return min(hits, key=lambda hit: hit[0])[1:] if hits else None


def _named_field_edit(text: str) -> Optional[SummaryEdit]:
    """An edit naming its field ("change the email to ..."): preferring the clause that also
    says what is wrong, so "the description is fine but the time is wrong" edits the time."""
    clauses = [clause for clause in _CLAUSE.split(text) if clause.strip()]
    named = [(clause, hit) for clause in clauses for hit in [_field_in(clause)] if hit]
    if not named:
        return None
    clause, (field, match) = next(((c, h) for c, h in named if _EDIT_CUE.search(c)), named[0])
    if field == "contact":
        value = extract_contact(text)
    elif field in _VALUE_PARSERS:
        value = _value_after(text, text.find(clause) + match.end(), _VALUE_PARSERS[field])
    else:
        value = None
    if value is None and field == "patient_age":
        rest = text[text.find(clause) + match.end():]
        value = parse_age(" ".join(_EDIT_FILLER.sub(" ", rest).split()))
        # "umurnya 7 dink, bulan kmrn ultah": the age's own clause, without chat particles.
        own = _CHAT_PARTICLES.sub("", _CLAUSE.split(rest)[0]) if rest.strip() else ""
        after = _EDIT_FILLER.sub(" ", own).split() if value is None else []
        if value is None and after:
            value = parse_age(" ".join(after))
        if value is None and len(after) >= 2 and after[0].isalpha():
            value = parse_age(" ".join(after[1:]))  # "umur dimas 7": whose age, then the age
    if value is None and field == "preferred_times":  # "seharusnya setiap hari setelah jam 6"
        stripped = " ".join(_EDIT_FILLER.sub(" ", text).split())
        value = _times_value(stripped) if is_time_phrase(stripped) else None
    if value is None and not _EDIT_CUE.search(text):
        return None
    return SummaryEdit(field, value)


def _implicit_edit(text: str) -> Optional[SummaryEdit]:
    """An edit given only as the new value: an email or phone, "actually she is 8",
    "saturday morning instead", "it's for my son not me"."""
    contact = extract_contact(text)
    if contact:
        return SummaryEdit("contact", contact)
    stripped = " ".join(_EDIT_FILLER.sub(" ", text).split())
    age = parse_age(stripped) if stripped else None
    if age is not None:
        return SummaryEdit("patient_age", age)
    if stripped and is_time_phrase(stripped):
        return SummaryEdit("preferred_times", stripped)
    consult_for = _consult_for(text, allow_weak_self=False)
    if consult_for and _EDIT_CUE.search(text):
        return SummaryEdit("consult_for", consult_for)
    return None


def parse_summary_edit(text: Any) -> Optional[SummaryEdit]:
    """A correction typed at the summary, as (slot, new value or None): "change the time to
    saturday morning", "my name is wrong, it's Jo Park", "ubah waktu ke senin sore",
    "actually she is 8"; ("back", None) for "go back"; None when it is not an edit ("yes")."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    if is_go_back(cleaned):
        return SummaryEdit("back", None)
    if is_explicit_stop(cleaned) or is_chitchat(cleaned):
        return None
    return _named_field_edit(cleaned) or _implicit_edit(cleaned)


# "the description is fine": a clause that says a field is right changes nothing.
_FIELD_IS_RIGHT = re.compile(
    r"\b(?:fine|ok|okay|good|right|correct|benar|betul|bener|udah bener|sudah benar|sesuai|oke)\b", re.IGNORECASE
)
# Fields a second clause may change on its own: each value is checked by a strict parser.
_STRICT_EDIT_FIELDS = ("requester_name", "patient_age", "contact", "preferred_times")


def parse_summary_edits(text: Any) -> List[SummaryEdit]:
    """Every change one message asks for: "namanya ganti Ratna Wulandari, umur dimas 7" changes
    the name and the age (the second was dropped). The first edit is parse_summary_edit's; each
    other clause adds a field it names with a value, unless it says that field is right."""
    first = parse_summary_edit(text)
    if first is None or first.field == "back":
        return [first] if first else []
    edits = {first.field: first}
    for clause in _CLAUSE.split(_clean(text) or ""):
        clause = clause.strip()
        if not clause or _FIELD_IS_RIGHT.search(clause):
            continue
        edit = _named_field_edit(clause)
        if edit and edit.value is not None and edit.field in _STRICT_EDIT_FIELDS and edit.field not in edits:
            edits[edit.field] = edit
    return list(edits.values())
