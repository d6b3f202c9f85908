"""Limits (rasa_server/limits.py, README "Limits"): token buckets, eviction, per-client keys,
the Redis limiter against the real Redis on localhost (and failing open on a closed port),
Rasa's own Agent and MessageProcessor with the hooks installed, and action_session_start
carrying a running booking past the turn cap."""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
import uuid

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.session import ActionSessionStart
from common.privacy import conversation_tag
from rasa_server import limits
from rasa_server.limits import (
    ALLOW,
    CLIENT,
    SENDER,
    MemoryLimiter,
    Rate,
    RedisLimiter,
    Settings,
    Verdict,
    client_address,
    settings_from_env,
    shorten,
    slow_down_text,
    too_long_text,
    user_turns_in_session,
)
from tests.unit.trackers import FILLED_BOOKING, make_tracker, user_event

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(**settings) -> tuple[MemoryLimiter, Clock]:
    clock = Clock()
    return MemoryLimiter(Settings(**settings), clock=clock), clock


# --- token buckets ---------------------------------------------------------------------------

def test_a_sender_gets_its_burst_then_one_notice_per_window_and_tokens_come_back_over_time():
    memory, clock = limiter(sender=Rate(burst=3, per_minute=60), notice_seconds=30)
    assert [memory.hit_now("alice", None) for _ in range(3)] == [ALLOW] * 3
    assert memory.hit_now("alice", None) == Verdict(SENDER, notify=True)
    assert memory.hit_now("alice", None) == Verdict(SENDER, notify=False)  # a flood: no second reply
    assert memory.hit_now("bob", None) == ALLOW  # other senders are not affected
    clock.now += 1.0  # 60 a minute: one message a second
    assert memory.hit_now("alice", None) == ALLOW
    assert memory.hit_now("alice", None) == Verdict(SENDER, notify=False)  # still within the notice window
    clock.now += 30.0
    assert [memory.hit_now("alice", None).allowed for _ in range(4)] == [True, True, True, False]


def test_a_client_address_is_limited_across_its_senders_and_each_sender_hears_it_once():
    memory, _ = limiter(sender=Rate(burst=10, per_minute=10), client=Rate(burst=2, per_minute=1))
    assert memory.hit_now("s1", "ip:203.0.113.7") == ALLOW
    assert memory.hit_now("s2", "ip:203.0.113.7") == ALLOW
    assert memory.hit_now("s3", "ip:203.0.113.7") == Verdict(CLIENT, notify=True)
    assert memory.hit_now("s3", "ip:203.0.113.7") == Verdict(CLIENT, notify=False)
    assert memory.hit_now("s4", "ip:203.0.113.7") == Verdict(CLIENT, notify=True)
    assert memory.hit_now("s5", "ip:198.51.100.1") == ALLOW
    assert memory.hit_now("s6", None) == ALLOW  # exempt: no client bucket


def test_a_refused_message_takes_no_token_from_the_other_limit():
    memory, _ = limiter(sender=Rate(burst=1, per_minute=1), client=Rate(burst=2, per_minute=1))
    assert memory.hit_now("s1", "ip:a") == ALLOW
    assert memory.hit_now("s1", "ip:a").limit == SENDER
    assert memory.hit_now("s2", "ip:a") == ALLOW  # the client still had a token


def test_idle_buckets_are_dropped_and_memory_is_bounded():
    memory, clock = limiter(sender=Rate(burst=2, per_minute=60), client=Rate(burst=4, per_minute=120),
                            notice_seconds=5, max_tracked=50)
    for number in range(20):
        memory.hit_now(f"sender-{number}", "ip:a")
    assert len(memory.buckets) == 21
    clock.now += 1.0
    memory.hit_now("recent", None)
    clock.now += memory.idle_seconds - 0.5  # the first 21 are full again and past their notice
    memory.hit_now("new", None)
    assert set(memory.buckets) == {"s:recent", "s:new"}
    for number in range(500):
        memory.hit_now(f"flood-{number}", None)
    assert len(memory.buckets) <= 50
    assert "s:flood-499" in memory.buckets


def test_disabled_limits_let_everything_through():
    memory, _ = limiter(sender=Rate(burst=0, per_minute=0), client=Rate(burst=0, per_minute=0))
    assert all(memory.hit_now("x", "ip:a") == ALLOW for _ in range(1000))
    assert not memory.buckets


# --- settings, client addresses, texts ----------------------------------------------------------

