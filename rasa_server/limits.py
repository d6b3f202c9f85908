"""Limits on what one sender or one client can ask of the Rasa server (README, "Limits").

Every channel (REST, callback, socket.io, Telegram, Slack, Twilio) hands each user message
to `Agent.handle_message`; the wrapper here runs before the lock, NLU and dialogue:

- **Rate limits**, token buckets: per sender (the conversation id) and per client (the
  caller's IP address; behind RATE_LIMIT_PROXIES_COUNT trusted proxies the address they put
  in X-Forwarded-For). A message over a limit is not processed; the sender gets one friendly
  "slow down" reply (through the message's own output channel: a normal 200 bot message on
  REST, an emit on socket.io) and then nothing for RATE_LIMIT_NOTICE_SECONDS, so a flood
  costs no work; that empty answer comes after RATE_LIMIT_REFUSED_DELAY_SECONDS (1 s), which
  slows a script sending one message after another without holding the event loop. The
  reply carries the emergency line: a dropped message may have been one.
  Addresses in RATE_LIMIT_CLIENT_EXEMPT (loopback by default: the app's backend or a proxy
  on the same host, `make shell`, the tests and the benchmark) have no per-client limit, as
  every user of a server-to-server channel shares its caller's address. A message that came
  with no client address (an in-process call) is counted per channel name instead.
  Counts live in this process (bounded: idle buckets are dropped, at most
  RATE_LIMIT_MAX_TRACKED kept), or with RATE_LIMIT_STORE=redis (the default when SCALE_OUT=1)
  in Redis, shared by every worker and server: one Lua script per message, bounded by
  RATE_LIMIT_REDIS_TIMEOUT_SECONDS; when Redis fails the limiter fails open (logs a warning
  and lets messages through, and retries Redis after REDIS_RETRY_SECONDS).
- **Message length**: a text longer than MAX_MESSAGE_CHARS is not refused. Its first
  MAX_MESSAGE_CHARS characters (cut at a space) go through the normal pipeline, after a reply
  saying it was too long, which part was read and to send the rest in shorter messages, with
  the emergency line. Refusing would drop whatever the message said, an emergency included.
  The first URGENT_PARTS_CHECKED parts are each read by the model (NLU and the safety net); a
  later part that is an emergency or a crisis is answered instead of the first (the reply
  then says it read the part that looked most urgent), so a red flag at the end of a long
  message is not lost. The user event keeps the part read as its text (what the NLU, the
  policies, the actions and the inbox's training examples see) and, in its metadata under
  LONG_MESSAGE_KEY, the whole message (at most LONG_MESSAGE_KEPT_CHARS characters) with where
  the part read is in it: the staff console's transcript and exports show what was written.
  That record is added after the session start (`_handle_message_with_tracker`), so Rasa does
  not copy it into the `session_started_metadata` slot, and a client's own metadata under that
  key is dropped. A part read that has no words (one character repeated, only digits or
  symbols, letter runs with no vowel: `has_words`) is read as not understood: Rasa's
  `nlu_fallback` intent, as the FallbackClassifier sets it, without an FAQ selection, so the
  `nlu_fallback` rule answers it (action_clarify, utter_default) instead of an FAQ the
  classifiers guessed for text unlike any they were trained on.
- **Turns per session**: a session that already has MAX_TURNS_PER_SESSION user messages is
  treated as expired by `MessageProcessor._has_session_expired`, so the next message starts
  a new session (bounded trackers for the dialogue policies). `action_session_start`
  (actions/session.py) carries a running booking into it, as the session ended only by this cap.

These replies are fixed texts here, not domain responses: they are sent before any
tracker, NLU or model work, in the message's language (common/language.py's `detect`; when
a message does not say, the conversation's `language` slot for the sender-limit and length
replies, else English). Logs name senders and clients by a hash (common/privacy.py) and never
hold the user's text above DEBUG.
"""
from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
import os
import re
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from common.language import INDONESIAN, LANGUAGES, detect
from common.privacy import conversation_tag
from rasa_server.patching import replaces

