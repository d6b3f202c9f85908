"""Staff console speed with 10,000 conversations and 200,000 events (`make bench-console`).

Builds a tracker store of that size in a temporary SQLite file (events in Rasa's own
format: offers, the booking form, bookings, feedback, hand-offs, three channels; with the
matching consultation requests and first contacts), starts the console on it, signs in, and
times real page requests over HTTP (the lists, a transcript, analytics, the inbox if present),
side by side with a baseline (the console's /health, same server, same run). Prints a
table and writes it to results/bench-console.txt. Talks only to 127.0.0.1; bounded.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.bookings_schema import bookings  # noqa: E402
from console.auth import create_user  # noqa: E402
from console.db import (  # noqa: E402
    create_console_schema,
    engine_for,
    ensure_bookings_schema,
    rasa_events,
    rasa_metadata,
)
from console.indexer import refresh_index  # noqa: E402
from console.tables import booking_first_contact  # noqa: E402
from tests.e2e.servers import free_port, terminate  # noqa: E402

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "10000"))
EVENTS_PER_CONVERSATION = 20
TURNS = EVENTS_PER_CONVERSATION // 4  # each turn: the user's message, an action, a reply, a slot
DAYS = 90
REQUESTS_PER_PAGE = int(os.environ.get("BENCH_REQUESTS", "30"))
PASSWORD = "bench-password-123"
TEXTS = ["hi", "what is mmd", "my son's left hand copies his right hand", "how is it treated", "thanks",
         "is it inherited", "I want to book a consultation", "my dad suddenly can't move his arm", "blorp zzkx"]
INTENTS = ["greet", "faq", "report_symptom", "faq", "thank", "faq", "request_consultation", "emergency",
           "nlu_fallback"]
WEIGHTS = [12, 16, 10, 14, 10, 14, 6, 2, 6]  # how often users say each: mostly questions, few emergencies
TOPICS = ["faq/what_is_mmd", "faq/causes", "faq/treatment", "faq/inheritance", "faq/prevalence", "faq/diagnosis"]
CHANNELS = ["socketio"] * 6 + ["rest"] * 3 + ["twilio"]
# What staff did with the requests (the funnel's "contacted" and the time to first contact).
STATUSES = ["new"] * 6 + ["contacted"] * 6 + ["scheduled"] * 4 + ["closed"] * 3 + ["cancelled"]


def _event(sender, kind, ts, data, intent=None, action=None):
    return dict(sender_id=sender, type_name=kind, timestamp=ts, intent_name=intent, action_name=action,
                data=json.dumps({"event": kind, "timestamp": ts, **data}))


def _turn(rng, sender, ts, channel, choice, last_slot):
    """Four events of one turn, in Rasa's format: what the analytics page counts comes from
    the replies (offers, fallbacks, emergencies), the form, the booking and the feedback."""
    intent = INTENTS[choice]
    parse = {"intent": {"name": intent, "confidence": rng.uniform(0.3, 1.0)}, "entities": []}
    if intent == "faq":
        topic = rng.choice(TOPICS)
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": topic, "confidence": 0.8},
                                              "ranking": [{"intent_response_key": topic, "confidence": 0.8}]}}
    rows = [_event(sender, "user", ts, {"text": TEXTS[choice], "input_channel": channel, "parse_data": parse},
                   intent=intent)]
    utter = {"faq": "utter_faq", "report_symptom": "utter_symptom_acknowledged_booking",
             "emergency": "utter_emergency_then_offer", "nlu_fallback": "utter_default"}.get(intent, "utter_greet")
    if intent == "request_consultation":
        rows += [_event(sender, "action", ts + 0.1, {"name": "consultation_form"}, action="consultation_form"),
                 _event(sender, "active_loop", ts + 0.2, {"name": "consultation_form"})]
    else:
        action = "utter_emergency" if intent == "emergency" else utter
        rows += [_event(sender, "action", ts + 0.1, {"name": action}, action=action),
                 _event(sender, "bot", ts + 0.2, {"text": "An answer. Sources: MedlinePlus Genetics.",
                                                  "metadata": {"utter_action": utter}})]
    if last_slot is None and intent == "faq" and channel == "socketio" and rng.random() < 0.5:
        last_slot = {"name": "answer_feedback", "value": {"helpful": rng.random() < 0.8, "answer": "An answer."}}
    rows.append(_event(sender, "slot", ts + 0.3, last_slot or {"name": "handed_off", "value": False}))
    return rows


def generate_events(tracker_engine, console_engine, bookings_engine) -> int:
    """10,000 conversations over the last 90 days on three channels; a quarter of them ask for
    a consultation and most of those book. Returns how many requests were made."""
    rng = random.Random(7)
    start = time.time() - DAYS * 86400
    spacing = (DAYS * 86400 - 3600) / CONVERSATIONS
    rows, requests, contacts = [], [], []
    for number in range(CONVERSATIONS):
        sender = f"user-{number:05d}"
        channel = rng.choice(CHANNELS)
        ts = start + number * spacing
        handed_off = rng.random() < 0.2
        journey = rng.random() < 0.25  # a symptom, the form, and (mostly) a booking
        books = journey and rng.random() < 0.7
        for turn in range(TURNS):
            choice = rng.choices(range(len(TEXTS)), WEIGHTS)[0]
            last_slot = {"name": "handed_off", "value": True} if handed_off and turn == TURNS - 2 else None
            if journey and turn in (1, 2):
                choice = INTENTS.index("report_symptom") if turn == 1 else INTENTS.index("request_consultation")
            if books and turn == TURNS - 1:
                reference = f"MMD-{number:06d}"
                user = {"text": "/affirm", "input_channel": channel,
                        "parse_data": {"intent": {"name": "affirm", "confidence": 1.0}, "entities": []}}
                rows += [_event(sender, "user", ts, user, intent="affirm"),
                         _event(sender, "action", ts + 0.1, {"name": "action_submit_booking"},
                                action="action_submit_booking"),
                         _event(sender, "bot", ts + 0.2, {"text": f"Your reference is {reference}."}),
                         _event(sender, "slot", ts + 0.3, {"name": "booking_reference", "value": reference})]
                created = datetime.fromtimestamp(ts + 0.2, tz=timezone.utc)
                status = rng.choice(STATUSES)
                requests.append(dict(reference=reference, idempotency_key=f"bench-{number}", sender_id=sender,
                                     consult_for="self", patient_age=30, symptom_description="x",
                                     requester_name="Bench", contact="bench@example.com", preferred_times="any",
                                     consent=True, status=status, created_at=created))
                if status in ("contacted", "scheduled", "closed"):
                    contacts.append(dict(reference=reference, channel=channel, requested_at=ts + 0.2,
                                         at=ts + rng.uniform(600, 48 * 3600)))
            else:
                rows += _turn(rng, sender, ts, channel, choice, last_slot)
            ts += 30
    with tracker_engine.begin() as connection:
        for chunk in range(0, len(rows), 20000):
            connection.execute(rasa_events.insert(), rows[chunk:chunk + 20000])
    ensure_bookings_schema(bookings_engine)
    if requests:
        with bookings_engine.begin() as connection:
            connection.execute(bookings.insert(), requests)
    if contacts:
        with console_engine.begin() as connection:
            connection.execute(booking_first_contact.insert(), contacts)
    return len(requests)


def timed(opener, url: str, count: int) -> list:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        with opener.open(url, timeout=30) as response:
            response.read()
            assert response.status == 200, url
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def exists(opener, url: str) -> bool:
    """False for a 404: a page another change has not added yet."""
    try:
        with opener.open(url, timeout=30) as response:
            response.read()
        return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


def percentile(samples: list, share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-console-"))
    tracker_url, console_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'console.db'}"
    bookings_url = f"sqlite:///{workdir / 'bookings.db'}"
    tracker, console, bookings_db = engine_for(tracker_url), engine_for(console_url), engine_for(bookings_url)
    rasa_metadata.create_all(tracker)
    create_console_schema(console)
    create_user(console, "bench", PASSWORD, "admin")

    print(f"==> generating {CONVERSATIONS:,} conversations / {CONVERSATIONS * EVENTS_PER_CONVERSATION:,} events")
    started = time.perf_counter()
    requests = generate_events(tracker, console, bookings_db)
    print(f"    generated in {time.perf_counter() - started:.1f} s ({requests:,} consultation requests)")
    started = time.perf_counter()
    indexed = refresh_index(console, tracker)
    first_index_s = time.perf_counter() - started
    print(f"    first index of {indexed:,} events: {first_index_s:.1f} s")

    port = free_port()
    env = {**os.environ, "CONSOLE_DB_URL": console_url, "TRACKER_DB_URL": tracker_url,
           "BOOKINGS_DB_URL": bookings_url, "STAFF_PORT": str(port),
           "CONSOLE_SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "console.app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(base + "/login", data=urllib.parse.urlencode(
            {"username": "bench", "password": PASSWORD, "next": "/"}).encode(), timeout=30).read()
        today = datetime.now(timezone.utc).date()
        first_day = today - timedelta(days=DAYS - 1)
        pages = [
            ("baseline: /health", "/health"),
            ("list, page 1", "/"),
            ("list, handed off", "/?flag=handed_off"),
            ("list, text search", "/?q=copies+his&page=3"),
            ("list, page 150", "/?page=150"),
            ("list, emergency + dates", "/?flag=emergency&from=2026-01-01&to=2027-12-31"),
            ("transcript", "/conversations/user-04242"),
            ("analytics, last 30 days", "/analytics"),
            ("analytics, 90 days (all)", f"/analytics?from={first_day}&to={today}"),
            ("analytics, 90 days, rest", f"/analytics?from={first_day}&to={today}&channel=rest"),
            ("inbox", "/inbox"),  # another page in the making: timed once it exists
        ]
        lines = [f"{'request':<28}{'median ms':>11}{'p95 ms':>9}{'n':>5}"]
        for label, path in pages:
            if not exists(opener, base + path):
                lines.append(f"{label:<28}{'404, skipped':>20}")
                continue
            samples = timed(opener, base + path, REQUESTS_PER_PAGE)
            lines.append(f"{label:<28}{statistics.median(samples):>11.1f}{percentile(samples, 0.95):>9.1f}"
                         f"{len(samples):>5}")
        with tracker.begin() as connection:
            connection.execute(rasa_events.insert(), [dict(
                sender_id="user-new", type_name="user", timestamp=time.time(), intent_name="greet",
                action_name=None, data=json.dumps({"event": "user", "text": "hi"}))] * 100)
        started = time.perf_counter()
        refresh_index(console, tracker)
        lines.append(f"{'index 100 new events':<28}{(time.perf_counter() - started) * 1000:>11.1f}")
        lines.append(f"{'first index, all events':<28}{first_index_s * 1000:>11.1f}")
    finally:
        terminate(server)
    report = "\n".join(lines)
    print(report)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench-console.txt").write_text(
        f"{CONVERSATIONS:,} conversations, {CONVERSATIONS * EVENTS_PER_CONVERSATION:,} events\n{report}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
