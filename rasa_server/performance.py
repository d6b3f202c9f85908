"""Speed-ups for hot paths of Rasa 3.6 that do not change behaviour.

- Event.resolve_by_type walks every Event subclass (with inspect.isabstract on each) for
  every event it deserialises; loading a tracker from the SQL store does this once per
  stored event, and it was two thirds of the load time (cProfile, 200-event conversation:
  11 ms per load). Event classes are fixed once Rasa is imported, so the lookup is cached.
- RemoteAction._validate_action_result calls jsonschema.validate, which checks the
  (constant) response schema against the metaschema on every custom-action call: about
  20 ms of a 48 ms form turn (cProfile). The schema is checked once and its validators
  kept, and each event is checked against its own event type's branch instead of all 23
  (same verdict, see _valid_by_event_type); responses are still validated, with the same error.
- EndpointConfig.request opens a new aiohttp ClientSession, and so a new TCP connection, for
  every call to the action server (connection set-up was most of the 6% py-spy put in
  aiohttp). Each endpoint now keeps one session per event loop; its idle connections are
  dropped after KEEPALIVE_SECONDS, before the action server's own keep-alive (5 s in Sanic)
  closes them under a request in flight; the sessions close with the server.
- MemoizationPolicy and RulePolicy each turn the conversation into dialogue states, and
  Domain.states_for_tracker_history replays the whole conversation for each of them (an
  eighth of the Rasa server's time, cProfile). They ask with different options (MemoizationPolicy
  hides rule-only turns), but the replay is the same: it is done once per tracker state
  and each call runs Rasa's own loop over it, on fresh copies (the loop and the featurizers
  edit the states they get).
- Every graph run (one per message for NLU, one per predicted action) asks the model's
  graph schema for the nodes its targets need, and GraphSchema walks the dependencies
  recursively, revisiting shared ones, each time: 5% of the Rasa server's time (py-spy).
  A loaded model's schema does not change, so the answer is kept per schema and targets.
- The embedded default keeps conversations in a SQLite file, and each message commits:
  with SQLite's default rollback journal every commit waits for fsync (about 4 ms here),
  and the staff console's reads block the assistant's writes. Write-ahead logging with
  synchronous=NORMAL stays consistent after a crash of the process, lets readers and the
  writer work at once, and makes commits cheap.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from rasa_server.patching import replaces


def install() -> None:
    _reuse_endpoint_connections()
    _share_prior_tracker_walk()
    _cache_minimal_graph_schemas()
    _cache_event_types()
    _validate_action_results_with_one_validator()
    _sqlite_write_ahead_log()


def _validate_action_results_with_one_validator() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import DOCS_BASE_URL, RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    full_validator = validator_class(schema)
    is_valid = _valid_by_event_type(schema, validator_class) or full_validator.is_valid

    @replaces(RemoteAction, "_validate_action_result")
    def validate_action_result(self, result):  # noqa: ANN001, ANN202 - Rasa's signature
        if is_valid(result):
            return True
        try:
            full_validator.validate(result)  # raises the error Rasa would raise
            return True
        except ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response "
                "from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise


def _valid_by_event_type(schema: Dict[str, Any], validator_class: Any) -> Optional[Callable[[Any], bool]]:
    """The same check as the whole schema, with each event checked against its own type only.

    Rasa's event schema is `oneOf` 23 branches that differ in `event`'s `const`, so
    jsonschema tries all 23 for every event (and builds an error for each miss). An event
    whose `event` is branch k's constant fails every other branch, so it is valid exactly
    when it is valid against the common part plus branch k; any other `event` matches no
    branch and is invalid. Returns None (use the whole schema) if the schema has another shape.
    """
    try:
        event_schema = schema["properties"]["events"]["items"]
        branches = event_schema["oneOf"]
        constants = [branch["properties"]["event"]["const"] for branch in branches]
    except (KeyError, TypeError):
        return None
    if len(set(constants)) != len(constants):
        return None
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    by_type = {const: validator_class({**common, "allOf": [branch]})
               for const, branch in zip(constants, branches, strict=True)}
    envelope = validator_class({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})

    def is_valid(result: Any) -> bool:
        if not envelope.is_valid(result):
            return False
        for event in result.get("events") or []:
            kind = event.get("event") if isinstance(event, dict) else None
            validator = by_type.get(kind) if isinstance(kind, str) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True

    return is_valid


def _sqlite_write_ahead_log() -> None:
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(_sqlite_write_ahead_log, "installed", False):
        return

    @event.listens_for(Engine, "connect")
    def use_wal(dbapi_connection, _record) -> None:  # noqa: ANN001 - SQLAlchemy's hook
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    _sqlite_write_ahead_log.installed = True  # type: ignore[attr-defined]


KEEPALIVE_SECONDS = 2.0
_shared_sessions: Dict[Tuple[int, int], Tuple[Any, Any, Any]] = {}


class _BorrowedSession:
    """`async with` yields the shared session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: Any) -> bool:
        return False


