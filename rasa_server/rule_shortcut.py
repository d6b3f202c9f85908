"""Skip TED's neural network when a rule has already decided the next action.

Rasa 3.6 runs every policy for every action it predicts and only then lets the ensemble
pick one. The ensemble (DefaultPolicyPredictionEnsemble) keeps the most confident
prediction and breaks ties by priority, so a RulePolicy prediction with confidence 1.0
(a rule or form matched) wins over TEDPolicy whatever TED says: TED's confidence cannot
exceed 1.0 and RulePolicy's priority (6) is higher than TED's (1). In this assistant a
rule or the form decides every action of the benchmark conversation, and TED's network
was a quarter of the Rasa server's time per turn (py-spy).

So RulePolicy's prediction is noted, and TED returns "no prediction" (all zeros, as Rasa's
own policies do when they have none) instead of running its network when all of this holds
for the very same tracker state:
- RulePolicy predicted with confidence 1.0, from a higher priority than TED's;
- the last action was not rejected (the ensemble then zeroes the rejected action in every
  prediction, so TED could win);
- TED was trained without text features, so it can never make an end-to-end prediction
  (those outrank intent-based ones).
In every other case TED runs as before. The graph runs RulePolicy before TED (dask orders
the sibling nodes by name); if it ever did not, nothing is noted and TED simply runs.
`tests/e2e/test_speed_hooks_change_no_decision.py` checks that whole conversations get the same actions,
policies and confidences with and without this.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.nlu.constants import TEXT

from rasa_server.patching import replaces

logger = logging.getLogger(__name__)


class _NotedRulePrediction:
    """The latest RulePolicy prediction and the exact tracker state it was made for."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.tracker: Any = None
        self.number_of_events = -1
        self.last_event: Any = None
        self.prediction: Any = None

    def note(self, tracker: Any, prediction: Any) -> None:
        self.tracker = tracker
        self.number_of_events = len(tracker.events)
        self.last_event = tracker.events[-1] if tracker.events else None
        self.prediction = prediction

    def for_tracker(self, tracker: Any) -> Optional[Any]:
        if self.tracker is not tracker or self.number_of_events != len(tracker.events):
            return None
        if (tracker.events[-1] if tracker.events else None) is not self.last_event:
            return None
        return self.prediction


noted = _NotedRulePrediction()
stats = {"ted_skipped": 0, "ted_run": 0}
enabled = True  # tests compare decisions with and without


def install() -> None:
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.policies.ted_policy import TEDPolicy

    rule_predict = RulePolicy.predict_action_probabilities
    ted_predict = TEDPolicy.predict_action_probabilities

    @replaces(RulePolicy, "predict_action_probabilities")
    def rule_predict_and_note(self, tracker, domain, *args: Any, **kwargs: Any):  # noqa: ANN001, ANN202
        prediction = rule_predict(self, tracker, domain, *args, **kwargs)
        noted.note(tracker, prediction)
        return prediction

    @replaces(TEDPolicy, "predict_action_probabilities")
    def ted_predict_unless_a_rule_decided(self, tracker, domain, *args: Any, **kwargs: Any):  # noqa: ANN001, ANN202
        rule_prediction = noted.for_tracker(tracker)
        noted.clear()
        if enabled and rule_prediction is not None and _rule_decides(self, rule_prediction, tracker):
            stats["ted_skipped"] += 1
            return self._prediction(self._default_predictions(domain))
        stats["ted_run"] += 1
        return ted_predict(self, tracker, domain, *args, **kwargs)


def _rule_decides(ted: Any, rule_prediction: Any, tracker: Any) -> bool:
    if rule_prediction.max_confidence < 1.0 or rule_prediction.policy_priority <= ted.priority:
        return False
    if TEXT in ted.fake_features:
        return False
    last_action = next((e for e in reversed(tracker.events)
                        if isinstance(e, (ActionExecuted, ActionExecutionRejected))), None)
    return not isinstance(last_action, ActionExecutionRejected)
