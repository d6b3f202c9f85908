"""The Rasa-server hooks: the event-type cache returns exactly what Rasa's lookup returns."""
from __future__ import annotations

import pytest
from rasa.shared.core import events

from rasa_server import performance


@pytest.fixture(scope="module", autouse=True)
def installed():
    performance.install()


@pytest.mark.parametrize("type_name, expected", [
    ("user", events.UserUttered), ("bot", events.BotUttered), ("action", events.ActionExecuted),
    ("slot", events.SlotSet), ("session_started", events.SessionStarted), ("pause", events.ConversationPaused),
    ("active_loop", events.ActiveLoop),
])
def test_known_types_resolve_as_before(type_name, expected):
    assert events.Event.resolve_by_type(type_name) is expected
    assert events.Event.resolve_by_type(type_name) is expected  # from the cache


def test_unknown_types_keep_rasas_behaviour():
    with pytest.raises(ValueError):
        events.Event.resolve_by_type("no_such_event")
    assert events.Event.resolve_by_type("no_such_event", default=events.SlotSet) is events.SlotSet
    assert events.Event.resolve_by_type("topic") is None


def test_a_whole_tracker_round_trips():
    serialised = [events.UserUttered("hi", {"name": "greet", "confidence": 1.0}).as_dict(),
                  events.ActionExecuted("utter_greet").as_dict(), events.BotUttered("Hi!").as_dict(),
                  events.SlotSet("handed_off", True).as_dict()]
    restored = events.deserialise_events(serialised)
    assert [type(e) for e in restored] == [events.UserUttered, events.ActionExecuted, events.BotUttered,
                                           events.SlotSet]


def test_sqlite_engines_use_write_ahead_logging(tmp_path):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_action_responses_are_still_validated():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}],
                                           "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})


RESULTS = [
    {}, {"events": []}, {"responses": []}, {"events": None}, {"events": {}}, {"responses": ["text"]},
    {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "slot", "name": "a"}]},  # a slot event needs a value
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "no_such_event"}]}, {"events": [{"name": "a"}]}, {"events": ["slot"]},
    {"events": [{"event": ["slot"]}]}, {"events": [{"event": None}]},
    {"events": [{"event": "action", "name": "utter_x", "policy": None, "confidence": 0.9}]},
    {"events": [{"event": "action", "name": "utter_x", "confidence": "high"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "x"}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1}}}]},
    {"events": [{"event": "user", "text": 5}]},
    {"events": [{"event": "entities", "entities": [{"entity": "x", "value": 1}]}]},
    {"events": [{"event": "entities"}]}, {"events": [{"event": "bot", "timestamp": "yesterday"}]},
    {"events": [{"event": "session_started", "metadata": {"a": 1}}, {"event": "restart", "metadata": 3}]},
    "not an object", None, [],
]


@pytest.mark.parametrize("result", RESULTS, ids=[str(i) for i in range(len(RESULTS))])
def test_action_response_verdicts_match_the_whole_schema(result):
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        expected_valid = True
    except jsonschema.ValidationError:
        expected_valid = False
    action = RemoteAction("action_x", None)
    if expected_valid:
        assert action._validate_action_result(result) is True
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(result)


def test_minimal_graph_schemas_are_the_same_and_kept():
    from rasa.engine.graph import GraphComponent, GraphSchema, SchemaNode

    def node(**needs):
        return SchemaNode(needs=needs, uses=GraphComponent, constructor_name="create", fn="process", config={})

    schema = GraphSchema({"tokens": node(), "features": node(messages="tokens"),
                          "intent": node(messages="features"), "entities": node(messages="tokens", f="features"),
                          "policy": node(tracker="__tracker__"), "unused": node(messages="tokens")})
    first = schema.minimal_graph_schema(["intent", "entities"])
    assert set(first.nodes) == {"tokens", "features", "intent", "entities"}
    assert schema.minimal_graph_schema(["intent", "entities"]) is first  # kept
    assert set(schema.minimal_graph_schema(["policy"]).nodes) == {"policy"}
    other = GraphSchema(dict(schema.nodes))  # another model's schema gets its own answers
    assert set(other.minimal_graph_schema(["features"]).nodes) == {"tokens", "features"}


def _form_conversation():
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActiveLoop,
        FollowupAction,
        SlotSet,
        UserUttered,
    )

    def user(intent, **entities):
        return UserUttered("text", {"name": intent, "confidence": 1.0},
                           [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()])

    return [
        ActionExecuted("action_session_start"), ActionExecuted("action_listen"), user("greet"),
        ActionExecuted("utter_greet"), ActionExecuted("action_listen"), user("request_consultation"),
        ActionExecuted("utter_start_booking", hide_rule_turn=True), ActionExecuted("consultation_form"),
        ActiveLoop("consultation_form"), SlotSet("requested_slot", "consult_for"),
        ActionExecuted("action_listen", hide_rule_turn=True), user("inform", consult_for="child"),
        ActionExecuted("consultation_form"), SlotSet("consult_for", "child"), SlotSet("requested_slot", "patient_age"),
        ActionExecuted("action_listen", hide_rule_turn=True), user("faq"),
        ActionExecutionRejected("consultation_form"), ActionExecuted("utter_faq", hide_rule_turn=True),
        ActionExecuted("consultation_form"), FollowupAction("action_listen"),
        ActionExecuted("action_listen", hide_rule_turn=True), user("inform"),
    ]


