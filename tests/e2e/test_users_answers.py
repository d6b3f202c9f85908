"""Answer-level check: does what the user receives address what they asked?

The questions are tests/nlu/users_*.yml, written by helper sessions from personas without
reading the training data (never trained on). Each message is sent in a new conversation
through the REST channel of the real servers, and the replies must contain:
- the answer of one of the entry's topics (its text as in domain/);
- for two questions in one message, an answer for the second too;
- for a message that describes a person's own movements, the consultation offer;
and never an emergency alarm (none of these messages is one).
The score per kind and every miss go to results/users_answers.md.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

import pytest

from common.domain import load_domain, variation_language
from tests.e2e.chat import Chat, payloads, texts
from tests.evaluate_users import load_entries

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "results" / "users_answers.md"
MIN_ANSWER_LEVEL = 0.90
# Bahasa Indonesia's goal is the same: 0.61, then 0.82, then 0.92-0.93 on both Bahasa sets
# (2026-11-29; the second set, written by a helper who read only facts.md, scored 0.750 on its
# first run). Held to a floor below the goal, as two trainings differ by a few points.
ANSWER_LEVEL_FLOORS = {"id": 0.8}
OFFER = "/request_consultation"


def _words(text: str) -> str:
    return " ".join(re.sub(r"\{[^}]*\}", "", text).split())


@pytest.fixture(scope="module")
def answer_openings() -> Dict[str, Dict[str, str]]:
    """Language -> topic -> the first 60 characters of its answer, as the user sees it."""
    openings: Dict[str, Dict[str, str]] = defaultdict(dict)
    for name, variants in load_domain()["responses"].items():
        if name.startswith("utter_faq/"):
            for variant in variants:
                language = variation_language(variant) or "en"
                openings[language].setdefault(name.split("/", 1)[1], _words(variant["text"])[:60])
    return openings


def judge(entry: Dict[str, Any], replies: List[Dict[str, Any]], all_openings: Dict[str, Dict[str, str]]) -> List[str]:
    said = _words(texts(replies))
    # An answer in the user's language (tests/nlu/users_id.yml is written in Bahasa Indonesia).
    openings = all_openings[entry.get("language", "en")]
    problems = []
    if not any(openings[topic] in said for topic in entry["topics"]):
        problems.append(f"no answer for {'/'.join(entry['topics'])}")
    if entry.get("second") and not any(openings[topic] in said for topic in entry["second"]):
        problems.append(f"no answer for the second question ({'/'.join(entry['second'])})")
    if entry.get("offer") and OFFER not in payloads(replies):
        problems.append("no consultation offer")
    if "\N{POLICE CARS REVOLVING LIGHT}" in said:
        problems.append("an emergency alarm")
    return problems


def test_realistic_questions_get_replies_that_address_them(stack, answer_openings):
    entries = load_entries()
    results: Dict[str, List[bool]] = defaultdict(list)
    misses = []
    for number, entry in enumerate(entries):
        replies = Chat(stack.rasa_url, sender=f"users-{number}").say(entry["text"])
        problems = judge(entry, replies, answer_openings)
        results[f'{entry["language"]}:{entry["kind"]}'].append(not problems)
        if problems:
            got = " | ".join(_words(r.get("text", ""))[:70] for r in replies)
            misses.append(f"- [{entry['kind']}] {entry['text']!r}: {'; '.join(problems)}. Got: {got}")
    total = [ok for oks in results.values() for ok in oks]
    score = sum(total) / len(total)
    lines = ["# Answer-level check on questions written by users (tests/nlu/users_*.yml)", "",
             "| kind | addressed | n | share |", "|---|---|---|---|"]
    lines += [f"| {kind} | {sum(oks)} | {len(oks)} | {sum(oks) / len(oks):.3f} |"
              for kind, oks in sorted(results.items())]
    lines += [f"| all | {sum(total)} | {len(total)} | {score:.3f} |", "", "## Misses", "", *misses, ""]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines))
    below = []
    for language in sorted({entry["language"] for entry in entries}):
        oks = [ok for kind, values in results.items() if kind.startswith(f"{language}:") for ok in values]
        level = sum(oks) / len(oks)
        floor = ANSWER_LEVEL_FLOORS.get(language, MIN_ANSWER_LEVEL)
        print(f"\n    answer level ({language}): {level:.3f} of {len(oks)} realistic questions addressed "
              f"(goal {MIN_ANSWER_LEVEL}{'' if floor == MIN_ANSWER_LEVEL else f', floor {floor}'}; {REPORT.name})")
        if level < floor:
            below.append(f"{language}: {level:.3f} < {floor}")
    assert not below, "\n".join(below + misses)
