"""Staff console speed with 10,000 conversations and 200,000 events (`make bench-console`).

Builds a tracker store of that size in a temporary SQLite file (events in Rasa's own
format), starts the console on it, signs in, and times real page requests over HTTP,
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
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.auth import create_user  # noqa: E402
from console.db import create_console_schema, engine_for, rasa_events, rasa_metadata  # noqa: E402
from console.indexer import refresh_index  # noqa: E402
from tests.e2e.servers import free_port, terminate  # noqa: E402

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "10000"))
EVENTS_PER_CONVERSATION = 20
REQUESTS_PER_PAGE = int(os.environ.get("BENCH_REQUESTS", "30"))
PASSWORD = "bench-password-123"
TEXTS = ["hi", "what is mmd", "my son's left hand copies his right hand", "how is it treated", "thanks",
         "is it inherited", "I want to book a consultation", "my dad suddenly can't move his arm"]
INTENTS = ["greet", "faq", "report_symptom", "faq", "thank", "faq", "request_consultation", "emergency"]


def generate_events(tracker_engine) -> None:
    rng = random.Random(7)
    start = time.time() - 90 * 86400
    rows = []
    for number in range(CONVERSATIONS):
        sender = f"user-{number:05d}"
        ts = start + number * 600
        handed_off = rng.random() < 0.2
        for turn in range(EVENTS_PER_CONVERSATION // 4):
            choice = rng.randrange(len(TEXTS))
            user = {"event": "user", "timestamp": ts, "text": TEXTS[choice], "input_channel": "socketio",
                    "parse_data": {"intent": {"name": INTENTS[choice], "confidence": rng.uniform(0.3, 1.0)}}}
            rows += [
                dict(sender_id=sender, type_name="user", timestamp=ts, intent_name=INTENTS[choice],
                     action_name=None, data=json.dumps(user)),
                dict(sender_id=sender, type_name="action", timestamp=ts + 0.1, intent_name=None,
                     action_name="utter_faq", data=json.dumps({"event": "action", "name": "utter_faq"})),
                dict(sender_id=sender, type_name="bot", timestamp=ts + 0.2, intent_name=None, action_name=None,
                     data=json.dumps({"event": "bot", "text": "An answer. Sources: MedlinePlus Genetics."})),
            ]
            last = {"event": "slot", "name": "handed_off", "value": handed_off and turn == 4}
            rows.append(dict(sender_id=sender, type_name="slot", timestamp=ts + 0.3, intent_name=None,
                             action_name=None, data=json.dumps(last)))
            ts += 30
    with tracker_engine.begin() as connection:
        for chunk in range(0, len(rows), 20000):
            connection.execute(rasa_events.insert(), rows[chunk:chunk + 20000])


def timed(opener, url: str, count: int) -> list:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        with opener.open(url, timeout=30) as response:
            response.read()
            assert response.status == 200, url
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list, share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-console-"))
    tracker_url, console_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'console.db'}"
    tracker, console = engine_for(tracker_url), engine_for(console_url)
    rasa_metadata.create_all(tracker)
    create_console_schema(console)
    create_user(console, "bench", PASSWORD, "admin")

    print(f"==> generating {CONVERSATIONS:,} conversations / {CONVERSATIONS * EVENTS_PER_CONVERSATION:,} events")
    started = time.perf_counter()
    generate_events(tracker)
    print(f"    generated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    indexed = refresh_index(console, tracker)
    first_index_s = time.perf_counter() - started
    print(f"    first index of {indexed:,} events: {first_index_s:.1f} s")

    port = free_port()
    env = {**os.environ, "CONSOLE_DB_URL": console_url, "TRACKER_DB_URL": tracker_url,
           "BOOKINGS_DB_URL": f"sqlite:///{workdir / 'bookings.db'}", "STAFF_PORT": str(port),
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
        pages = [
            ("baseline: /health", "/health"),
            ("list, page 1", "/"),
            ("list, handed off", "/?flag=handed_off"),
            ("list, text search", "/?q=copies+his&page=3"),
            ("list, page 150", "/?page=150"),
            ("list, emergency + dates", "/?flag=emergency&from=2026-01-01&to=2027-12-31"),
            ("transcript", "/conversations/user-04242"),
        ]
        lines = [f"{'request':<28}{'median ms':>11}{'p95 ms':>9}{'n':>5}"]
        for label, path in pages:
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
