"""The speed hooks that touch predictions change no decision (rasa_server/rule_shortcut.py,
spacy_pipeline/faq_selector.py, and the shared dialogue-state walk in performance.py): whole
conversations (bookings, digressions, rejected form answers, emergencies, fallbacks, FAQs)
get the same intents, FAQ answers and actions, from the same policies with the same
confidences, with and without them, through the real model and the real action server;
and TED's and the selector's networks are skipped where they cannot matter."""
from __future__ import annotations

import asyncio
import uuid

from rasa_server import performance, rule_shortcut
from spacy_pipeline import faq_selector as selector_shortcut
from tests.e2e.servers import MODEL

CONSULTATION = "I'd like to book a consultation with a clinician"
CONVERSATIONS = [
    ["hi", "what is mirror movement disorder?", "my son's left hand copies his right hand", "/request_consultation",
     '/consult_for_child', "7", "Sam Jones", "sam@example.com", "weekday mornings", "/affirm",
     "/affirm", "thanks"],
    [CONSULTATION, '/inform{"consult_for": "self"}', "is it inherited?", "my left hand copies my right hand", "34",
     "two hundred", "help, my husband collapsed", "Ana", "ana@", "ana@example.org", "any time", "/deny", "bye"],
    [CONSULTATION, "stop", "/affirm", "what's the weather like in Paris today?", "are you a bot?",
     "asdf qwerty", "how is it treated?", "thank you"],
]


def decisions(tracker):
    from rasa.shared.core.events import ActionExecuted, UserUttered

    made = []
    for event in tracker.events:
        if isinstance(event, ActionExecuted):
            made.append((event.action_name, event.policy, round(event.confidence or 0.0, 5)))
        elif isinstance(event, UserUttered):
            made.append((event.intent_name, event.full_retrieval_intent_name))
    return made


async def run_all(agent):
    results = []
    for messages in CONVERSATIONS:
        sender = f"shortcut-{uuid.uuid4().hex[:8]}"
        for message in messages:
            await agent.handle_text(message, sender_id=sender)
        results.append(decisions(await agent.tracker_store.retrieve(sender)))
    return results


def test_same_decisions_with_and_without_the_speed_hooks(stack, monkeypatch):
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
            patch.setattr(rule_shortcut, "enabled", False)
            patch.setattr(selector_shortcut, "enabled", False)
            patch.setattr(performance, "share_prior_walk", False)
            before = dict(rule_shortcut.stats)
            without = loop.run_until_complete(run_all(agent))
            assert rule_shortcut.stats["ted_skipped"] == before["ted_skipped"]
        before, selector_before = dict(rule_shortcut.stats), dict(selector_shortcut.stats)
        with_shortcut = loop.run_until_complete(run_all(agent))
    finally:
        loop.close()
    skipped = rule_shortcut.stats["ted_skipped"] - before["ted_skipped"]
    ran = rule_shortcut.stats["ted_run"] - before["ted_run"]
    assert with_shortcut == without
    assert sum(len(d) for d in without) > 90
    faq_answers = [key for d in without for _, key in [x[:2] for x in d if len(x) == 2] if key and "/" in key]
    assert len(faq_answers) >= 3, faq_answers
    assert selector_shortcut.stats["skipped"] - selector_before["skipped"] > 20
    assert selector_shortcut.stats["ran"] - selector_before["ran"] >= len(faq_answers)
    assert performance.prior_walk_stats["reused"] > 0
    # Most actions are decided by a rule or the form; where none is (a rejected form answer,
    # a turn no rule covers) TED still runs.
    assert skipped > 10 * ran > 0, (skipped, ran)


# A long conversation: every conversation above, one after another in one session, twice
# (~66 turns, ~450 events): with a window of 40 events the store folds about ten times,
# through bookings, rejected answers, an emergency and fallbacks.
LONG_CONVERSATION = [message for _ in range(2) for conversation in CONVERSATIONS for message in conversation]


class RecordingProxy:
    """Forwards the Rasa server's calls to the real action server and records each
    request's size: what the action server receives."""

    def __init__(self, target: str) -> None:
        import http.server
        import threading
        import urllib.request

        sizes = self.sizes = []

        class Forward(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sizes.append(len(body))
                request = urllib.request.Request(target, data=body, method="POST",
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, reply = response.status, response.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def run_long(agent, store):
    sender = f"long-{uuid.uuid4().hex[:8]}"
    for message in LONG_CONVERSATION:
        await agent.handle_text(message, sender_id=sender)
    return decisions(await store.retrieve_full_tracker(sender)), sender


def test_same_decisions_in_a_long_conversation_with_and_without_the_tracker_window(stack, tmp_path):
    """rasa_server/tracker_store.py loads a bounded window of a long conversation: the
    assistant decides and says the same as when it loads the whole session."""
    import sqlalchemy as sa
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from rasa_server.tracker_store import FastSQLTrackerStore

    performance.install()
    rule_shortcut.install()
    url = f"sqlite:///{tmp_path / 'long.db'}"
    loop = asyncio.new_event_loop()
    results, sizes = {}, {}
    try:
        for window in (0, 40):
            proxy = RecordingProxy(f"http://127.0.0.1:{stack.actions_port}/webhook")
            endpoints = AvailableEndpoints(action=EndpointConfig(proxy.url))
            try:
                agent = loop.run_until_complete(load_agent(model_path=str(MODEL), endpoints=endpoints))
                store = FastSQLTrackerStore(agent.domain, host=url, window_events=window)
                agent.tracker_store = agent.processor.tracker_store = store
                results[window] = loop.run_until_complete(run_long(agent, store))
            finally:
                proxy.close()
            sizes[window] = proxy.sizes
    finally:
        loop.close()
    (whole, _), (windowed, sender) = results[0], results[40]
    assert windowed == whole
    # What the action server receives: bounded with the window, growing without it.
    third = len(sizes[40]) // 3
    assert max(sizes[40][-third:]) < 1.3 * max(sizes[40][:third]), (max(sizes[40][:third]), max(sizes[40][-third:]))
    assert max(sizes[0][-third:]) > 1.5 * max(sizes[0][:third])
    assert sum(1 for d in whole if len(d) == 3) > 150  # actions decided
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        folds = connection.execute(sa.text("SELECT user_turns FROM tracker_windows WHERE sender_id = :s"),
                                   {"s": sender}).scalar()
    engine.dispose()
    assert folds and folds > 30  # the window moved well into the conversation
