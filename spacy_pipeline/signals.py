"""Reads a processed spaCy `Doc` into the safety signals the assistant acts on.

- crisis: thoughts of suicide or self-harm (facts.md, "Crisis"): beats everything.
- red flag: emergency language from facts.md ("Red flags"), in English or Bahasa Indonesia.
  A red flag is "in doubt" when it is told as long past, as already in hands of help, or as
  a general question about the condition ("does MMD cause seizures?"), and nothing places it
  in the present: such a message gets an answer with the emergency line, not an alarm alone.
  Missing a real emergency is far worse than a false alarm, so anything in the present
  ("right now", "again", a person's report with no past marker) stays an emergency.
- symptom report: someone (WHO) describing one side copying the other (MIRRORING with a
  BODY_PART or SIDE, or OTHER_SIDE_MOVES), in their own words.

Kept free of Rasa so the same rules are unit-tested on plain text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import FrozenSet, Optional

from spacy.tokens import Doc

# Question openers: a message starting with one of these asks something.
QUESTION_OPENERS = frozenset(
    "what how why when where who which whose can could does do did is are was were will would "
    "should shall may might apa apakah bagaimana gimana kenapa mengapa kapan siapa berapa bisakah "
    "bolehkah".split()
)
# A question that names a person ("my son had…, could that…") is about them, not general.
# A bare "i" is left out: "just so i know" asks for oneself, not about a patient.
PERSONAL_WORDS = frozenset(
    "me my mine myself im i'm he she his her him we our us saya sy aku aq gue gw anak "
    "anakku suami suamiku istri istriku ibu ibuku ayah bapak adik adek kakak mama papa".split()
)
# Phrases that ask rather than tell, wherever they stand ("… are they the same thing").
QUESTION_PHRASES = (
    "are they", "is it", "is that", "is this", "does it", "can it", "could it", "just wondering",
    "wondering if", "want to know", "wanna know", "just so i know", "read up", "what does",
    "what is", "apakah", "bukan sih", "gak sih", "ga sih", "gk sih", "nggak sih", "ngga sih", "kah",
    "apa yang harus", "apa yg harus",
    "harus gimana", "harus bagaimana", "harus ngapain", "sebaiknya gimana", "sebaiknya bagaimana",
)
QUESTION_TAGS = ("bukan", "gak", "ya", "kah", "nggak", "gimana", "bagaimana", "gmn", "ngapain")
# A red flag preceded (within a few words) by one of these is denied: "no seizures".
NEGATIONS = frozenset(
    "no not never without n't nt none neither nor tidak tak gak ga nggak enggak ngga bukan tanpa "
    "belum gk tdk g ngak nggk engga kagak ndak gada gaada blm bkn".split()
)
# A Bahasa negation that does not deny what follows: "gak berhenti kejang" (won't stop
# seizing), "ga tau kenapa dia kejang" (don't know why he is seizing).
NOT_A_DENIAL_AFTER = frozenset(
    "berhenti berenti brenti henti henti2 stop kunjung tau tahu tau2 yakin ngerti mengerti paham "
    "jelas ngerti2".split()
)
# "lagi kejang" (is seizing): "lagi" right before a red flag places it now.
NOW_BEFORE_RED_FLAG = frozenset("lagi lg lgi sedang sdg masih".split())
# "dimas kejang2 ini gmn", "kejang nih": the one happening now, even when asked as "how?".
# Not "sekarang": "pernah pingsan sekarang sehat" is past, and now well.
NOW_AFTER_RED_FLAG = frozenset("ini nih barusan".split())
# "kalau anak saya kejang, …": a red flag after one of these is a "what if".
CONDITIONALS = frozenset(
    "kalau kalo klo kl kalu jika jikalau bila apabila seandainya andai andaikan misal misalnya "
    "semisal umpama umpamanya".split()
)
CONDITIONAL_WINDOW = 5
# Words that end the "if" clause: "kalau nulis tangannya ikut gerak, dan dia kejang" is no what-if.
CLAUSE_BREAKS = frozenset("dan tapi tp terus trs trus lalu lalu abis habis sekarang skrg barusan".split())
# A body part or side with a possessive ending names its owner: "tangannya" (his/her hand),
# "tanganku" (my hand), "jari2nya", "kirinya" (his/her left). Not "satunya" (the other one).
POSSESSIVE_ENDINGS = ("nya", "ku", "mu")
OWNED_ROOTS = (
    "tangan", "jari", "jemari", "jempol", "lengan", "kaki", "telapak", "pergelangan", "siku", "bahu",
    "lutut", "kiri", "kanan",
)
NEGATION_WINDOW = 3
# Who a crisis message is about: the writer, or someone they tell of (a parent about a child).
THIRD_PERSON = frozenset(
    "he she him her his himself herself son daughter kid child teen boy girl dia anak anakku "
    "anaknya".split()
)
FIRST_PERSON = frozenset("i i'm im me myself aku gue gw".split())
# Someone the writer tells of, named right before the crisis words: "my friend says she wants
# to die", "temen aku bilang dia mau bunuh diri" (the writer's own "I"/"aku" elsewhere in the
# message, "what should I do", does not make it about the writer).
TOLD_OF = THIRD_PERSON | frozenset(
    "friend friends mate brother sister mum mom dad mother father wife husband partner boyfriend "
    "girlfriend they them teman temen temanku temenku sahabat sahabatku pacar pacarku doi adik adikku "
    "adek kakak kakakku abang suami suamiku istri istriku ibu ibuku bapak ayah ayahku mama papa "
    "beliau mereka".split()
)
SUBJECT_WINDOW = 4
# Common small words of Bahasa Indonesia: a message full of them is written in it.
INDONESIAN_WORDS = frozenset(
    "yang aku saya sy gue gw kamu dia anak anakku gak nggak ga tidak tak mau aja saja sih dong deh "
    "ini itu kalau kalo ada bisa udah sudah belum lagi dan atau tapi juga banget kok ya iya buat "
    "untuk sama dengan di ke dari kenapa gimana apa tolong suka kalo klo pas kayak kaya kyk gk tdk "
    "sdh udh bgt yg dgn sy lg juga jg pengen pingin tangan tangannya tanganku jari jarinya kaki "
    "kakinya kiri kanan satunya sebelah gerak bergerak ikut ikutan niru nya dulu waktu sekarang "
    "skrg barusan tadi lagi bisa enggak engga mah nih tuh".split()
)


@dataclass(frozen=True)
class SafetySignals:
    labels: FrozenSet[str] = field(default_factory=frozenset)
    is_question: bool = False
    personal: bool = False
    # "not an emergency", "no seizures": the message denies what a red flag would say.
    denies_emergency: bool = False
    # Someone tells of another person's crisis ("my son says he wants to die").
    about_someone_else: bool = False

    @property
    def figurative(self) -> bool:
        """A figure of speech ("dead tired", "dying to know") and no real crisis words."""
        return "FIGURATIVE" in self.labels and not self.crisis

    @property
    def crisis(self) -> bool:
        return bool({"CRISIS", "CRISIS_ID"} & self.labels)

    @property
    def sudden_deficit(self) -> bool:
        """Sudden onset told with weakness, numbness or trouble speaking: a red flag."""
        return {"SUDDEN", "DEFICIT"} <= self.labels

    @property
    def red_flag(self) -> bool:
        return bool({"RED_FLAG", "RED_FLAG_ID"} & self.labels) or self.sudden_deficit

    # The message reads as Bahasa Indonesia (its common small words), whatever matched.
    written_in_indonesian: bool = False
    # What the message says was matched by the Bahasa Indonesia pattern files (*_id.txt) only.
    matched_in_indonesian_only: bool = False

    @property
    def indonesian(self) -> bool:
        """Safety language matched only in Bahasa Indonesia, or a message written in it:
        reply in Bahasa Indonesia."""
        only_id_patterns = bool({"RED_FLAG_ID", "CRISIS_ID"} & self.labels) and not (
            {"RED_FLAG", "CRISIS"} & self.labels
        )
        return only_id_patterns or self.written_in_indonesian or self.matched_in_indonesian_only

    @property
    def crisis_long_past(self) -> bool:
        """ "years ago I used to self harm, I'm fine now": told as over, nothing now."""
        return self.crisis and {"CONTEXT_PAST", "CONTEXT_RESOLVED"} <= self.labels and (
            "CONTEXT_NOW" not in self.labels
        )

    @property
    def help_arrived_or_long_past(self) -> bool:
        """Help has come, or it was long ago, and nothing says it is happening now."""
        return "CONTEXT_NOW" not in self.labels and bool(
            {"CONTEXT_RESOLVED", "CONTEXT_PAST"} & self.labels
        )

    @property
    def help_resolved(self) -> bool:
        """Help has come or the person is fine again ("we're at the hospital now, he's
        stable"), and no red-flag words: a "now" then belongs to the help, not the alarm."""
        return "CONTEXT_RESOLVED" in self.labels and not self.red_flag

    @property
    def red_flag_context(self) -> Optional[str]:
        """Why a red flag is in doubt ('past', 'resolved', 'question'), or None if it is not."""
        if not self.red_flag or "CONTEXT_NOW" in self.labels:
            return None
        if "CONTEXT_PAST" in self.labels:
            return "past"  # "a seizure when she was 2, doctors said febrile": the past answer
        if "CONTEXT_RESOLVED" in self.labels:
            return "resolved"
        if self.general_question:
            return "question"
        return None

    @property
    def general_question(self) -> bool:
        """A question about no one in particular, or a "what if"."""
        if "CONTEXT_HYPOTHETICAL" in self.labels:
            return True  # "hypothetically, if she hit her head … what should I do"
        return self.is_question and not self.personal

    @property
    def describes_mirroring(self) -> bool:
        copies = "MIRRORING" in self.labels or "INVOLUNTARY" in self.labels
        located = "BODY_PART" in self.labels or "SIDE" in self.labels
        return (copies and located) or "OTHER_SIDE_MOVES" in self.labels

    @property
    def symptom_report(self) -> bool:
        """A description of someone's own (or a relative's) movements, not a general question."""
        return self.describes_mirroring and "WHO" in self.labels


LIST_JOINERS = frozenset("or nor and atau ataupun maupun dan apalagi".split())


def _denied_red_flags(doc: Doc, spans: list) -> list:
    """The red flags a negation denies: "no seizures", and each next one of a list it heads:
    "tidak ada kejang atau pingsan", "no fits or fainting"."""
    denied = []
    for index, span in enumerate(spans):
        previous = spans[index - 1] if index else None
        joined = (
            previous is not None and previous in denied and span.start == previous.end + 1
            and doc[previous.end].lower_ in LIST_JOINERS
        )
        if joined or _negated(doc, span.start) or _alarm_word_questioned(doc, span):
            denied.append(span)
    return denied


# "kok darurat sih?", "why emergency??", "darurat apanya": the user objecting to an alarm the
# assistant raised names the alarm word without telling of one.
EARLIER_TODAY = frozenset("tadi td tdi".split())
NOW_OF_NO_LONGER = frozenset("sekarang skrg skr skrang kini".split())
NO_LONGER_AT_END = re.compile(
    r"\b(?:sekarang|skrg|skr|skrang|kini)\s+(?:udah|sudah|sdh|udh|dah)?\s*"
    r"(?:gak|ga|gk|nggak|ngga|enggak|tidak|tdk)(?:\s+(?:lagi|lg|pernah|kok|kambuh))*\s*[.!]*\s*$",
    re.IGNORECASE,
)
ALARM_WORDS = frozenset("darurat gawat emergency".split())
WHY_BEFORE_ALARM = frozenset("kok kenapa knp napa ngapain why masa masak loh lho".split())
WHAT_AFTER_ALARM = frozenset("apanya apaan gimana".split())


def _alarm_word_questioned(doc: Doc, span) -> bool:
    if span.text.lower() not in ALARM_WORDS:
        return False
    before = {t.lower_ for t in doc[max(0, span.start - 3):span.start]}
    after = {t.lower_ for t in doc[span.end:span.end + 2]}
    return bool(before & WHY_BEFORE_ALARM or after & WHAT_AFTER_ALARM)


def _negated(doc: Doc, start: int) -> bool:
    """A negation in the few words before a red flag, in the same clause: "no seizures",
    "he has never had a seizure". An exclamation ("oh no, he collapsed") or "no" before a
    person ("no he's not breathing") is not a denial: a missed emergency is far worse."""
    window = list(doc[max(0, start - NEGATION_WINDOW):start])
    for index, token in enumerate(window):
        if token.is_punct:
            continue
        if token.lower_ not in NEGATIONS:
            continue
        after = window[index + 1:]
        if any(t.is_punct for t in after):
            continue
        if any(t.lower_ in NOT_A_DENIAL_AFTER for t in after):
            continue
        before = doc[token.i - 1].lower_ if token.i > 0 else ""
        following = after[0].lower_ if after else ""
        if token.lower_ == "no" and (before in ("oh", "uh", "ah", "omg") or following in PERSONAL_WORDS
                                     or following in ("i", "he", "she", "it", "the", "my")):
            continue
        return True
    return False


def _told_as_happening(doc: Doc) -> bool:
    """ "is having", "'s seizing", "are shaking": the present progressive places it now, even
    where a pattern span took those words (entities cannot overlap)."""
    tokens = [token.lower_ for token in doc]
    return any(
        word in ("is", "'s", "s", "are", "'re", "am", "'m") and following.endswith("ing")
        for word, following in zip(tokens, tokens[1:], strict=False)
    )


# Labels that say what a message is about (not when): which files matched them tells its language.
CONTENT_LABELS = frozenset(
    "RED_FLAG RED_FLAG_ID CRISIS CRISIS_ID MIRRORING INVOLUNTARY OTHER_SIDE_MOVES BODY_PART SIDE WHO".split()
)


def _from_bahasa_file(entity) -> bool:
    """The entity was matched by a Bahasa Indonesia pattern file (`red_flag_id:3`)."""
    return entity.ent_id_.split(":", 1)[0].endswith("_id")


def _crisis_told_of_someone(doc: Doc, crisis_spans: list) -> bool:
    """Every crisis span has someone else as its subject: the nearest person word before it
    (in the same clause, at most SUBJECT_WINDOW words back) is not the writer."""
    if not crisis_spans:
        return False
    for span in crisis_spans:
        subject = None
        for token in reversed(doc[max(0, span.start - SUBJECT_WINDOW):span.start]):
            word = token.lower_
            if token.is_punct:
                break
            if word in FIRST_PERSON or word in ("saya", "sy", "aq", "my", "we", "kami", "kita"):
                # "bapak sy", "temen aku": a possessive after the person, who is the subject.
                owner = doc[token.i - 1].lower_ if token.i > 0 else ""
                subject = "other" if owner in TOLD_OF else ("writer" if word != "my" else subject)
                break
            if word in TOLD_OF:
                subject = "other"
                break
        if subject != "other":
            return False
    return True


def _names_its_owner(token) -> bool:
    """ "tangannya", "tanganku", "kirinya": a body part or side that says whose it is."""
    word = token.lower_
    return word.endswith(POSSESSIVE_ENDINGS) and word.startswith(OWNED_ROOTS) and word not in OWNED_ROOTS


def _red_flag_names_its_owner(red_flags: list) -> bool:
    """ "mulutnya mencong", "ngomongnya pelo", "mukaku turun": a red flag told of someone's own
    face or speech is about a person, even when the person's name is the only other clue
    ("dimas kok mulutnya mencong, ada hubungannya sm mmd?" is a report asked as a question)."""
    return any(
        token.lower_.endswith(POSSESSIVE_ENDINGS) and len(token.lower_) > 5
        for entity in red_flags
        for token in entity
    )


def _bahasa_context(doc: Doc, red_flags: list, is_question: bool) -> set:
    """ "dia lagi kejang" (now); "kalau dia kejang, apa yang harus saya lakukan?" (a what-if,
    asked: a told "kalau dia kejang saya panik" stays an emergency), unless told as now."""
    found = set()
    for entity in red_flags:
        if entity.start > 0 and doc[entity.start - 1].lower_ in NOW_BEFORE_RED_FLAG:
            found.add("CONTEXT_NOW")
        if entity.end < len(doc) and doc[entity.end].lower_ in NOW_AFTER_RED_FLAG:
            found.add("CONTEXT_NOW")
        if not is_question:
            continue
        for token in reversed(doc[max(0, entity.start - CONDITIONAL_WINDOW):entity.start]):
            if token.is_punct or token.lower_ in CLAUSE_BREAKS:
                break
            if token.lower_ in CONDITIONALS:
                found.add("CONTEXT_HYPOTHETICAL")
                break
    return found


def read_signals(doc: Doc) -> SafetySignals:
    words = [token.lower_ for token in doc if not token.is_punct and not token.is_space]
    plain = " ".join(words)
    is_question = (
        "?" in doc.text
        or bool(words and words[0] in QUESTION_OPENERS)
        or any(f" {phrase} " in f" {plain} " for phrase in QUESTION_PHRASES)
        or bool(words and words[-1] in QUESTION_TAGS and len(words) > 3)
    )
    # A red flag that is denied ("no seizures", "tidak ada kejang") is not a red flag.
    red_flag_spans = [e for e in doc.ents if e.label_ in ("RED_FLAG", "RED_FLAG_ID")]
    denied = _denied_red_flags(doc, red_flag_spans)
    labels = {entity.label_ for entity in doc.ents}
    now_words = {e.text.lower() for e in doc.ents if e.label_ == "CONTEXT_NOW"}
    if NO_LONGER_AT_END.search(doc.text) and now_words <= NOW_OF_NO_LONGER:
        # "dulu waktu bayi pernah kejang demam, skrg udah gak": ends with "now it doesn't
        # any more" (a persona's febrile seizure as a baby was an alarm).
        labels.add("CONTEXT_RESOLVED")
        now_words = set()
        labels.discard("CONTEXT_NOW")
    if "CONTEXT_RESOLVED" in labels and now_words and now_words <= EARLIER_TODAY:
        # "td siang sempet sesek napas, skrg udah biasa lg main": "tadi" (earlier) with a
        # recovery told is over; the resolved reply still says to have it checked.
        labels.discard("CONTEXT_NOW")
    if _told_as_happening(doc):
        labels.add("CONTEXT_NOW")
    labels |= _bahasa_context(doc, red_flag_spans, is_question)
    if any(_names_its_owner(token) for token in doc):
        labels.add("WHO")
    content = [entity for entity in doc.ents if entity.label_ in CONTENT_LABELS]
    if red_flag_spans and len(denied) == len(red_flag_spans):
        labels -= {"RED_FLAG", "RED_FLAG_ID"}
    denies_emergency = bool(denied) or any(
        f" {phrase} " in f" {plain} "
        for phrase in ("not an emergency", "not emergency", "no emergency", "bukan darurat",
                       "tidak darurat", "gak darurat", "ga darurat", "nggak darurat", "bukan emergency",
                       "gak emergency", "ga emergency", "not urgent", "nothing urgent")
    )
    third_person = any(word in THIRD_PERSON for word in words)
    first_person = any(word in FIRST_PERSON for word in words)
    crisis_spans = [e for e in doc.ents if e.label_ in ("CRISIS", "CRISIS_ID")]
    indonesian_words = sum(word in INDONESIAN_WORDS for word in words)
    return SafetySignals(
        written_in_indonesian=indonesian_words >= 2 and indonesian_words * 4 >= len(words),
        matched_in_indonesian_only=bool(content) and all(_from_bahasa_file(e) for e in content),
        about_someone_else=(third_person and not first_person) or _crisis_told_of_someone(doc, crisis_spans),
        labels=frozenset(labels),
        is_question=is_question,
        personal=any(word in PERSONAL_WORDS for word in words)
        or _red_flag_names_its_owner(red_flag_spans),
        denies_emergency=denies_emergency,
    )