def test_settings_have_documented_defaults_and_read_the_environment():
    defaults = settings_from_env({})
    assert (defaults.max_message_chars, defaults.max_turns_per_session) == (2000, 500)
    assert (defaults.sender, defaults.client) == (Rate(30, 30), Rate(60, 120))
    assert defaults.store == "memory" and defaults.is_exempt("127.0.0.1") and defaults.is_exempt("::1")
    assert not defaults.is_exempt("203.0.113.7") and not defaults.is_exempt(None)
    custom = settings_from_env({
        "MAX_MESSAGE_CHARS": "300", "MAX_TURNS_PER_SESSION": "6", "RATE_LIMIT_SENDER_BURST": "5",
        "RATE_LIMIT_SENDER_PER_MINUTE": "12", "RATE_LIMIT_CLIENT_EXEMPT": "10.0.0.0/8, 192.0.2.1",
        "RATE_LIMIT_PROXIES_COUNT": "1", "SCALE_OUT": "1", "REDIS_KEY_PREFIX": "x", "RATE_LIMIT_CLIENT_BURST": "oops"})
    assert (custom.max_message_chars, custom.max_turns_per_session, custom.sender) == (300, 6, Rate(5, 12))
    assert custom.client == Rate(60, 120)  # not a number: the default, with a warning
    assert custom.exempt_clients == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.1/32"))
    assert custom.is_exempt("10.1.2.3") and not custom.is_exempt("127.0.0.1")
    assert (custom.store, custom.proxies_count, custom.redis_prefix) == ("redis", 1, "x")
    assert settings_from_env({"RATE_LIMIT_CLIENT_EXEMPT": ""}).exempt_clients == ()
    assert settings_from_env({"SCALE_OUT": "1", "RATE_LIMIT_STORE": "memory"}).store == "memory"


def test_the_client_address_is_the_peer_unless_trusted_proxies_forwarded_it():
    headers = {"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.0.0.2"}
    assert client_address(headers, "10.0.0.9", 0) == "10.0.0.9"  # a client can write the header itself
    assert client_address(headers, "10.0.0.9", 1) == "10.0.0.2"
    assert client_address(headers, "10.0.0.9", 2) == "203.0.113.7"
    assert client_address({}, "10.0.0.9", 1) == "10.0.0.9"
    assert client_address({}, "", 0) is None
    assert limits.client_key(None, "socketio") == "channel:socketio"
    assert limits.client_key("203.0.113.7", "rest") == "ip:203.0.113.7"


def test_a_long_text_is_cut_at_a_space_near_the_limit():
    text = "word " * 100
    assert shorten(text, 52) == ("word " * 10).strip()
    assert shorten("x" * 100, 40) == "x" * 40
    assert shorten("short", 40) == "short"


def test_the_replies_name_the_limit_and_the_emergency_numbers_in_both_languages():
    english, bahasa = too_long_text("en", 2000), too_long_text("id", 2000)
    assert "2,000 characters" in english and "shorter messages" in english
    assert "112, 911 or 999" in english
    assert "2.000 karakter" in bahasa and "112" in bahasa and "119" in bahasa and "darurat" in bahasa
    assert slow_down_text("en").startswith("You're sending messages faster than I can read them")
    assert "112, 911 or 999" in slow_down_text("en")
    assert "119" in slow_down_text("id") and "tunggu" in slow_down_text("id")
    assert slow_down_text("other") == slow_down_text("en")


# --- the Redis limiter, against the real Redis on localhost ---------------------------------------

def redis_up() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def redis_prefix():
    if not redis_up():
        pytest.skip("no Redis on localhost:6379 (make resilience starts one)")
    prefix = f"mmd-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def redis_settings(prefix: str, **overrides) -> Settings:
    base = dict(store="redis", redis_host=REDIS_HOST, redis_port=REDIS_PORT, redis_prefix=prefix,
                sender=Rate(burst=2, per_minute=60), client=Rate(burst=3, per_minute=1), notice_seconds=30)
    return Settings(**{**base, **overrides})