logger = logging.getLogger(__name__)

# The caller's address for the message being handled: set by a Sanic request middleware
# (`remember_client`) for every HTTP request and websocket, read by `handle_message` in the
# same task (socket.io handlers run in tasks started from their request, which copy it).
CLIENT_ADDRESS: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("mmd_client_address", default=None)

EMERGENCY_LINE = {
    "en": "If this is an emergency, call your local emergency number (112, 911 or 999) now.",
    # The wording of utter_languages_spoken (domain/language.yml) with the numbers of domain/safety.yml.
    "id": "Jika ini keadaan darurat, segera hubungi nomor darurat setempat (di Indonesia 112 atau 119).",
}
SLOW_DOWN = {
    "en": "You're sending messages faster than I can read them — please wait a few seconds and try again.",
    "id": "Anda mengirim pesan lebih cepat daripada yang bisa saya baca — mohon tunggu beberapa detik, "
          "lalu coba lagi.",
}
TOO_LONG = {
    "en": "Your message is longer than {limit} characters, so I read only its first part. "
          "Please send the rest in shorter messages.",
    "id": "Pesan Anda lebih dari {limit} karakter, jadi saya hanya membaca bagian awalnya. "
          "Mohon kirim sisanya dalam beberapa pesan yang lebih pendek.",
}
# When a later part was read, because it is an emergency or a crisis.
TOO_LONG_URGENT = {
    "en": "Your message is longer than {limit} characters, so I read only the part of it that looked "
          "most urgent. Please send the rest in shorter messages.",
    "id": "Pesan Anda lebih dari {limit} karakter, jadi saya hanya membaca bagian yang tampak paling "
          "mendesak. Mohon kirim sisanya dalam beberapa pesan yang lebih pendek.",
}

ALLOWED = "allowed"
SENDER = "sender"
CLIENT = "client"
REDIS_RETRY_SECONDS = 5.0
LANGUAGE_LOOKUP_SECONDS = 1.0
# A too-long message: its first parts of MAX_MESSAGE_CHARS are each read by the NLU model, and
# a later part that is an emergency or a crisis is the one answered (bounded work: at most
# this many parses, each with a timeout). Ten parts cover the whole kept message
# (LONG_MESSAGE_KEPT_CHARS, which is also the web chat's box ceiling) at the default limit.
URGENT_PARTS_CHECKED = 10
PART_PARSE_SECONDS = 5.0
URGENT_INTENTS = ("emergency", "crisis")
# The user event's metadata key for a too-long message: the whole message for staff (the
# console's transcript and exports read it: console/queries.py) and where the part read is.
LONG_MESSAGE_KEY = "mmd_long_message"
# A hard ceiling on what is kept of one message: its first this many characters (a message of
# 10 MB costs no more than this in the tracker store, the action server calls and the console).
LONG_MESSAGE_KEPT_CHARS = 20_000
# Rasa's intent for a message the classifiers are not sure of (FallbackClassifier); the
# `nlu_fallback` rule answers it (data/rules/out_of_scope.yml: action_clarify).
FALLBACK_INTENT = "nlu_fallback"


# --- settings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    """A token bucket: `burst` messages at once, refilled at `per_minute` messages a minute."""

    burst: int
    per_minute: float

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.per_minute > 0

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    @property
    def refill_seconds(self) -> float:
        """How long an idle bucket takes to be full again (then it equals a new one)."""
        return self.burst / self.per_second if self.enabled else 0.0


@dataclass(frozen=True)
class Settings:
    max_message_chars: int = 2000
    max_turns_per_session: int = 500
    sender: Rate = Rate(burst=30, per_minute=30)
    client: Rate = Rate(burst=60, per_minute=120)
    notice_seconds: float = 30.0
    # A refused message's (silent) answer waits this long: a script that sends one message
    # after another is slowed to about one a second per connection, without holding the event
    # loop, instead of costing the server a request every millisecond (make bench-long, flood).
    refused_delay_seconds: float = 1.0
    exempt_clients: Tuple[Any, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    proxies_count: int = 0
    store: str = "memory"
    max_tracked: int = 100_000
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 0
    redis_prefix: str = "mmd"
    redis_timeout_seconds: float = 0.25

    def is_exempt(self, client: Optional[str]) -> bool:
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in self.exempt_clients
                   if network.version == address.version)


