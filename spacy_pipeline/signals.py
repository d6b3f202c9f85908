"""Reads a processed spaCy `Doc` into the two safety signals the assistant acts on.

- red flag: emergency language from facts.md ("Red flags"): always wins.
- symptom report: someone (WHO) describing one side copying the other (MIRRORING with a
  BODY_PART or SIDE, or OTHER_SIDE_MOVES), in their own words.

Kept free of Rasa so the same rules are unit-tested on plain text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet

from spacy.tokens import Doc


@dataclass(frozen=True)
class SafetySignals:
    labels: FrozenSet[str] = field(default_factory=frozenset)

    @property
    def red_flag(self) -> bool:
        return "RED_FLAG" in self.labels

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
    return SafetySignals(labels=frozenset(entity.label_ for entity in doc.ents))
