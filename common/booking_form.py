"""The booking form's questions, in the order it asks them (domain/slots.yml: consultation_form),
and which of them hold personal data (redacted in exports and training data)."""
from __future__ import annotations

from typing import FrozenSet, List

BOOKING_FORM = "consultation_form"
FORM_SLOTS: List[str] = [
    "consult_for",
    "patient_age",
    "symptom_description",
    "requester_name",
    "contact",
    "preferred_times",
    "consent",
    "booking_confirmed",
]
# patient_age_label is the age as typed ("18 months"): as personal as patient_age.
PERSONAL_SLOTS: FrozenSet[str] = frozenset(
    {"requester_name", "contact", "symptom_description", "preferred_times", "patient_age", "patient_age_label"})