def _reuse_endpoint_connections() -> None:
    import asyncio

    import aiohttp
    import rasa.core.run
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original_session = EndpointConfig.session

    @replaces(EndpointConfig, "session")
    def session(self):  # noqa: ANN001, ANN202 - Rasa's signature
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original_session(self)
        if self.basic_auth:
            return original_session(self)
        entry = _shared_sessions.get((id(loop), id(self)))
        if entry is None or entry[0] is not loop or entry[1] is not self or entry[2].closed:
            shared = aiohttp.ClientSession(
                headers=self.headers,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            )
            entry = _shared_sessions[(id(loop), id(self))] = (loop, self, shared)
        return _BorrowedSession(entry[2])

    original_close_resources = rasa.core.run.close_resources

    @replaces(rasa.core.run, "close_resources")
    async def close_resources(app, loop):  # noqa: ANN001, ANN202 - Rasa's listener signature
        await close_shared_sessions()
        await original_close_resources(app, loop)


async def close_shared_sessions() -> None:
    """Closes the sessions of the running event loop (at server shutdown)."""
    import asyncio

    loop = asyncio.get_running_loop()
    for key, (owner, _, shared) in list(_shared_sessions.items()):
        if owner is loop:
            del _shared_sessions[key]
            await shared.close()


prior_walk_stats = {"walked": 0, "reused": 0}
share_prior_walk = True  # tests compare with and without


def _share_prior_tracker_walk() -> None:
    from rasa.shared.core.constants import PREVIOUS_ACTION
    from rasa.shared.core.domain import Domain

    original = Domain.states_for_tracker_history
    # One entry: the tracker being predicted on. Graph runs are synchronous, so every
    # policy of one prediction finds it; another tracker, or a new event, replaces it.
    latest: Dict[str, Any] = {"key": None, "turns": None}

    def walk(domain: Any, tracker: Any, omit_unset_slots: bool) -> List[Tuple[Any, ...]]:
        events = tracker.events
        key = (tracker, events[-1] if events else None, domain, len(events), bool(omit_unset_slots))
        cached = latest["key"]
        if (cached is not None and cached[0] is key[0] and cached[1] is key[1] and cached[2] is key[2]
                and cached[3:] == key[3:]):
            prior_walk_stats["reused"] += 1
            return latest["turns"]
        turns = [(hide_rule_turn, prior.followup_action, prior.latest_action_name, prior.active_loop_name,
                  domain._get_prev_action_sub_state(prior),
                  domain.get_active_state(prior, omit_unset_slots=omit_unset_slots))
                 for prior, hide_rule_turn in tracker.generate_all_prior_trackers()]
        latest["key"], latest["turns"] = key, turns
        prior_walk_stats["walked"] += 1
        return turns

    @replaces(Domain, "states_for_tracker_history")
    def states_for_tracker_history(self, tracker, omit_unset_slots=False, ignore_rule_only_turns=False,  # noqa: ANN001, ANN202
                                   rule_only_data=None):
        if not share_prior_walk:
            return original(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        # Rasa 3.6's loop, over the shared walk (rasa/shared/core/domain.py).
        states: List[Dict[str, Any]] = []
        last_ml_action_sub_state = None
        turn_was_hidden = False
        for hide_rule_turn, followup, latest_action_name, active_loop_name, prev_action, active in walk(
                self, tracker, omit_unset_slots):
            if ignore_rule_only_turns:
                if not turn_was_hidden:
                    last_ml_action_sub_state = dict(prev_action) if prev_action is not None else None
                if not followup and not latest_action_name == active_loop_name:
                    turn_was_hidden = hide_rule_turn
                if turn_was_hidden:
                    continue
            state = {name: dict(sub) if isinstance(sub, dict) else sub for name, sub in active.items()}
            if ignore_rule_only_turns:
                self._remove_rule_only_features(state, rule_only_data)
                if states:
                    self._substitute_rule_only_user_input(state, states[-1])
                if last_ml_action_sub_state:
                    state[PREVIOUS_ACTION] = last_ml_action_sub_state
            states.append(self._clean_state(state))
        return states


def _cache_minimal_graph_schemas() -> None:
    from rasa.engine.graph import GraphSchema

    original = GraphSchema.minimal_graph_schema
    # id(schema) -> (schema, {targets: minimal schema}); the schema is kept so its id stays
    # its own. A model is loaded once per process (twice with a model server).
    cache: Dict[int, Tuple[Any, Dict[Tuple[str, ...], Any]]] = {}

    @replaces(GraphSchema, "minimal_graph_schema")
    def minimal_graph_schema(self, targets: Optional[List[str]] = None):  # noqa: ANN001, ANN202 - Rasa's signature
        entry = cache.get(id(self))
        if entry is None or entry[0] is not self:
            entry = cache[id(self)] = (self, {})
        key = tuple(targets) if targets else ()
        found = entry[1].get(key)
        if found is None:
            found = entry[1][key] = original(self, targets)
        return found


def _cache_event_types() -> None:
    from rasa.shared.core import events

    original = events.Event.resolve_by_type
    cache: Dict[str, Type[events.Event]] = {}

    @replaces(events.Event, "resolve_by_type")
    def resolve_by_type(type_name: str, default: Optional[Type[events.Event]] = None) -> Optional[Type[events.Event]]:
        found = cache.get(type_name)
        if found is None:
            found = original(type_name, default)
            if found is not None and found is not default:
                cache[type_name] = found
        return found
