"""`make bench` lines for issue 14: the cost of a turn late in a long conversation, and what
one flooding sender does to everyone else.

- Long conversation: one sender asks FAQ questions for BENCH_LONG_TURNS turns (1000) in one
  session; the median reply time of each 100-turn block, with the tracker window
  (rasa_server/tracker_store.py) and without it (TRACKER_WINDOW_EVENTS=0, Rasa's way of
  loading the whole session), in the same run. Goal: turns 901-1000 within 1.5x of 1-100.
- Flood: 20 users hold normal conversations for BENCH_FLOOD_SECONDS, alone and then while one
  more sender sends as fast as two connections allow; goal: their p95 within 1.2x.

Only 127.0.0.1, bounded in turns and seconds. Run alone with `make bench-long`.
"""
from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import urllib.error
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.assistant_bench import (  # noqa: E402 - the same helpers as the main benchmark
    OUR_CONVERSATION,
    Running,
    load,
    say,
    wait_quiet,
    warm_up,
)

LONG_TURNS = int(os.environ.get("BENCH_LONG_TURNS", "1000"))
BLOCK = 100
FLOOD_SECONDS = float(os.environ.get("BENCH_FLOOD_SECONDS", "20"))
FLOOD_USERS = 20
# Which lines to measure (`make bench-long BENCH_LONG_PARTS=flood` to re-run one).
PARTS = set(os.environ.get("BENCH_LONG_PARTS", "long,flood").split(","))
FAQ_QUESTIONS = [
    "what is mirror movement disorder?", "is it inherited?", "how is it treated?", "what causes it?",
    "can adults have it?", "how common is it?", "which genes are involved?", "will my child grow out of it?",
    "how is it diagnosed?", "thanks",
]
# The long conversation measures the tracker, not the limits: one sender asking 1000
# questions as fast as it can is exactly what the limits stop.
# (0 turns a limit off, rasa_server/limits.py).
NO_LIMITS = {"MAX_TURNS_PER_SESSION": "0", "RATE_LIMIT_SENDER_BURST": "0", "RATE_LIMIT_SENDER_PER_MINUTE": "0",
             "RATE_LIMIT_CLIENT_BURST": "0", "RATE_LIMIT_CLIENT_PER_MINUTE": "0"}


def long_conversation(base: str, turns: int = LONG_TURNS) -> List[float]:
    """Median milliseconds per 100-turn block of one conversation."""
    sender = f"long-{uuid.uuid4().hex[:12]}"
    took = [say(base, sender, FAQ_QUESTIONS[turn % len(FAQ_QUESTIONS)]) for turn in range(turns)]
    return [statistics.median(took[start:start + BLOCK]) for start in range(0, turns, BLOCK)]


def flood(base: str, stop_at: float, counts: Dict[str, int]) -> None:
    sender = f"flood-{uuid.uuid4().hex[:12]}"
    while time.monotonic() < stop_at:
        try:
            say(base, sender, "what is mirror movement disorder?")
            counts["sent"] += 1
        except (OSError, RuntimeError, urllib.error.URLError):
            counts["errors"] += 1


def with_flood(base: str) -> Tuple[Dict[str, float], Dict[str, int]]:
    counts = {"sent": 0, "errors": 0}
    stop_at = time.monotonic() + FLOOD_SECONDS + 2
    flooders = [threading.Thread(target=flood, args=(base, stop_at, counts), daemon=True) for _ in range(2)]
    for thread in flooders:
        thread.start()
    try:
        level = load(base, FLOOD_USERS, OUR_CONVERSATION, seconds=FLOOD_SECONDS)
    finally:
        for thread in flooders:
            thread.join(timeout=FLOOD_SECONDS + 70)
    return level, counts


def measure_long(name: str, start_servers: Callable[[Running], tuple]) -> Dict[str, object]:
    running = Running()
    try:
        base, _, pids = start_servers(running)
        wait_quiet(pids["rasa"])
        warm_up(base, OUR_CONVERSATION)
        print(f"    {name}: {LONG_TURNS} turns in one conversation ...", flush=True)
        return {"name": name, "blocks": long_conversation(base)}
    finally:
        running.stop()


