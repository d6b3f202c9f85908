"""Intent names the project's NLU components set, shared by them and the data checks (no Rasa)."""
from __future__ import annotations

CRISIS = "crisis"
EMERGENCY = "emergency"
RED_FLAG_CONTEXT = "red_flag_context"
REPORT_SYMPTOM = "report_symptom"

CHANGE_LANGUAGE = "change_language"
UNSUPPORTED_LANGUAGE = "unsupported_language"

# Set only by the safety net: no classifier is trained on these.
SAFETY_NET_ONLY_INTENTS = frozenset({RED_FLAG_CONTEXT})
# Intents no classifier is trained on, by design: set by the project's components (the safety
# net, the language detector) or sent only by the booking form's buttons.
WITHOUT_TRAINING_EXAMPLES = SAFETY_NET_ONLY_INTENTS | frozenset(
    {UNSUPPORTED_LANGUAGE, "consult_for_self", "consult_for_child", "consult_for_other"}
)


def set_intent(message, intent: str) -> None:  # noqa: ANN001 - a Rasa Message (kept Rasa-free)
    """Makes `intent` the message's intent (confidence 1.0), keeping the classifier's ranking
    below it so staff can see what the classifier said."""
    ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != intent]
    chosen = {"name": intent, "confidence": 1.0}
    message.set("intent", chosen, add_to_output=True)
    message.set("intent_ranking", [chosen] + ranking, add_to_output=True)