def test_shared_dialogue_state_walk_gives_rasas_states():
    from pathlib import Path

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(Path(__file__).resolve().parents[2] / "domain"))
    rule_only_data = {"rule_only_slots": ["requested_slot"], "rule_only_loops": ["consultation_form"]}
    events = _form_conversation()
    checked = 0
    for length in range(1, len(events) + 1):
        tracker = DialogueStateTracker.from_events("walk", events[:length], domain.slots)
        for omit in (False, True):
            for ignore in (False, True):
                for data in (None, rule_only_data):
                    performance.share_prior_walk = False
                    expected = tracker.past_states(domain, omit, ignore, data)
                    performance.share_prior_walk = True
                    first = tracker.past_states(domain, omit, ignore, data)
                    if first:
                        first[-1].clear()  # a caller editing its states does not touch the next caller's
                    assert tracker.past_states(domain, omit, ignore, data) == expected
                    checked += 1
    assert checked == len(events) * 8
    assert performance.prior_walk_stats["reused"] > 0


def test_endpoint_calls_reuse_one_connection_and_drop_it_when_idle():
    # Restarts of the action server with connections pooled are covered by tests/resilience.
    import asyncio
    import http.server
    import json
    import threading

    from rasa.utils.endpoints import EndpointConfig

    peers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the action server

        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers["Content-Length"]))
            peers.append(self.client_address)
            body = json.dumps({"events": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.server_address[1]}/webhook")

    async def calls():
        try:
            for _ in range(5):
                assert await endpoint.request(json={"a": 1}, method="post") == {"events": []}
            assert len(set(peers)) == 1  # one connection for five calls
            await asyncio.sleep(performance.KEEPALIVE_SECONDS + 0.5)
            assert await endpoint.request(json={"a": 2}, method="post") == {"events": []}
            assert len(set(peers)) == 2  # the idle one was dropped by the client
        finally:
            await performance.close_shared_sessions()
        assert not performance._shared_sessions

    try:
        asyncio.run(calls())
    finally:
        server.shutdown()
        server.server_close()


def test_every_response_renders_without_an_interpolation_error(monkeypatch):
    """Rasa interpolates slot values into every string of a response, button payloads
    included: entity JSON in a payload (`/inform{"consult_for": "child"}`) made it log an
    ERROR with a traceback holding every slot value (the user's words) each time the form
    asked. Payloads are plain intents now (`/consult_for_child`): every response of the real
    domain renders with no error, its payloads unchanged."""
    from rasa.core.nlg import interpolator

    from common.domain import load_domain

    errors = []
    monkeypatch.setattr(interpolator.structlogger, "exception", lambda *a, **k: errors.append(k))
    import re

    domain = load_domain()
    # Slots, and the values actions pass with a response ({booking_date}, {change_detail}).
    placeholders = set(re.findall(r"{(\w+)}", str(domain["responses"])))
    values = {name: "private words" for name in [*domain["slots"], *placeholders]}
    rendered = 0
    for name, variants in domain["responses"].items():
        for variant in variants:
            filled = interpolator.interpolate(dict(variant), values)
            for before, after in zip(variant.get("buttons") or [], filled.get("buttons") or [], strict=True):
                assert after["payload"] == before["payload"], name
            rendered += 1
    assert rendered > 100 and errors == []


def test_a_replacement_is_installed_once_and_static_methods_stay_static():
    from rasa_server.patching import replaces

    class Owner:
        def method(self):
            return "original"

        @staticmethod
        def static(value):
            return value

    def install():
        original_method, original_static = Owner.method, Owner.static

        @replaces(Owner, "method")
        def method(self):
            return f"wrapped {original_method(self)}"

        @replaces(Owner, "static")
        def static(value):
            return original_static(value) * 2

    install()
    install()
    assert Owner().method() == "wrapped original"
    assert Owner.static(2) == 4 and Owner().static(2) == 4


def test_every_hook_installs_once():
    """Every replaced attribute, from the one registry (rasa_server.patching.REPLACED), is a
    replacement after install_hooks() and the same object after a second install."""
    import inspect

    from rasa_server import install_hooks
    from rasa_server.patching import MARK, REPLACED

    install_hooks()
    installed = [inspect.getattr_static(owner, name) for owner, name in REPLACED]
    # 10 when this test was last changed (the FAQ selector is a component, payloads are plain); more is fine
    assert len(REPLACED) >= 10
    for owner, name in REPLACED:
        assert getattr(getattr(owner, name), MARK, False), f"{owner.__name__}.{name} is not the replacement"
    install_hooks()
    assert [inspect.getattr_static(owner, name) for owner, name in REPLACED] == installed


def test_the_hooks_refuse_a_rasa_release_they_were_not_written_for():
    from rasa_server import RASA_VERSION, RasaVersionError, check_rasa_version

    with pytest.raises(RasaVersionError, match=r"written for Rasa 3\.6\.21, but Rasa 3\.7\.0 is installed"):
        check_rasa_version("3.7.0")
    import rasa.version

    assert rasa.version.__version__ == RASA_VERSION
    check_rasa_version()  # the locked release passes