def measure_flood(name: str, start_servers: Callable[[Running], tuple]) -> Dict[str, object]:
    running = Running()
    try:
        base, _, pids = start_servers(running)
        wait_quiet(pids["rasa"])
        warm_up(base, OUR_CONVERSATION)
        print(f"    {name}: {FLOOD_USERS} users without and with a flooding sender ...", flush=True)
        alone = load(base, FLOOD_USERS, OUR_CONVERSATION, seconds=FLOOD_SECONDS)
        wait_quiet(pids["rasa"])
        flooded, counts = with_flood(base)
        return {"name": name, "alone": alone, "flooded": flooded, "flood": counts}
    finally:
        running.stop()


def report_long(results: List[Dict[str, object]]) -> str:
    if not results:
        return ""
    blocks = len(results[0]["blocks"])
    header = " | ".join(f"{i * BLOCK + 1}-{(i + 1) * BLOCK}" for i in range(blocks))
    lines = [f"| long conversation, median ms per block of turns | {header} | last / first |",
             "|---|" + "---|" * (blocks + 1)]
    for result in results:
        values = result["blocks"]
        ratio = values[-1] / values[0] if values and values[0] else float("nan")
        verdict = "met" if ratio <= 1.5 else "NOT MET"
        lines.append(f"| {result['name']} | " + " | ".join(f"{v:.0f}" for v in values)
                     + f" | {ratio:.2f}x (goal <= 1.5x: {verdict}) |")
    return "\n".join(lines)


def report_flood(results: List[Dict[str, object]]) -> str:
    lines = ["| flood (20 users + 1 sender as fast as it can) | p50 alone | p95 alone | p50 flooded | "
             "p95 flooded | p95 ratio | flood messages sent |", "|---|---|---|---|---|---|---|"]
    for result in results:
        alone, flooded = result["alone"], result["flooded"]
        ratio = flooded["p95"] / alone["p95"] if alone["p95"] else float("nan")
        verdict = "met" if ratio <= 1.2 else "NOT MET"
        lines.append(f"| {result['name']} | {alone['p50']:.0f} | {alone['p95']:.0f} | {flooded['p50']:.0f} | "
                     f"{flooded['p95']:.0f} | {ratio:.2f}x (goal <= 1.2x: {verdict}) | {result['flood']['sent']} |")
    return "\n".join(lines)


def run_all(model: Path, workdir: Path) -> str:
    """Every line of this module, before and after, as markdown tables."""
    from bench.assistant_bench import our_servers
    from tests.support.postgres import temporary_database

    longs, floods = [], []
    database = temporary_database("mmd_bench_long")
    _, url = next(database)
    try:
        for label, extra in (("embedded, whole session (before)", {"TRACKER_WINDOW_EVENTS": "0"}),
                             ("embedded, tracker window (after)", {})) if "long" in PARTS else ():
            run_dir = workdir / uuid.uuid4().hex[:6]
            run_dir.mkdir()
            longs.append(measure_long(label, our_servers(run_dir, model, extra_env={**NO_LIMITS, **extra})))
        for label, extra in (("scale-out, whole session (before)", {"TRACKER_WINDOW_EVENTS": "0"}),
                             ("scale-out, tracker window (after)", {})) if "long" in PARTS else ():
            run_dir = workdir / uuid.uuid4().hex[:6]
            run_dir.mkdir()
            scale_env = {"TRACKER_DB_URL": url, "BOOKINGS_DB_URL": url, "SANIC_WORKERS": "2",
                         "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "4",
                         "REDIS_KEY_PREFIX": f"bench{uuid.uuid4().hex[:6]}"}
            longs.append(measure_long(label, our_servers(run_dir, model, scale_env,
                                                         extra_env={**NO_LIMITS, **extra})))
        if "flood" in PARTS:
            run_dir = workdir / "flood"
            run_dir.mkdir()
            floods.append(measure_flood("embedded, default limits", our_servers(run_dir, model)))
    finally:
        database.close()
    return "\n\n".join(table for table in (report_long(longs), report_flood(floods) if floods else "") if table)


def main() -> int:
    """`make bench-long`: the long-conversation and flood lines alone, with the trained model."""
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="mmd-bench-long-"))
    try:
        table = run_all(ROOT / "models" / "mmd-assistant.tar.gz", workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(table)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench-long.md").write_text(
        f"# make bench-long, {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
