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
PERSONAL_WORDS = frozenset(
    "i me my mine myself im i'm he she his her him we our us they their them saya aku anak "
    "anakku suami istri ibu ayah bapak".split()
)


@dataclass(frozen=True)
class SafetySignals:
    labels: FrozenSet[str] = field(default_factory=frozenset)
    is_question: bool = False
    personal: bool = False

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

    @property
    def indonesian(self) -> bool:
        """Safety language matched only in Bahasa Indonesia: reply in Bahasa Indonesia."""
        return bool({"RED_FLAG_ID", "CRISIS_ID"} & self.labels) and not (
            {"RED_FLAG", "CRISIS"} & self.labels
        )

    @property
    def help_arrived_or_long_past(self) -> bool:
        """Help has come, or it was long ago, and nothing says it is happening now."""
        return "CONTEXT_NOW" not in self.labels and bool(
            {"CONTEXT_RESOLVED", "CONTEXT_PAST"} & self.labels
        )

    @property
    def help_resolved(self) -> bool:
        """Help has come or the person is fine again, and nothing says it is happening now."""
        return "CONTEXT_NOW" not in self.labels and "CONTEXT_RESOLVED" in self.labels

    @property
    def red_flag_context(self) -> Optional[str]:
        """Why a red flag is in doubt ('past', 'resolved', 'question'), or None if it is not."""
        if not self.red_flag or "CONTEXT_NOW" in self.labels:
            return None
        if "CONTEXT_RESOLVED" in self.labels:
            return "resolved"
        if "CONTEXT_PAST" in self.labels:
            return "past"
        if self.is_question and not self.personal:
            return "question"
        return None

    @property
    def describes_mirroring(self) -> bool:
        copies = "MIRRORING" in self.labels or "INVOLUNTARY" in self.labels
        located = "BODY_PART" in self.labels or "SIDE" in self.labels
        return (copies and located) or "OTHER_SIDE_MOVES" in self.labels

    @property
    def symptom_report(self) -> bool:
        """A description of someone's own (or a relative's) movements, not a general question."""
        return self.describes_mirroring and "WHO" in self.labels


def read_signals(doc: Doc) -> SafetySignals:
    words = [token.lower_ for token in doc if not token.is_punct and not token.is_space]
    is_question = doc.text.rstrip().endswith("?") or bool(words and words[0] in QUESTION_OPENERS)
    return SafetySignals(
        labels=frozenset(entity.label_ for entity in doc.ents),
        is_question=is_question,
        personal=any(word in PERSONAL_WORDS for word in words),
    )
