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



def strip_pleasantries(text: str) -> str:
    """The message without a greeting before it and thanks after it ("" when nothing else)."""
    core = _LEADING.sub("", text or "", count=1)
    core = _TRAILING.sub("", core)
    return core.strip(" ,.;:-")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def looks_like_question(part: str) -> bool:
    return part.rstrip().endswith("?") or bool(_OPENS_QUESTION.match(part))


def _question_tail(piece: str) -> str:
    """The question at the end of a clause that opens with context ("me my bro and my dad
    all do the hand copying thing lol is it genetic or smth" -> "is it genetic or smth")."""
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
        pieces = _JOINED_QUESTION.split(sentence)
        merged: List[str] = []
        for piece in pieces:
            if merged and _words(merged[-1]) < 3:
                merged[-1] = f"{merged[-1]} and {piece}"
            else:
                merged.append(piece)
        for piece in merged:
            piece = _question_tail(piece.strip(" ,;:-"))
            if _words(piece) >= MIN_PART_WORDS:
                parts.append(piece)
    questions = [part for part in parts if looks_like_question(part)]
    return (questions or parts)[:MAX_PARTS]


def asks_something(text: str) -> bool:
    """True when a message asks a question anywhere in it, not only at its start."""
    text = text or ""
    return "?" in text or bool(_ASKING_PHRASE.search(text))