def test_redis_buckets_are_shared_by_servers_and_expire(redis_prefix):
    import redis

    async def scenario():
        one, two = RedisLimiter(redis_settings(redis_prefix)), RedisLimiter(redis_settings(redis_prefix))
        verdicts = [await one.hit("alice", "ip:a"), await two.hit("alice", "ip:a"),
                    await one.hit("alice", "ip:a"), await two.hit("alice", "ip:a"),
                    await two.hit("bob", "ip:a"), await one.hit("carol", "ip:a"), await one.hit("dave", None)]
        await one.close()
        await two.close()
        return verdicts

    verdicts = asyncio.run(scenario())
    assert verdicts == [ALLOW, ALLOW, Verdict(SENDER, True), Verdict(SENDER, False),
                        ALLOW, Verdict(CLIENT, True), ALLOW]
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, decode_responses=True)
    sender_key = f"{redis_prefix}:ratelimit:sender:{conversation_tag('alice')}"
    assert client.hget(sender_key, "notified")
    assert 0 < client.pttl(sender_key) <= 31_000  # gone once idle: full again and past the notice
    assert 0 < client.pttl(f"{redis_prefix}:ratelimit:client:{conversation_tag('ip:a')}") <= 181_000
    assert not [key for key in client.scan_iter(f"{redis_prefix}:*") if "alice" in key]  # ids are hashed
    client.close()


def test_redis_tokens_come_back_over_time(redis_prefix):
    async def scenario():
        fast = RedisLimiter(redis_settings(redis_prefix, sender=Rate(burst=1, per_minute=600)))
        first = [await fast.hit("erin", None), await fast.hit("erin", None)]
        await asyncio.sleep(0.15)  # 10 a second
        first.append(await fast.hit("erin", None))
        await fast.close()
        return first

    assert asyncio.run(scenario()) == [ALLOW, Verdict(SENDER, True), ALLOW]


def test_redis_down_fails_open_fast_with_a_warning(caplog):
    settings = Settings(store="redis", redis_host="127.0.0.1", redis_port=closed_port(),
                        sender=Rate(burst=1, per_minute=1), redis_timeout_seconds=0.25)

    async def scenario():
        unreachable = RedisLimiter(settings)
        started = time.monotonic()
        verdicts = [await unreachable.hit("frank", None) for _ in range(5)]
        return verdicts, time.monotonic() - started

    with caplog.at_level(logging.WARNING, logger="rasa_server.limits"):
        verdicts, took = asyncio.run(scenario())
    assert verdicts == [ALLOW] * 5
    assert took < 1.0
    warnings = [r.getMessage() for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1 and "fail open" in warnings[0]  # then no Redis call for a while


# --- the hooks on Rasa's own classes --------------------------------------------------------------

@pytest.fixture()
def hooks(monkeypatch):
    """The limits hook installed with small limits; the defaults are back afterwards."""
    monkeypatch.setenv("RATE_LIMIT_SENDER_BURST", "2")
    monkeypatch.setenv("RATE_LIMIT_SENDER_PER_MINUTE", "1")
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "100")
    monkeypatch.setenv("MAX_TURNS_PER_SESSION", "3")
    monkeypatch.setenv("RATE_LIMIT_REFUSED_DELAY_SECONDS", "0.05")
    monkeypatch.delenv("SCALE_OUT", raising=False)
    monkeypatch.delenv("RATE_LIMIT_STORE", raising=False)
    limits.install()
    yield
    limits.configure(Settings())


def say(text: str, sender: str = "hook-user"):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    message = UserMessage(text, CollectingOutputChannel(), sender, input_channel="rest")
    # An Agent without a model: whatever passes the limits reaches Rasa's "no agent" branch.
    result = asyncio.run(Agent().handle_message(message))
    return message, result, [m["text"] for m in message.output_channel.messages]


def test_the_agent_answers_a_flood_once_and_then_with_nothing(hooks):
    import time

    outcomes, took = [], []
    for _ in range(5):
        started = time.monotonic()
        outcomes.append(say("hello")[2])
        took.append(time.monotonic() - started)
    # the silent answers to refused messages wait RATE_LIMIT_REFUSED_DELAY_SECONDS (a flooding
    # script is slowed); the notice does not
    assert min(took[3:]) >= 0.05 and took[2] < 0.05
    assert outcomes[:2] == [[], []]  # processed (no model here: Rasa's own "no agent", no reply)
    assert len(outcomes[2]) == 1 and "faster than I can read them" in outcomes[2][0]
    assert outcomes[3:] == [[], []]
    assert say("hello", sender="someone-else")[2] == []


def test_the_slow_down_reply_follows_the_message_language(hooks):
    for _ in range(2):
        say("halo", sender="budi")
    assert "mohon tunggu beberapa detik" in say("anak saya tangannya ikut gerak, itu bahaya gak?", sender="budi")[2][0]


