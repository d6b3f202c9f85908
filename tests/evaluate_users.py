"""Scores the trained model on questions written the way users write (tests/nlu/users_*.yml).

Those files were written by helper sessions from personas (parent of a toddler, grandparent
with little English, teacher, teenager, adult with CMM, pregnant parent, adult with new
mirror movements) without reading the training data, and are never trained on. Each entry
names the FAQ topic(s) whose answer addresses it.

This script reads the model's own classification (`--hooks` adds the server's reading of
greetings and several questions, rasa_server/several_questions.py), per entry kind:
- plain: one question, nothing about a person: the predicted FAQ topic must be one listed;
- person: a question told with a person's symptoms: the topic, or a symptom report (which
  is answered and offered a consultation when it asks);
- two: two questions in one message; greeting: a question inside a greeting or thanks.
It prints accuracy per kind and per topic, the confusions, and the spread of the selector's
confidence for right and wrong answers (how actions/faq_answer.py's thresholds were set).
What the user really receives is checked through the servers by
tests/e2e/test_users_answers.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETS = sorted((ROOT / "tests" / "nlu").glob("users_*.yml"))
MODEL = ROOT / "models" / "mmd-assistant.tar.gz"
OUT = ROOT / "results" / "nlu" / "users_report.json"
MIN_PLAIN_ACCURACY = 0.95
# A language whose goal is not met yet is held to a floor (no regression) and its gap printed:
# Bahasa Indonesia measured 0.763 when it was added (2026-11-28; README "Languages"), 0.878 on
# both Bahasa sets (2026-11-29); the floor leaves room for training noise (two seeds differed by
# 2 points).
# English met its goal (0.967-0.978) until the cheaper NLU configuration and the Bahasa data
# (2026-11-28): 0.944, a regression of 0.02-0.03 that issue 13 must win back; held at 0.93
# meanwhile, and printed as not met on every run.
PLAIN_FLOORS = {"id": 0.8, "en": 0.93}
OFFERING = {"report_symptom", "request_consultation", "ask_diagnosis"}
# Intents whose reply is the same answer as a topic (domain/: utter_bot_challenge is
# the about_assistant answer).
SAME_ANSWER = {"bot_challenge": "faq/about_assistant"}


def load_entries(paths=SETS) -> List[Dict[str, Any]]:
    entries = []
    for path in paths:
        for entry in yaml.safe_load(path.read_text())["questions"]:
            entry = dict(entry, source=path.name, language="id" if path.stem.endswith("_id") else "en")
            entry["kind"] = kind_of(entry)
            entries.append(entry)
    return entries


GREETINGS = ("hi", "hello", "hey", "good morning", "good evening", "thanks", "thank", "cheers", "thx")
GREETINGS_ID = ("halo", "hai", "selamat", "pagi", "permisi", "assalamualaikum", "makasih", "terima kasih")


def kind_of(entry: Dict[str, Any]) -> str:
    if entry.get("second"):
        return "two"
    if entry.get("offer"):
        return "person"
    lowered = entry["text"].lower()
    ends_with_thanks = lowered.rstrip(" .!").endswith(GREETINGS[5:] + GREETINGS_ID[-2:])
    if lowered.startswith(GREETINGS + GREETINGS_ID) or ends_with_thanks:
        return "greeting"
    return "plain"


def predicted_label(parse: Dict[str, Any]) -> str:
    intent = parse["intent"]["name"]
    if intent == "faq":
        response = (parse.get("response_selector", {}).get("faq") or {}).get("response") or {}
        return response.get("intent_response_key") or "faq/?"
    return SAME_ANSWER.get(intent, intent)


def selector_confidence(parse: Dict[str, Any]) -> float:
    response = (parse.get("response_selector", {}).get("faq") or {}).get("response") or {}
    return float(response.get("confidence") or 0.0)


def is_right(entry: Dict[str, Any], label: str) -> bool:
    topics = {f"faq/{topic}" for topic in entry["topics"]}
    if entry["kind"] == "two":
        # Either question may lead: the other is answered after it (`--hooks`, and
        # tests/e2e/test_users_answers.py checks that both are).
        topics |= {f"faq/{topic}" for topic in entry["second"]}
    if entry["kind"] == "person":
        return label in topics or label in OFFERING
    return label in topics


async def parse_all(texts: List[str], hooks: bool, model: Path = MODEL) -> List[Dict[str, Any]]:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # the processor logs every parse at DEBUG otherwise
    if hooks:
        from rasa_server import install_hooks

        install_hooks()
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-alone", action="store_true",
                        help="the model without the server's hooks (by default messages are read as the server does)")
    parser.add_argument("--quiet", action="store_true", help="no list of misses")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    entries = load_entries()
    parses = asyncio.run(parse_all([e["text"] for e in entries], not args.model_alone, args.model))

    by_kind: Dict[str, List[bool]] = defaultdict(list)
    by_topic: Dict[str, List[bool]] = defaultdict(list)
    confusions: Counter = Counter()
    right_conf, wrong_conf = [], []
    misses = []
    for entry, parse in zip(entries, parses, strict=True):
        label = predicted_label(parse)
        right = is_right(entry, label)
        by_kind[f'{entry["language"]}:{entry["kind"]}'].append(right)
        by_topic[entry["topics"][0]].append(right)
        if label.startswith("faq/"):
            (right_conf if right else wrong_conf).append(selector_confidence(parse))
        if not right:
            confusions[(entry["topics"][0], label)] += 1
            misses.append((entry["kind"], entry["topics"][0], label, selector_confidence(parse), entry["text"]))

    report: Dict[str, Any] = {"kinds": {}, "topics": {}}
    print(f"    {'kind':<14}{'right':>7}{'n':>5}{'accuracy':>10}")
    for kind, results in sorted(by_kind.items()):
        accuracy = sum(results) / len(results)
        report["kinds"][kind] = {"accuracy": round(accuracy, 3), "n": len(results)}
        print(f"    {kind:<14}{sum(results):>7}{len(results):>5}{accuracy:>10.3f}")
    print(f"    {'topic':<22}{'recall':>8}{'n':>5}")
    for topic, results in sorted(by_topic.items()):
        report["topics"][topic] = {"recall": round(sum(results) / len(results), 3), "n": len(results)}
        print(f"    {topic:<22}{sum(results) / len(results):>8.2f}{len(results):>5}")
    if right_conf and wrong_conf:
        print(f"    selector confidence: right median {statistics.median(right_conf):.2f} "
              f"(min {min(right_conf):.2f}), wrong median {statistics.median(wrong_conf):.2f} "
              f"(max {max(wrong_conf):.2f})")
    print("    most frequent confusions: " + ", ".join(
        f"{want}->{got} x{count}" for (want, got), count in confusions.most_common(8)))
    if not args.quiet:
        for kind, want, got, confidence, text in misses:
            print(f"    miss [{kind}] {want} -> {got} ({confidence:.2f}): {text}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    met = True
    for language in sorted({entry["language"] for entry in entries}):
        plain = report["kinds"].get(f"{language}:plain", {}).get("accuracy", 0.0)
        floor = PLAIN_FLOORS.get(language)
        print(f"    plain questions written by users ({language}): {plain:.3f} (goal >= {MIN_PLAIN_ACCURACY}"
              + (f"; not met yet, floor {floor})" if floor is not None and plain < MIN_PLAIN_ACCURACY else ")"))
        met = met and plain >= (MIN_PLAIN_ACCURACY if floor is None else floor)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
