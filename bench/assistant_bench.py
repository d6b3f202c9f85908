"""`make bench`: this assistant against Rasa's own starter bot (`rasa init`), measured in one
run on this machine. Prints a table and writes it to results/bench.md.

Configurations: the starter bot as `rasa init` makes it; the starter bot with the same
TensorFlow thread setting as our servers (one thread per op and process); this assistant in
the embedded default (SQLite, one worker); this assistant in scale-out mode (PostgreSQL +
Redis lock store, 2 Sanic workers). For each: full training time, server start-up time
(until every worker has loaded the model), peak memory of each process, and latency
(p50/p95/p99) and throughput with 1, 10, 20 and 50 simulated users holding real multi-turn
conversations (this assistant's include a whole booking), after four warm-up conversations
that are not measured. Then bench/long_conversation.py's lines: the cost of a turn up to
turn 1000 of one conversation and 20 users beside a flooding sender. Load goes only to
127.0.0.1, each level is bounded in time and in turns, and everything stops by itself.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.servers import free_port, terminate  # noqa: E402 - the same helpers as the tests

VENV = ROOT / ".venv" / "bin"
USERS = [int(n) for n in os.environ.get("BENCH_USERS", "1,10,20,50").split(",")]
LEVEL_SECONDS = float(os.environ.get("BENCH_LEVEL_SECONDS", "20"))
MAX_TURNS_PER_LEVEL = int(os.environ.get("BENCH_MAX_TURNS", "3000"))
REQUEST_TIMEOUT = 60

ONE_TF_THREAD = {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1"}
STARTER_CONVERSATION = ["hello", "I am sad", "yes", "great, thanks", "bye"]
OUR_CONVERSATION = ["hi", "what is mirror movement disorder?", "my son's left hand copies his right hand",
                    "/request_consultation", '/inform{"consult_for": "child"}', "7", "Sam Jones",
                    "sam@example.com", "weekday mornings", "/affirm", "/affirm", "thanks"]


def wait_up(url: str, process: subprocess.Popen, timeout: float = 300) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return time.monotonic() - started
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} not up in {timeout} s")


def tree_pids(pid: int) -> List[int]:
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, timeout=10).stdout.split()
        pids += [int(c) for c in children]
    except (OSError, subprocess.SubprocessError):
        pass
    return pids


def tree_cpu_seconds(pid: int) -> float:
    total = 0
    for one in tree_pids(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def wait_quiet(pid: int, timeout: float = 240) -> None:
    """Until the process tree uses under 10% of a core for a whole second.

    Sanic answers as soon as its first worker is up, while the others are still loading the
    model: measuring then would time the loading, not the serving.
    """
    deadline = time.monotonic() + timeout
    before = tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = tree_cpu_seconds(pid)
        if now - before < 0.1:
            return
        before = now
    raise RuntimeError(f"process {pid} still busy after {timeout} s")


def tree_peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MB."""
    total = 0.0
    for one in tree_pids(pid):
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def say(base: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message}).encode()
    headers = {"Content-Type": "application/json"}
    if os.environ.get("REST_CHANNEL_SECRET"):  # the servers started here get the same environment
        headers["Authorization"] = "Bearer " + os.environ["REST_CHANNEL_SECRET"]
    request = urllib.request.Request(base + "/webhooks/rest/webhook", data=body, headers=headers, method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")
    return (time.perf_counter() - started) * 1000


def load(base: str, users: int, conversation: List[str], seconds: float = LEVEL_SECONDS) -> Dict[str, float]:
    latencies: List[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    budget = [MAX_TURNS_PER_LEVEL]

    def user_loop() -> None:
        while time.monotonic() < stop_at:
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            for message in conversation:
                with lock:
                    if budget[0] <= 0 or time.monotonic() >= stop_at:
                        return
                    budget[0] -= 1
                try:
                    took = say(base, sender, message)
                    with lock:
                        latencies.append(took)
                except (OSError, RuntimeError, urllib.error.URLError):
                    with lock:
                        errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=user_loop, daemon=True) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [float("nan")]

    def pct(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]

    return {"users": users, "turns": len(latencies), "errors": errors[0], "p50": pct(0.5), "p95": pct(0.95),
            "p99": pct(0.99), "throughput": len(latencies) / elapsed if elapsed else 0.0}


class Running:
    def __init__(self) -> None:
        self.processes: List[subprocess.Popen] = []

    def start(self, args: List[str], env: Dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            terminate(process)
        self.processes.clear()


def base_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT),
               SQLALCHEMY_SILENCE_UBER_WARNING="1")
    return env