def test_a_too_long_message_is_read_in_part_after_a_clear_reply(hooks):
    text = "my son is 7 and his left hand copies his right hand when he writes, " * 4
    message, _, replies = say(text, sender="long-writer")
    assert len(replies) == 1 and "longer than 100 characters" in replies[0] and "112, 911 or 999" in replies[0]
    assert len(message.text) <= 100 and text.startswith(message.text)
    _, _, bahasa = say("anak saya umur 7 tahun dan tangan kirinya ikut gerak kalau tangan kanannya menulis " * 3,
                       sender="penulis")
    assert "lebih dari 100 karakter" in bahasa[0] and "112" in bahasa[0] and "119" in bahasa[0]


FILLER = " We have been reading about it for a while."
LATE_EMERGENCY = ("what is mirror movement disorder?" + FILLER * 3
                  + " Sorry, my son just collapsed and is not breathing!")


@pytest.fixture()
def urgent_reader(monkeypatch):
    """Agent.parse_message as the model reads a part: "collapsed" is an emergency, the rest an FAQ."""
    from rasa.core.agent import Agent

    async def parse_message(self, text):
        return {"text": text, "intent": {"name": "emergency" if "collapsed" in text else "faq"}}

    monkeypatch.setattr(Agent, "parse_message", parse_message)


class Processor:
    """What MessageProcessor._handle_message_with_tracker uses of a processor; its NLU sees
    only the text and answers `parse_data` (an FAQ chosen by default)."""

    def __init__(self, parse_data=None):
        from rasa.shared.core.domain import Domain

        self.domain = Domain.empty()
        self.parsed = []
        self.parse_data = parse_data or {
            "intent": {"name": "faq", "confidence": 0.97, "full_retrieval_intent_name": "faq/adult_onset"},
            "intent_ranking": [{"name": "faq", "confidence": 0.97}, {"name": "greet", "confidence": 0.02}],
            "entities": [{"entity": "message_language", "value": "other"}],
            "response_selector": {"all_retrieval_intents": ["faq"],
                                  "faq": {"response": {"intent_response_key": "faq/adult_onset",
                                                       "confidence": 0.9}, "ranking": []}}}

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        self.parsed.append(message.text)
        return {"text": message.text, **self.parse_data}

    def _log_slots(self, tracker):
        pass