def _networks(value: str) -> Tuple[Any, ...]:
    networks = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            logger.warning("limits: ignored RATE_LIMIT_CLIENT_EXEMPT entry that is not an address: %r", part)
    return tuple(networks)


def settings_from_env(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Settings from the environment (scripts/env.sh sets the defaults); read once at start-up."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float) -> float:
        raw = (env.get(name) or "").strip()
        try:
            return float(raw) if raw else default
        except ValueError:
            logger.warning("limits: %s=%r is not a number, using %s", name, raw, default)
            return default

    store = (env.get("RATE_LIMIT_STORE") or "").strip().lower()
    if store not in ("memory", "redis"):
        store = "redis" if env.get("SCALE_OUT") == "1" else "memory"
    defaults = Settings()
    exempt = env.get("RATE_LIMIT_CLIENT_EXEMPT")
    return Settings(
        max_message_chars=int(number("MAX_MESSAGE_CHARS", defaults.max_message_chars)),
        max_turns_per_session=int(number("MAX_TURNS_PER_SESSION", defaults.max_turns_per_session)),
        sender=Rate(int(number("RATE_LIMIT_SENDER_BURST", defaults.sender.burst)),
                    number("RATE_LIMIT_SENDER_PER_MINUTE", defaults.sender.per_minute)),
        client=Rate(int(number("RATE_LIMIT_CLIENT_BURST", defaults.client.burst)),
                    number("RATE_LIMIT_CLIENT_PER_MINUTE", defaults.client.per_minute)),
        notice_seconds=number("RATE_LIMIT_NOTICE_SECONDS", defaults.notice_seconds),
        refused_delay_seconds=max(0.0, min(10.0, number("RATE_LIMIT_REFUSED_DELAY_SECONDS",
                                                        defaults.refused_delay_seconds))),
        exempt_clients=defaults.exempt_clients if exempt is None else _networks(exempt),
        proxies_count=int(number("RATE_LIMIT_PROXIES_COUNT", 0)),
        store=store,
        max_tracked=max(1, int(number("RATE_LIMIT_MAX_TRACKED", defaults.max_tracked))),
        redis_host=env.get("REDIS_HOST") or defaults.redis_host,
        redis_port=int(number("REDIS_PORT", defaults.redis_port)),
        redis_db=int(number("REDIS_DB", defaults.redis_db)),
        redis_prefix=env.get("REDIS_KEY_PREFIX") or defaults.redis_prefix,
        redis_timeout_seconds=number("RATE_LIMIT_REDIS_TIMEOUT_SECONDS", defaults.redis_timeout_seconds),
    )


# --- limiters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    limit: str = ALLOWED  # ALLOWED, SENDER or CLIENT (which limit refused the message)
    notify: bool = False  # refused, and the sender gets the slow-down reply (once per notice window)

    @property
    def allowed(self) -> bool:
        return self.limit == ALLOWED


ALLOW = Verdict()


def client_key(client: Optional[str], channel: Optional[str]) -> str:
    """The per-client key: the address, else the channel's name (no address known)."""
    return f"ip:{client}" if client else f"channel:{channel or 'none'}"


class MemoryLimiter:
    """Token buckets in this process. Each key holds [tokens, last update, last notice]; keys are
    kept in least-recently-used order, idle ones (full again, notice window over) are dropped
    and at most `max_tracked` are kept."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.buckets: OrderedDict[str, List[float]] = OrderedDict()
        self.idle_seconds = max(settings.sender.refill_seconds, settings.client.refill_seconds,
                                settings.notice_seconds)
        self._next_sweep = 0.0
        self._warned_full = False

    def _level(self, key: str, rate: Rate, now: float) -> List[float]:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = [float(rate.burst), now, float("-inf")]
            self.buckets[key] = bucket
        else:
            bucket[0] = min(float(rate.burst), bucket[0] + (now - bucket[1]) * rate.per_second)
            bucket[1] = now
            self.buckets.move_to_end(key)
        return bucket

    def _notice(self, bucket: List[float], now: float) -> bool:
        if now - bucket[2] >= self.settings.notice_seconds:
            bucket[2] = now
            return True
        return False

    async def hit(self, sender_key: str, client: Optional[str]) -> Verdict:
        return self.hit_now(sender_key, client)

    def hit_now(self, sender_key: str, client: Optional[str]) -> Verdict:
        settings, now = self.settings, self.clock()
        self.sweep(now)
        sender = self._level("s:" + sender_key, settings.sender, now) if settings.sender.enabled else None
        other = (self._level("c:" + client, settings.client, now)
                 if client is not None and settings.client.enabled else None)
        if sender is not None and sender[0] < 1:
            return Verdict(SENDER, self._notice(sender, now))
        if other is not None and other[0] < 1:
            return Verdict(CLIENT, self._notice(sender, now) if sender is not None else self._notice(other, now))
        for bucket in (sender, other):
            if bucket is not None:
                bucket[0] -= 1
        return ALLOW

    def sweep(self, now: float) -> None:
        """Drops idle buckets (oldest first; they equal new ones) and keeps at most max_tracked."""
        if now >= self._next_sweep:
            self._next_sweep = now + min(60.0, max(1.0, self.idle_seconds))
            while self.buckets:
                key, bucket = next(iter(self.buckets.items()))
                if now - max(bucket[1], bucket[2]) < self.idle_seconds:
                    break
                del self.buckets[key]
        while len(self.buckets) >= self.settings.max_tracked:
            self.buckets.popitem(last=False)
            if not self._warned_full:
                self._warned_full = True
                logger.warning("limits: RATE_LIMIT_MAX_TRACKED=%d buckets reached, dropping the least recent",
                               self.settings.max_tracked)


# KEYS[1] the sender's bucket, KEYS[2] the client's; ARGV: sender burst, sender tokens per ms,
# client burst (0: no client limit), client tokens per ms, notice window ms. Redis's own clock,
# so servers with different clocks share one bucket. Returns {0 allowed | 1 sender | 2 client, notify}.
TOKEN_BUCKETS_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(key, burst, rate)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return burst end
  return math.min(burst, tokens + math.max(0, now - ts) * rate)
end
local sburst, srate = tonumber(ARGV[1]), tonumber(ARGV[2])
local cburst, crate = tonumber(ARGV[3]), tonumber(ARGV[4])
local notice = tonumber(ARGV[5])
local s = -1
if sburst > 0 then s = level(KEYS[1], sburst, srate) end
local c = -1
if cburst > 0 then c = level(KEYS[2], cburst, crate) end
local verdict = 0
if sburst > 0 and s < 1 then verdict = 1 elseif cburst > 0 and c < 1 then verdict = 2 end
if verdict == 0 then s = s - 1; c = c - 1 end
local notify = 0
if verdict ~= 0 then
  local last = tonumber(redis.call('HGET', KEYS[1], 'notified'))
  if last == nil or now - last >= notice then
    notify = 1
    redis.call('HSET', KEYS[1], 'notified', now)
  end
end
local sttl = notice
if sburst > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(s), 'ts', now)
  sttl = math.max(sttl, math.ceil(sburst / srate))
end
redis.call('PEXPIRE', KEYS[1], sttl + 1000)
if cburst > 0 then
  redis.call('HSET', KEYS[2], 'tokens', tostring(c), 'ts', now)
  redis.call('PEXPIRE', KEYS[2], math.ceil(cburst / crate) + 1000)
end
return {verdict, notify}
"""


class RedisLimiter:
    """The same token buckets in Redis, shared by every worker and server. Keys name senders
    and clients by a hash, expire once idle, and every call is bounded; Redis down or slow
    means no limit (fail open) with a warning, and no Redis call for REDIS_RETRY_SECONDS."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._script: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._down_until = 0.0

    def _key(self, kind: str, value: str) -> str:
        return f"{self.settings.redis_prefix}:ratelimit:{kind}:{conversation_tag(value)}"

    def _connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            from redis.asyncio import Redis

            timeout = self.settings.redis_timeout_seconds
            self._client = Redis(host=self.settings.redis_host, port=self.settings.redis_port,
                                 db=self.settings.redis_db, socket_timeout=timeout,
                                 socket_connect_timeout=timeout, retry_on_timeout=False)
            self._script = self._client.register_script(TOKEN_BUCKETS_LUA)
            self._loop = loop
        return self._script

    async def hit(self, sender_key: str, client: Optional[str]) -> Verdict:
        if time.monotonic() < self._down_until:
            return ALLOW
        settings = self.settings
        sender, other = settings.sender, settings.client
        check_client = client is not None and other.enabled
        args = [sender.burst if sender.enabled else 0, sender.per_second / 1000.0,
                other.burst if check_client else 0, other.per_second / 1000.0,
                int(settings.notice_seconds * 1000)]
        keys = [self._key("sender", sender_key), self._key("client", client or "-")]
        try:
            script = self._connection()
            verdict, notify = await asyncio.wait_for(script(keys=keys, args=args),
                                                     timeout=settings.redis_timeout_seconds * 2)
        except Exception as error:  # noqa: BLE001 - any Redis failure: fail open
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning("limits: Redis unavailable, rate limits off for %.0f s (fail open) error=%s",
                           REDIS_RETRY_SECONDS, type(error).__name__)
            return ALLOW
        return Verdict({0: ALLOWED, 1: SENDER, 2: CLIENT}.get(int(verdict), ALLOWED), bool(int(notify)))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def make_limiter(settings: Settings) -> Any:
    return RedisLimiter(settings) if settings.store == "redis" else MemoryLimiter(settings)


# --- turns per session ------------------------------------------------------------------------

def user_turns_in_session(tracker: Any) -> int:
    """User messages in the tracker's latest session.

    The `user` events after the latest `session_started` in `tracker.events`, plus
    `_mmd_user_turns_before_window`: the tracker store may load only a window of recent
    events, and then sets that attribute on the tracker to the number of the session's user
    messages that are not in the window (0 or absent when it loaded the whole session).
    """
    from rasa.shared.core.events import SessionStarted, UserUttered

    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            count += 1
    try:
        before = int(tracker.__dict__.get("_mmd_user_turns_before_window", 0) or 0)
    except (TypeError, ValueError):
        before = 0
    return count + max(0, before)


def turn_cap_reached(tracker: Any, settings: Optional[Settings] = None) -> bool:
    limit = (settings or _settings).max_turns_per_session
    return limit > 0 and user_turns_in_session(tracker) >= limit


# --- the hooks --------------------------------------------------------------------------------

_settings = Settings()
_limiter: Any = MemoryLimiter(_settings)


def configure(settings: Settings) -> None:
    """Uses `settings` (and a new limiter with no counts) from now on."""
    global _settings, _limiter
    _settings = settings
    _limiter = make_limiter(settings)


def client_address(headers: Mapping[str, str], peer: Optional[str], proxies_count: int) -> Optional[str]:
    """The client's address: the peer's, or behind `proxies_count` trusted proxies the one they
    added to X-Forwarded-For (an address a client wrote there itself is never trusted)."""
    if proxies_count > 0:
        forwarded = [part.strip() for part in (headers.get("X-Forwarded-For") or headers.get("x-forwarded-for")
                                               or "").split(",") if part.strip()]
        if len(forwarded) >= proxies_count:
            return forwarded[-proxies_count]
    return peer or None


def shorten(text: str, limit: int) -> str:
    """The first `limit` characters, cut at the last space in the last fifth if there is one."""
    head = text[:limit]
    if len(text) > limit and not text[limit].isspace():
        space = max(head.rfind(" "), head.rfind("\n"))
        if space >= limit * 0.8:
            head = head[:space]
    return head.rstrip()


def part_spans(text: str, limit: int, most: int) -> List[Tuple[int, int]]:
    """Where the text's `limit`-character parts cut at spaces (as `shorten`) are, at most
    `most`: (start, end) offsets into `text`, without the spaces between parts."""
    spans: List[Tuple[int, int]] = []
    start, stop = len(text) - len(text.lstrip()), len(text.rstrip())
    while start < stop and len(spans) < most:
        rest = text[start:stop]
        part = shorten(rest, limit) or rest[:limit]  # `shorten` keeps a prefix of `rest`
        spans.append((start, start + len(part)))
        start += len(part)
        start += len(text[start:stop]) - len(text[start:stop].lstrip())
    return spans


def parts(text: str, limit: int, most: int) -> List[str]:
    """The text in `limit`-character parts cut at spaces (as `shorten`), at most `most`."""
    return [text[start:end] for start, end in part_spans(text, limit, most)]


# Runs of letters (any script): what `has_words` looks at.
LETTER_RUNS = re.compile(r"[^\W\d_]+")
VOWELS = frozenset("aeiouy")
# A run of Latin letters longer than this is no word ("ababab…", a key held down).
LONGEST_WORD = 45


def _is_latin(letter: str) -> bool:
    return letter < "\u0250" or "\u1e00" <= letter <= "\u1eff"


def _is_word(run: str) -> bool:
    run = run.casefold()
    if len(set(run)) < 2:  # "a", "aaaa", "zzzz"
        return False
    if not all(_is_latin(letter) for letter in run):
        return True  # another script: any two different letters (Chinese has no spaces or vowels)
    bases = unicodedata.normalize("NFKD", run)
    return len(run) <= LONGEST_WORD and any(base in VOWELS for base in bases)


def has_words(text: str) -> bool:
    """Whether `text` has at least one word: a run of two or more different letters that, in
    the Latin script, has a vowel and is at most LONGEST_WORD letters long. One character
    repeated, digits and symbols only, or vowel-less runs ("zzz hmm") have none. Used only for
    the part read of a too-long message; a short message is always read as it is."""
    return any(_is_word(run.group()) for run in LETTER_RUNS.finditer(text))


@dataclass(frozen=True)
class Reading:
    """What the assistant reads of a too-long message: `message[start:end]`, its `part`-th part
    (from 1), read instead of the first because it is `urgent` (an emergency or a crisis)."""

    message: str
    start: int
    end: int
    part: int = 1
    urgent: bool = False

    @property
    def text(self) -> str:
        return self.message[self.start:self.end]

    @property
    def words(self) -> bool:
        return has_words(self.text)

    def record(self) -> Dict[str, Any]:
        """The user event's LONG_MESSAGE_KEY metadata: the whole message (its first
        LONG_MESSAGE_KEPT_CHARS characters), its length and where the part read is in it."""
        return {"text": self.message[:LONG_MESSAGE_KEPT_CHARS], "chars": len(self.message),
                "read_from": self.start, "read_to": self.end, "part": self.part, "urgent": self.urgent}


async def part_to_read(agent: Any, text: str, limit: int) -> Reading:
    """Which part of a too-long message the assistant reads: the first, unless a later one is
    an emergency or a crisis (the safety net and the model read each of the first
    URGENT_PARTS_CHECKED parts); a red flag at the end of a long message is not lost."""
    spans = part_spans(text, limit, URGENT_PARTS_CHECKED)
    for number, (start, end) in enumerate(spans[1:], start=2):
        try:
            parsed = await asyncio.wait_for(agent.parse_message(text[start:end]), timeout=PART_PARSE_SECONDS)
        except Exception as error:  # noqa: BLE001 - the first part is still read
            logger.warning("limits: could not check a part of a long message error=%s", type(error).__name__)
            continue
        if ((parsed or {}).get("intent") or {}).get("name") in URGENT_INTENTS:
            logger.info("limits: part %d of a long message is urgent; that part is read", number)
            return Reading(text, start, end, number, urgent=True)
    if spans:
        return Reading(text, *spans[0])
    return Reading(text, 0, len(shorten(text, limit)))


def read_as_not_understood(parse_data: Dict[str, Any]) -> Dict[str, Any]:
    """`parse_data` as Rasa's FallbackClassifier leaves a message it is not sure of: FALLBACK_INTENT
    on top of the ranking (the classifiers' intents kept below it, for staff), and no FAQ chosen
    (the selector's list of retrieval intents kept, as when it does not run). An emergency or a
    crisis the NLU found is left as it is."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent in URGENT_INTENTS or intent == FALLBACK_INTENT:
        return parse_data
    fallback = {"name": FALLBACK_INTENT, "confidence": 1.0}
    ranking = [entry for entry in parse_data.get("intent_ranking") or [] if entry.get("name") != FALLBACK_INTENT]
    parse_data["intent"] = fallback
    parse_data["intent_ranking"] = [fallback] + ranking
    selector = parse_data.get("response_selector")
    if isinstance(selector, dict):
        parse_data["response_selector"] = {key: value for key, value in selector.items()
                                           if key == "all_retrieval_intents"}
    return parse_data


def _format_limit(limit: int, language: str) -> str:
    formatted = f"{limit:,}"
    return formatted.replace(",", ".") if language == INDONESIAN else formatted


def slow_down_text(language: str) -> str:
    language = language if language in LANGUAGES else "en"
    return f"{SLOW_DOWN[language]} {EMERGENCY_LINE[language]}"


def too_long_text(language: str, limit: int, urgent: bool = False) -> str:
    """The reply to a too-long message: which part was read (the first, or the `urgent` one)."""
    language = language if language in LANGUAGES else "en"
    texts = TOO_LONG_URGENT if urgent else TOO_LONG
    return f"{texts[language].format(limit=_format_limit(limit, language))} {EMERGENCY_LINE[language]}"


async def reply_language(agent: Any, message: Any, text: str, look_up: bool) -> str:
    """The message's language when it says; else (look_up) the conversation's; else English."""
    said = detect(text[: max(200, _settings.max_message_chars)])
    if said in LANGUAGES:
        return said
    if look_up and getattr(agent, "tracker_store", None) is not None:
        try:
            tracker = await asyncio.wait_for(agent.tracker_store.retrieve(message.sender_id),
                                             timeout=LANGUAGE_LOOKUP_SECONDS)
            slot = tracker.get_slot("language") if tracker is not None else None
            if slot in LANGUAGES:
                return slot
        except Exception as error:  # noqa: BLE001 - the reply is still sent, in English
            logger.debug("limits: no conversation language error=%s", type(error).__name__)
    return "en"


async def send_text(message: Any, text: str) -> None:
    channel = message.output_channel
    if channel is None:
        return
    try:
        await channel.send_text_message(message.sender_id, text)
    except Exception as error:  # noqa: BLE001 - a channel that cannot send is logged, never raised
        logger.warning("limits: could not send the reply sender=%s channel=%s error=%s",
                       conversation_tag(message.sender_id), message.input_channel, type(error).__name__)


def collected(message: Any) -> Optional[List[Dict[str, Any]]]:
    from rasa.core.channels.channel import CollectingOutputChannel

    channel = message.output_channel
    return channel.messages if isinstance(channel, CollectingOutputChannel) else None


def install() -> None:
    """Reads the settings from the environment and wraps Agent.handle_message,
    MessageProcessor._handle_message_with_tracker, MessageProcessor._has_session_expired and
    rasa.core.run.configure_app once per process."""
    import rasa.core.run
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor

    configure(settings_from_env())
    logger.debug("limits: %s", _settings)

    original_handle = Agent.handle_message

    @replaces(Agent, "handle_message")
    async def handle_message(self: Any, message: Any) -> Optional[List[Dict[str, Any]]]:
        settings, limiter = _settings, _limiter
        text = message.text or ""
        if isinstance(message.metadata, dict) and LONG_MESSAGE_KEY in message.metadata:
            # Only this hook says what a message's whole text was: a client's own is dropped.
            message.metadata = {key: value for key, value in message.metadata.items() if key != LONG_MESSAGE_KEY}
        client = CLIENT_ADDRESS.get()
        key = None if settings.is_exempt(client) else client_key(client, message.input_channel)
        verdict = await limiter.hit(message.sender_id, key)
        if not verdict.allowed:
            tag = conversation_tag(message.sender_id)
            if verdict.notify:
                language = await reply_language(self, message, text, look_up=verdict.limit == SENDER)
                logger.info("limits: rate limited sender=%s client=%s channel=%s limit=%s reply=slow_down",
                            tag, conversation_tag(key) if key else "exempt", message.input_channel, verdict.limit)
                await send_text(message, slow_down_text(language))
            else:
                logger.debug("limits: dropped sender=%s channel=%s limit=%s", tag, message.input_channel,
                             verdict.limit)
                if settings.refused_delay_seconds:
                    await asyncio.sleep(settings.refused_delay_seconds)
            return collected(message)
        if settings.max_message_chars > 0 and len(text) > settings.max_message_chars:
            reading = await part_to_read(self, text, settings.max_message_chars)
            language = await reply_language(self, message, text, look_up=True)
            logger.info("limits: message too long sender=%s channel=%s chars=%d read=%d part=%d urgent=%s words=%s",
                        conversation_tag(message.sender_id), message.input_channel, len(text),
                        len(reading.text), reading.part, reading.urgent, reading.words)
            await send_text(message, too_long_text(language, settings.max_message_chars, urgent=reading.urgent))
            message.text = reading.text
            message.mmd_reading = reading  # for _handle_message_with_tracker below
        return await original_handle(self, message)

    original_with_tracker = MessageProcessor._handle_message_with_tracker

    @replaces(MessageProcessor, "_handle_message_with_tracker")
    async def handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> None:
        # Called after the session start (which copies the message's metadata into the
        # session_started_metadata slot) and before the user event is made from the message.
        reading = getattr(message, "mmd_reading", None)
        if isinstance(reading, Reading) and message.text == reading.text:
            if message.metadata is None or isinstance(message.metadata, dict):
                message.metadata = {**(message.metadata or {}), LONG_MESSAGE_KEY: reading.record()}
            if not reading.words and not message.parse_data:
                # Rasa uses a message's parse_data as it is (no second parse).
                message.parse_data = read_as_not_understood(await self.parse_message(message, tracker))
                logger.info("limits: the part read of a long message has no words; read as %s sender=%s",
                            message.parse_data["intent"]["name"], conversation_tag(message.sender_id))
        return await original_with_tracker(self, message, tracker)

    original_expired = MessageProcessor._has_session_expired

    @replaces(MessageProcessor, "_has_session_expired")
    def has_session_expired(self: Any, tracker: Any) -> bool:
        if original_expired(self, tracker):
            return True
        if turn_cap_reached(tracker):
            logger.info("limits: session turn cap reached sender=%s turns=%d, starting a new session",
                        conversation_tag(tracker.sender_id), user_turns_in_session(tracker))
            return True
        return False

    original_configure = rasa.core.run.configure_app

    @replaces(rasa.core.run, "configure_app")
    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original_configure(*args, **kwargs)
        app.register_middleware(remember_client, "request")
        return app


async def remember_client(request: Any) -> None:
    """Sanic request middleware: the client's address for this request's messages."""
    try:
        peer = request.ip
    except Exception:  # noqa: BLE001 - a transport without a peer address
        peer = None
    CLIENT_ADDRESS.set(client_address(request.headers, peer, _settings.proxies_count))
