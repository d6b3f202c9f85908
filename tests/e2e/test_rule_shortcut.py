"""rasa_server/rule_shortcut.py changes no decision: whole conversations (bookings,
digressions, rejected form answers, emergencies, fallbacks) get the same actions from the
same policies with the same confidences with and without it, through the real model and
the real action server, and TED's network is skipped where a rule decided."""
from __future__ import annotations

import asyncio
import uuid

from rasa_server import performance, rule_shortcut
from tests.e2e.servers import MODEL

CONSULTATION = "I'd like to book a consultation with a clinician"
CONVERSATIONS = [
    ["hi", "what is mirror movement disorder?", "my son's left hand copies his right hand", "/request_consultation",
     '/inform{"consult_for": "child"}', "7", "Sam Jones", "sam@example.com", "weekday mornings", "/affirm",
     "/affirm", "thanks"],
    [CONSULTATION, '/inform{"consult_for": "self"}', "is it inherited?", "my left hand copies my right hand", "34",
     "two hundred", "help, my husband collapsed", "Ana", "ana@", "ana@example.org", "any time", "/deny", "bye"],
    [CONSULTATION, "stop", "/affirm", "what's the weather like in Paris today?", "are you a bot?",
     "asdf qwerty", "how is it treated?", "thank you"],
]


def decisions(tracker):
    from rasa.shared.core.events import ActionExecuted

    return [(e.action_name, e.policy, round(e.confidence or 0.0, 5)) for e in tracker.events
            if isinstance(e, ActionExecuted)]


async def run_all(agent):
    results = []
    for messages in CONVERSATIONS:
        sender = f"shortcut-{uuid.uuid4().hex[:8]}"
        for message in messages:
            await agent.handle_text(message, sender_id=sender)
        results.append(decisions(await agent.tracker_store.retrieve(sender)))
    return results


def test_same_decisions_with_and_without_the_shortcut(stack, monkeypatch):
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    performance.install()
    rule_shortcut.install()
    endpoints = AvailableEndpoints(action=EndpointConfig(f"http://127.0.0.1:{stack.actions_port}/webhook"))
    loop = asyncio.new_event_loop()
    try:
        agent = loop.run_until_complete(load_agent(model_path=str(MODEL), endpoints=endpoints))
        with monkeypatch.context() as patch:
            patch.setattr(rule_shortcut.noted, "for_tracker", lambda tracker: None)  # TED always runs
            before = dict(rule_shortcut.stats)
            without = loop.run_until_complete(run_all(agent))
            assert rule_shortcut.stats["ted_skipped"] == before["ted_skipped"]
        before = dict(rule_shortcut.stats)
        with_shortcut = loop.run_until_complete(run_all(agent))
    finally:
        loop.close()
    skipped = rule_shortcut.stats["ted_skipped"] - before["ted_skipped"]
    ran = rule_shortcut.stats["ted_run"] - before["ted_run"]
    assert with_shortcut == without
    assert sum(len(d) for d in without) > 60
    # Most actions are decided by a rule or the form; where none is (a rejected form answer,
    # a turn no rule covers) TED still runs.
    assert skipped > 10 * ran > 0, (skipped, ran)
