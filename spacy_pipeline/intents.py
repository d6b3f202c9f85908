"""Intent names the safety net sets, shared by the component and the data checks (no Rasa)."""
from __future__ import annotations

CRISIS = "crisis"
EMERGENCY = "emergency"
RED_FLAG_CONTEXT = "red_flag_context"
REPORT_SYMPTOM = "report_symptom"

# Set only by the safety net: no classifier is trained on these.
SAFETY_NET_ONLY_INTENTS = frozenset({RED_FLAG_CONTEXT})
