"""Cheaper NLU configurations, chosen by measurement: NLU training time vs held-out accuracy.

For each candidate config (bench/nlu_configs/<name>.yml, copies of config.yml's pipeline with
changes) this trains an NLU model with plain `rasa train nlu` (timed, wall clock and the CPU
seconds of the training process), then scores it with `python -m rasa_server test nlu` on
tests/nlu/heldout.yml (English) and tests/nlu/heldout_id.yml (Bahasa Indonesia), and prints:
config, train seconds, intent accuracy en/id, FAQ response-selection accuracy en/id.

Runs one config after another (never two trainings at once: the machine has 2 shared cores)
and records the 1-minute load average before each training, since other users' load makes
wall-clock times noisy. Results are appended to /tmp/nlu_exp/results.jsonl, so runs can be
split; `--table` only prints the table of what has been measured.

Usage (from /work/main, after `source scripts/env.sh`):
    .venv/bin/python bench/nlu_configs.py baseline combo lean baseline   # run, in this order
    .venv/bin/python bench/nlu_configs.py --table                     # print the table
The held-out files are read only by `rasa test nlu`; this script reads only its reports.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "bench" / "nlu_configs"
OUT = Path("/tmp/nlu_exp")
RESULTS = OUT / "results.jsonl"
SETS = {"en": "tests/nlu/heldout.yml", "id": "tests/nlu/heldout_id.yml"}
VENV = ROOT / ".venv" / "bin"


def _env() -> dict:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = str(ROOT) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _run(cmd: list, log: Path) -> tuple:
    """Runs cmd in ROOT, output to log; returns (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}; see {log}")
    return wall, cpu


def _accuracy(report: Path):
    if not report.exists():
        return None
    return json.loads(report.read_text()).get("accuracy")


def run_config(name: str) -> dict:
    cfg = CONFIGS / f"{name}.yml"
    if not cfg.exists():
        sys.exit(f"no such config: {cfg}")
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(f"==> {name}: training (load average {load:.2f})", flush=True)
    train_s, train_cpu = _run(
        [str(VENV / "rasa"), "train", "nlu", "--config", str(cfg), "--domain", "domain",
         "--nlu", "data/nlu", "--out", str(out), "--fixed-model-name", "m"],
        out / "train.log")
    load_after = os.getloadavg()[0]
    print(f"    trained in {train_s:.0f} s (CPU {train_cpu:.0f} s, load after {load_after:.2f})",
          flush=True)
    row = {"config": name, "train_s": round(train_s, 1), "train_cpu_s": round(train_cpu, 1),
           "load_before": round(load, 2), "load_after": round(load_after, 2),
           "time": time.strftime("%H:%M:%S")}
    for lang, nlu in SETS.items():
        res = out / lang
        _run([str(VENV / "python"), "-m", "rasa_server", "test", "nlu", "--model",
              str(out / "m.tar.gz"), "--nlu", nlu, "--out", str(res)], out / f"test_{lang}.log")
        row[f"intent_{lang}"] = _accuracy(res / "intent_report.json")
        row[f"faq_{lang}"] = _accuracy(res / "response_selection_report.json")
        print(f"    {lang}: intent {row[f'intent_{lang}']}, faq {row[f'faq_{lang}']}", flush=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")
    return row


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def table() -> str:
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()] \
        if RESULTS.exists() else []
    lines = ["| config | train s | train CPU s | load 1m before/after | intent en | intent id"
             " | FAQ en | FAQ id |",
             "|---|---:|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['config']} | {r['train_s']:.0f} | {r['train_cpu_s']:.0f} | "
            f"{r['load_before']:.1f}/{r['load_after']:.1f} | {_fmt(r['intent_en'])} | "
            f"{_fmt(r['intent_id'])} | {_fmt(r['faq_en'])} | {_fmt(r['faq_id'])} |")
    return "\n".join(lines)


def main(argv: list) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    names = [a for a in argv if not a.startswith("--")]
    if not names and "--table" not in argv:
        names = ["baseline"] + sorted(p.stem for p in CONFIGS.glob("*.yml") if p.stem != "baseline") \
            + ["baseline"]
    for name in names:
        run_config(name)
    print(table())


if __name__ == "__main__":
    main(sys.argv[1:])