def logged(message, processor=None):
    """The user event Rasa's processor makes of `message` (after the limits hook)."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(message.sender_id, [])
    asyncio.run(MessageProcessor._handle_message_with_tracker(processor or Processor(), message, tracker))
    return tracker.events[-1]


def test_the_whole_long_message_is_kept_for_staff_while_the_urgent_part_is_read(hooks, urgent_reader):
    message, _, replies = say(LATE_EMERGENCY, sender="late-emergency")
    assert "collapsed" in message.text and not LATE_EMERGENCY.startswith(message.text)  # what the NLU reads
    event = logged(message)
    assert event.text == message.text and event.intent_name == "faq"  # (this test's NLU)
    record = event.metadata[limits.LONG_MESSAGE_KEY]
    assert record["text"] == LATE_EMERGENCY and record["chars"] == len(LATE_EMERGENCY)
    assert LATE_EMERGENCY[record["read_from"]:record["read_to"]] == message.text
    assert record["part"] > 1 and record["urgent"] is True
    assert event.as_dict()["metadata"][limits.LONG_MESSAGE_KEY]["text"] == LATE_EMERGENCY  # what the store keeps

    first, _, _ = say("what is mirror movement disorder?" + FILLER * 4, sender="long-question")
    record = logged(first).metadata[limits.LONG_MESSAGE_KEY]
    assert (record["read_from"], record["part"], record["urgent"]) == (0, 1, False)
    assert record["text"].startswith(first.text) and len(record["text"]) > len(first.text)


def test_what_is_kept_of_a_long_message_has_a_hard_ceiling_and_short_messages_get_no_record(hooks):
    huge = "my son's left hand copies his right hand when he writes " * 1000
    message, _, _ = say(huge, sender="huge")
    record = logged(message).metadata[limits.LONG_MESSAGE_KEY]
    assert limits.LONG_MESSAGE_KEPT_CHARS == 20_000
    assert record["text"] == huge.strip()[:20_000] and record["chars"] == len(huge.strip())
    short, _, _ = say("hello", sender="short")
    assert not (logged(short).metadata or {}).get(limits.LONG_MESSAGE_KEY)


def test_a_client_cannot_write_the_whole_text_staff_see(hooks):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    forged = {limits.LONG_MESSAGE_KEY: {"text": "something else", "read_from": 0, "read_to": 5}, "theme": "dark"}
    message = UserMessage("hello", CollectingOutputChannel(), "forger", input_channel="socketio", metadata=forged)
    asyncio.run(Agent().handle_message(message))
    assert logged(message).metadata == {"theme": "dark"}


def test_the_reply_says_which_part_was_read_in_both_languages(hooks, urgent_reader):
    english, bahasa = too_long_text("en", 2000, urgent=True), too_long_text("id", 2000, urgent=True)
    assert "the part of it that looked most urgent" in english and "first part" not in english
    assert "2,000 characters" in english and "112, 911 or 999" in english
    assert "bagian yang tampak paling mendesak" in bahasa and "bagian awalnya" not in bahasa
    assert "2.000 karakter" in bahasa and "119" in bahasa
    assert "first part" in too_long_text("en", 2000) and "bagian awalnya" in too_long_text("id", 2000)
    assert say(LATE_EMERGENCY, sender="late")[2] == [too_long_text("en", 100, urgent=True)]
    assert say("what is mirror movement disorder?" + FILLER * 4, sender="early")[2] == [too_long_text("en", 100)]
    bahasa_late = "apa itu mirror movement? " + "saya sudah lama membaca tentang ini. " * 3 + "anak saya collapsed!"
    assert say(bahasa_late, sender="terlambat")[2] == [too_long_text("id", 100, urgent=True)]


def test_parts_without_words_are_told_from_text_with_words():
    for wordless in ["a" * 2000, "aaaa " * 400, "zzz hmm brr", "!!!! ???? 1234 5678", "\N{GRINNING FACE}" * 50,
                     "ab" * 100, "x", "I I I I"]:
        assert not limits.has_words(wordless), wordless
    for words in ["my son is 7", "aaaa aaaa why", "anak saya kejang", "Çà va très bien", "мой сын",
                  "我的孩子的手会跟着动", "ok"]:
        assert limits.has_words(words), words


def test_a_long_message_of_no_words_is_read_as_not_understood(hooks):
    message, _, replies = say("a" * 10_000, sender="aaaa")
    assert "longer than 100 characters" in replies[0] and message.text == "a" * 100
    processor = Processor()
    event = logged(message, processor)
    assert processor.parsed == ["a" * 100]  # the NLU still reads it (language, entities), once
    assert event.intent == {"name": "nlu_fallback", "confidence": 1.0}
    assert [entry["name"] for entry in event.parse_data["intent_ranking"]] == ["nlu_fallback", "faq", "greet"]
    assert event.parse_data["response_selector"] == {"all_retrieval_intents": ["faq"]}  # no FAQ chosen
    assert event.entities == [{"entity": "message_language", "value": "other"}]
    assert event.metadata[limits.LONG_MESSAGE_KEY]["text"] == "a" * 10_000


def test_only_a_wordless_part_of_a_long_message_is_read_as_not_understood(hooks):
    long_question, _, _ = say("what is mirror movement disorder?" + FILLER * 4, sender="words")
    assert logged(long_question).intent_name == "faq"
    short, _, _ = say("aaaa", sender="short-aaaa")  # a short message is read as the NLU reads it
    assert logged(short).intent_name == "faq"
    emergency = Processor({"intent": {"name": "emergency", "confidence": 1.0}, "entities": []})
    urgent, _, _ = say("112 " * 60, sender="digits")
    assert logged(urgent, emergency).intent_name == "emergency"  # what the safety net found stays


def rasa_tracker(events, before_window=None):
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("turns", events)
    if before_window is not None:
        tracker._mmd_user_turns_before_window = before_window
    return tracker


def test_user_turns_are_counted_in_the_latest_session_with_those_before_the_loaded_window():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

    old = [ActionExecuted("action_session_start"), SessionStarted(), UserUttered("a"), BotUttered("b")]
    new = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
           UserUttered("c"), BotUttered("d"), UserUttered("e")]
    assert user_turns_in_session(rasa_tracker(old + new)) == 2
    assert user_turns_in_session(rasa_tracker([UserUttered("x")] * 4)) == 4  # no session start loaded
    # The tracker store loaded only a window: it says how many of the session's messages it left out.
    assert user_turns_in_session(rasa_tracker([UserUttered("x")] * 4, before_window=496)) == 500
    assert user_turns_in_session(rasa_tracker(new, before_window="junk")) == 2


def test_a_session_with_max_turns_user_messages_has_expired(hooks):
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SessionStarted, UserUttered

    class Processor:  # _has_session_expired reads only the processor's domain
        domain = Domain.from_dict({"session_config": {"session_expiration_time": 60}})

    expired = MessageProcessor._has_session_expired
    now = time.time()
    session = [SessionStarted(timestamp=now)] + [UserUttered("x", timestamp=now) for _ in range(2)]
    assert not expired(Processor(), rasa_tracker(session))
    assert expired(Processor(), rasa_tracker(session + [UserUttered("x", timestamp=now)]))
    assert expired(Processor(), rasa_tracker(session, before_window=1))
    old = [SessionStarted(timestamp=now - 7200), UserUttered("x", timestamp=now - 7200)]
    assert expired(Processor(), rasa_tracker(old))  # Rasa's own expiry still works


# --- action_session_start carries a running booking past the turn cap ----------------------------

def run_session_start(tracker, domain):
    from rasa_sdk.executor import CollectingDispatcher

    return asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tracker, domain))


def booking_events(seconds_ago: float):
    event = user_event("Sam Jones", "inform")
    event["timestamp"] = time.time() - seconds_ago
    return [event, {"event": "bot", "text": "What is your email address or phone number?"}]


def test_the_turn_cap_carries_the_form_where_it_was(domain):
    answers = {key: FILLED_BOOKING[key] for key in ("consult_for", "patient_age", "symptom_description",
                                                    "requester_name")}
    tracker = make_tracker(slots={**answers, "language": "id"}, events=booking_events(seconds_ago=5),
                           in_form=True, requested_slot="contact")
    events = run_session_start(tracker, domain)
    assert events[0]["event"] == "session_started" and events[-1] == {**events[-1], "name": "action_listen"}
    for slot, value in answers.items():
        assert SlotSet(slot, value) in events
    assert SlotSet("language", "id") in events
    assert events.index(ActiveLoop("consultation_form")) < events.index(SlotSet("requested_slot", "contact"))
    assert SlotSet("contact", None) not in events


def test_a_paused_booking_keeps_its_answers_and_its_yes_no_question_but_not_the_form(domain):
    tracker = make_tracker(slots={"consult_for": "self", "pending_question": "continue_booking"},
                           events=booking_events(seconds_ago=30))
    events = run_session_start(tracker, domain)
    assert SlotSet("consult_for", "self") in events and SlotSet("pending_question", "continue_booking") in events
    assert not [e for e in events if e.get("event") == "active_loop"]


def test_after_inactivity_the_booking_is_not_carried_as_documented(domain):
    tracker = make_tracker(slots=dict(FILLED_BOOKING, booking_reference="MMD-ABC234"),
                           events=booking_events(seconds_ago=2 * 3600), in_form=True, requested_slot="consent")
    events = run_session_start(tracker, domain)
    assert SlotSet("booking_reference", "MMD-ABC234") in events
    assert not [e for e in events if e.get("name") in FILLED_BOOKING or e.get("event") == "active_loop"]
    assert SlotSet("requested_slot", "consent") not in events


def test_rasa_sends_session_start_no_domain_and_the_expiry_comes_from_domain_files():
    # endpoints.yml enables the selective domain: action_session_start gets {} as its domain.
    in_form = dict(slots={"consult_for": "child"}, in_form=True, requested_slot="patient_age")
    after_inactivity = run_session_start(make_tracker(events=booking_events(seconds_ago=61 * 60), **in_form), {})
    assert not [e for e in after_inactivity if e.get("name") == "consult_for" or e.get("event") == "active_loop"]
    at_the_cap = run_session_start(make_tracker(events=booking_events(seconds_ago=59 * 60), **in_form), {})
    assert SlotSet("consult_for", "child") in at_the_cap and ActiveLoop("consultation_form") in at_the_cap


def test_nothing_is_carried_without_a_booking(domain):
    events = run_session_start(make_tracker(events=booking_events(seconds_ago=1)), domain)
    assert events[1:] == [SlotSet("returning_user", True), {**events[-1], "name": "action_listen"}]