def warm_up(base: str, conversation: List[str], conversations: int = 4) -> None:
    """A few whole conversations at once (not measured): the first calls trace the models."""
    def one() -> None:
        sender = f"warmup-{uuid.uuid4().hex[:12]}"
        for message in conversation:
            say(base, sender, message)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(conversations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT * len(conversation))


def measure(name: str, start_servers, conversation: List[str]) -> Dict[str, object]:
    running = Running()
    try:
        started = time.monotonic()
        base, _, pids = start_servers(running)
        wait_quiet(pids["rasa"])
        startup = time.monotonic() - started  # every worker has loaded the model
        warm_up(base, conversation)
        wait_quiet(pids["rasa"])
        print(f"    {name}: up in {startup:.1f} s; load ...", flush=True)
        levels = [load(base, users, conversation) for users in USERS]
        memory = {label: tree_peak_rss_mb(pid) for label, pid in pids.items()}
    finally:
        running.stop()
    return {"name": name, "startup": startup, "levels": levels, "memory": memory}


def train_starter(workdir: Path) -> float:
    started = time.monotonic()
    subprocess.run([str(VENV / "rasa"), "init", "--no-prompt", "--init-dir", str(workdir)], env=base_env(),
                   cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=1200)
    return time.monotonic() - started


def train_ours(out: Path) -> float:
    started = time.monotonic()
    subprocess.run([str(VENV / "rasa"), "train", "--force", "--quiet", "--out", str(out),
                    "--fixed-model-name", "bench"], env=base_env(), cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, timeout=1200)
    return time.monotonic() - started


def starter_servers(workdir: Path, extra_env: Optional[Dict[str, str]] = None):
    def start(running: Running):
        port = free_port()
        rasa = running.start([str(VENV / "rasa"), "run", "--port", str(port), "--model", "models"],
                             {**base_env(), **(extra_env or {})}, workdir, workdir / "starter.log")
        startup = wait_up(f"http://127.0.0.1:{port}/", rasa)
        return f"http://127.0.0.1:{port}", startup, {"rasa": rasa.pid}
    return start


def our_servers(workdir: Path, model: Path, scale_env: Optional[Dict[str, str]] = None,
                extra_env: Optional[Dict[str, str]] = None):
    def start(running: Running):
        port, actions_port = free_port(), free_port()
        env = base_env()
        env.update(ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
                   TRACKER_DB_URL=f"sqlite:///{workdir / 'conversations.db'}",
                   BOOKINGS_DB_URL=f"sqlite:///{workdir / 'bookings.db'}", LOG_LEVEL="WARNING")
        endpoints = "endpoints.yml"
        if scale_env:
            env.update(scale_env)
            endpoints = "endpoints.scale.yml"
        env.update(extra_env or {})
        started = time.monotonic()
        actions = running.start([str(VENV / "rasa"), "run", "actions", "--actions", "actions", "--port",
                                 str(actions_port), "--quiet"], env, ROOT, workdir / "actions.log")
        wait_up(f"http://127.0.0.1:{actions_port}/health", actions)
        rasa = running.start([str(VENV / "python"), "-m", "rasa_server", "run", "--port", str(port), "--model",
                              str(model), "--endpoints", endpoints, "--credentials", "credentials.yml",
                              "--quiet"], env, ROOT, workdir / "rasa.log")
        wait_up(f"http://127.0.0.1:{port}/", rasa)
        return f"http://127.0.0.1:{port}", time.monotonic() - started, {"rasa": rasa.pid, "actions": actions.pid}
    return start


