"""Pure parsers for the booking form's free-text answers: each returns None when invalid."""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

MAX_AGE_YEARS = 120

_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d\s().-]{5,}\d")

_CONSULT_FOR_WORDS = {
    "self": {"me", "myself", "self", "mine", "i", "im", "i'm", "own"},
    "child": {
        "child", "children", "kid", "son", "daughter", "baby", "toddler", "boy", "girl",
        "teen", "teenager",
    },
    "other": {
        "other", "else", "someone", "somebody", "husband", "wife", "partner", "mother",
        "mom", "mum", "father", "dad", "parent", "brother", "sister", "friend",
        "grandmother", "grandfather", "grandma", "grandpa", "relative",
    },
}


def normalise_text(text: Optional[str], max_length: int) -> Optional[str]:
    """Strips control characters and extra spaces; None if empty, too long or a payload."""
    if not isinstance(text, str):
        return None
    cleaned = "".join(
        " " if unicodedata.category(char).startswith("C") else char for char in text
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned or len(cleaned) > max_length or cleaned.startswith("/"):
        return None
    return cleaned


_AGE_WORDS = {
    "year", "years", "yr", "yrs", "y", "yo", "old", "month", "months", "week", "weeks", "day", "days",
    "and", "a", "half", "he", "she", "is", "he's", "she's", "i", "i'm", "im", "am", "my", "son",
    "daughter", "child", "kid", "they", "are", "they're", "about", "around", "nearly", "almost",
    "age", "aged", "just", "turned", "turning", "it's", "its", "the", "patient", "s",
}


def parse_age(text: Optional[str]) -> Optional[int]:
    """Age in whole years from '7', '7 years old', 'six', '18 months'; None if unclear.

    Only age words may surround the number, so "alert(1)" or "call 555 1234" is not an age.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
        return int(value) if 0 <= value <= MAX_AGE_YEARS else None
    if not isinstance(text, str):
        return None
    lowered = text.lower().strip().rstrip(".!")
    tokens = re.findall(r"-?\d+(?:[.,]\d+)?|[a-z']+|\S", lowered)
    numbers = [t for t in tokens if re.fullmatch(r"-?\d+(?:[.,]\d+)?", t)]
    words = [t for t in tokens if t not in numbers]
    number_words = [w for w in words if w in _NUMBER_WORDS]
    if any(w not in _AGE_WORDS and w not in _NUMBER_WORDS and w not in {",", "'"} for w in words):
        return None
    if len(numbers) + len(number_words) != 1:
        return None
    value = float(numbers[0].replace(",", ".")) if numbers else float(_NUMBER_WORDS[number_words[0]])
    if re.search(r"\bmonths?\b", lowered):
        value = value / 12
    elif re.search(r"\bweeks?\b|\bdays?\b", lowered):
        value = 0
    if not 0 <= value <= MAX_AGE_YEARS:
        return None
    return int(value)


def parse_contact(text: Optional[str]) -> Optional[str]:
    """A valid email address or phone number (7 to 15 digits) found in the answer."""
    if not isinstance(text, str):
        return None
    candidate = text.strip()
    email = _EMAIL_IN_TEXT.search(candidate)
    if email and _EMAIL.match(email.group(0)):
        return email.group(0)
    phone = _PHONE_IN_TEXT.search(candidate)
    if phone and _PHONE_CHARS.match(phone.group(0)):
        digits = re.sub(r"\D", "", phone.group(0))
        if 7 <= len(digits) <= 15:
            prefix = "+" if phone.group(0).startswith("+") else ""
            return prefix + digits
    return None


def parse_consult_for(text: Optional[str]) -> Optional[str]:
    """'self', 'child' or 'other' from a button value or a typed answer."""
    if not isinstance(text, str):
        return None
    lowered = text.strip().lower()
    if lowered in _CONSULT_FOR_WORDS:
        return lowered
    words = set(re.findall(r"[a-z']+", lowered))
    matches = [kind for kind, keys in _CONSULT_FOR_WORDS.items() if words & keys]
    # "my son" names only a child; "me and my son" is ambiguous and asked again.
    return matches[0] if len(matches) == 1 else None