def report(results: List[Dict[str, object]], training: Dict[str, float]) -> str:
    lines = ["| configuration | users | turns | errors | p50 ms | p95 ms | p99 ms | turns/s |",
             "|---|---|---|---|---|---|---|---|"]
    for result in results:
        for level in result["levels"]:
            lines.append(f"| {result['name']} | {level['users']} | {level['turns']} | {level['errors']} | "
                         f"{level['p50']:.0f} | {level['p95']:.0f} | {level['p99']:.0f} | {level['throughput']:.1f} |")
    lines += ["", "| configuration | start-up s | peak memory MB | training s |", "|---|---|---|---|"]
    for result in results:
        memory = ", ".join(f"{label} {mb:.0f}" for label, mb in result["memory"].items())
        lines.append(f"| {result['name']} | {result['startup']:.1f} | {memory} | "
                     f"{training.get(result['name'], float('nan')):.0f} |")
    by_name = {r["name"]: {lvl["users"]: lvl for lvl in r["levels"]} for r in results}
    ours, scale = by_name.get("mmd embedded"), by_name.get("mmd scale-out")
    lines.append("")
    for starter_name in ("starter bot", "starter bot, 1 TF thread"):
        starter = by_name.get(starter_name)
        if starter and ours and 1 in starter and 1 in ours:
            ratio = ours[1]["p50"] / starter[1]["p50"]
            lines.append(f"- single-user p50: {ratio:.2f}x the {starter_name} (goal <= 1.3x)")
        if starter and scale and 20 in starter and 20 in scale:
            ratio = scale[20]["throughput"] / starter[20]["throughput"]
            lines.append(f"- scale-out throughput at 20 users: {ratio:.2f}x the {starter_name} (goal >= 1.5x), "
                         f"p95 {scale[20]['p95']:.0f} ms (goal < 500 ms)")
    return "\n".join(lines)


def main() -> int:
    from tests.support.postgres import temporary_database

    workdir = Path(tempfile.mkdtemp(prefix="mmd-bench-"))
    results, training = [], {}
    try:
        print("==> training Rasa's starter bot (rasa init)", flush=True)
        starter_dir = workdir / "starter"
        starter_dir.mkdir()
        training["starter bot"] = train_starter(starter_dir)
        print("==> training this assistant", flush=True)
        training["mmd embedded"] = training["mmd scale-out"] = train_ours(workdir / "models")
        model = workdir / "models" / "bench.tar.gz"
        print("==> load", flush=True)
        results.append(measure("starter bot", starter_servers(starter_dir), STARTER_CONVERSATION))
        # The same TensorFlow thread setting as our servers (rasa_server/__main__.py), so the
        # comparison is not only about that setting.
        results.append(measure("starter bot, 1 TF thread", starter_servers(starter_dir, ONE_TF_THREAD),
                               STARTER_CONVERSATION))
        (workdir / "embedded").mkdir()
        results.append(measure("mmd embedded", our_servers(workdir / "embedded", model), OUR_CONVERSATION))
        database = temporary_database("mmd_bench")
        _, url = next(database)
        try:
            (workdir / "scale").mkdir()
            scale_env = {"TRACKER_DB_URL": url, "BOOKINGS_DB_URL": url, "SANIC_WORKERS": "2",
                         "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "4",
                         "REDIS_KEY_PREFIX": f"bench{uuid.uuid4().hex[:6]}"}
            results.append(measure("mmd scale-out", our_servers(workdir / "scale", model, scale_env),
                                   OUR_CONVERSATION))
        finally:
            database.close()
        print("==> a long conversation, and a flooding sender (bench/long_conversation.py)", flush=True)
        from bench.long_conversation import run_all as long_and_flood

        long_lines = long_and_flood(model, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table = report(results, training) + "\n\n" + long_lines
    print(table)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench.md").write_text(
        f"# make bench, {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
