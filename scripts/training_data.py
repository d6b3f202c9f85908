"""`make training-data`: the staff console's inbox decisions as Rasa NLU training examples.

Reads the decisions not yet written from the console database (CONSOLE_DB_URL, default
var/console.db) and merges them into data/nlu/staff_corrections.yml (Rasa 3.x NLU YAML,
grouped by intent, `faq/<topic>` for FAQ topics, "out of scope" under the domain's
out_of_scope intent). A developer reviews that file, commits it and retrains (`make train`).

Personal data never reaches the file: an answer to a personal question of the booking form is
skipped, personal values given in the conversation and what the patterns find (emails, phone
numbers, "my name is …") are removed, and a message that is mostly personal data is skipped.
An example already in data/nlu (case and spacing aside) is skipped, as is one from the held-out
evaluation sets (tests/nlu); one labelled otherwise in a hand-written file is reported, not
written. Every decision read is marked written (exported_at, export_result), whatever the outcome.

    python scripts/training_data.py [--dry-run] [--output FILE] [--nlu-dir DIR]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common.db import default_db_url  # noqa: E402
from console.db import engine_for  # noqa: E402
from console.inbox import FAQ, NOT_LABELS, DomainInfo, read_domain  # noqa: E402
from console.redaction import REDACTED, redact_patterns  # noqa: E402
from console.tables import corrections  # noqa: E402

OUTPUT = ROOT / "data" / "nlu" / "staff_corrections.yml"
HEADER = """\
# Written by `make training-data` (scripts/training_data.py) from the staff console's
# needs-attention inbox: messages staff confirmed, corrected or marked out of scope, personal
# data removed. Review, commit, then retrain (`make train`). Running it again merges new
# decisions into this file (comments here are not kept).
"""
# A message whose personal data is this share of its text or more is skipped, not trimmed.
MOSTLY_PERSONAL = 0.5
MIN_WORDS = 2
MAX_LENGTH = 500
# Rasa reads "[x](y)", "[x]{…}" and "[x][…]" in an example as entity markup.
ENTITY_MARKUP = re.compile(r"\[[^\]]+\][({\[]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ud800-\udfff]")


def normal(text: str) -> str:
    """How examples are compared: case and spacing aside, entity markup read as its text."""
    plain = re.sub(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])", r"\1", text)
    return " ".join(plain.casefold().split())


def read_examples(path: Path) -> Dict[str, List[str]]:
    """An NLU file's examples by intent, as written (markup kept), in file order."""
    found: Dict[str, List[str]] = {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        examples = found.setdefault(str(block["intent"]), [])
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(line[2:].strip())
    return found


def known_examples(directory: Path, skip: Optional[Path] = None) -> Dict[str, Tuple[str, str]]:
    """Every example in the directory's YAML files: normalised text -> (intent, file name)."""
    known: Dict[str, Tuple[str, str]] = {}
    if not directory.is_dir():
        return known
    for path in sorted(directory.rglob("*.yml")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        for intent, examples in read_examples(path).items():
            for example in examples:
                known.setdefault(normal(example), (intent, path.name))
    return known


def target_intent(row: Dict, domain: DomainInfo) -> Tuple[Optional[str], str]:
    """The intent a decision's example goes under, else (None, why not)."""
    if row["verdict"] == "out_of_scope":
        if domain.out_of_scope_intent is None:
            return None, "no out-of-scope intent in domain/"
        return domain.out_of_scope_intent, ""
    intent = row["intent"]
    if intent == FAQ:
        topic = row["topic"] or ""
        if topic not in domain.topics:
            return None, f"FAQ topic {topic or '(none)'} has no utter_{FAQ}/<topic> response in domain/"
        return topic, ""
    if intent not in domain.intents:
        return None, f"intent {intent} is not in domain/"
    if intent in NOT_LABELS:
        return None, f"{intent} is never a training label"
    return intent, ""


def clean_example(row: Dict) -> Tuple[Optional[str], str]:
    """The example text with personal data removed, else (None, why it is skipped)."""
    if row["example"] is None:
        return None, "personal"  # the answer to a personal question of the booking form
    original = " ".join(CONTROL.sub(" ", row["text"] or "").split())
    if original.startswith("/"):
        return None, "payload"  # a button's payload, not something a user typed
    redacted = redact_patterns(CONTROL.sub(" ", row["example"]))
    kept = " ".join(redacted.replace(REDACTED, " ").split())
    if REDACTED in redacted and (len(kept) < (1 - MOSTLY_PERSONAL) * max(1, len(original))
                                 or len(kept.split()) < MIN_WORDS):
        return None, "personal"  # mostly personal data
    if not kept:
        return None, "empty"
    if len(kept) > MAX_LENGTH:
        return None, "too-long"
    if ENTITY_MARKUP.search(kept):
        return None, "markup"
    return kept, ""


def render(examples: Dict[str, List[str]]) -> str:
    lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    for intent in sorted(examples):
        if not examples[intent]:
            continue
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in examples[intent]]
    return "\n".join(lines) + "\n"


@dataclass
class Outcome:
    correction_id: int
    result: str  # written | moved | duplicate | conflict | held-out | personal | payload | ...
    message: str


def export(console_url: str, output: Path, nlu_dir: Path, heldout_dir: Path, domain: DomainInfo,
           dry_run: bool = False, now: Optional[float] = None) -> List[Outcome]:
    engine = engine_for(console_url)
    try:
        if not sa.inspect(engine).has_table(corrections.name):
            return []
        with engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(
                sa.select(corrections).where(corrections.c.exported_at.is_(None))
                .order_by(corrections.c.at, corrections.c.id)).mappings()]
        if not rows:
            return []
        staff = read_examples(output) if output.exists() else {}
        hand_written = known_examples(nlu_dir, skip=output)
        heldout = known_examples(heldout_dir)
        ours = {normal(example): intent for intent, examples in staff.items() for example in examples}
        outcomes: List[Outcome] = []
        changed = False
        for row in rows:
            intent, why = target_intent(row, domain)
            if intent is None:
                outcomes.append(Outcome(row["id"], "not-trainable", f"#{row['id']} skipped: {why}"))
                continue
            example, why = clean_example(row)
            if example is None:
                reasons = {"personal": "mostly personal data (or the answer to a personal question)",
                           "payload": "a button payload, not typed text", "empty": "nothing left to learn from",
                           "too-long": f"longer than {MAX_LENGTH} characters",
                           "markup": "it looks like entity markup to Rasa"}
                outcomes.append(Outcome(row["id"], why, f"#{row['id']} {intent}: skipped, {reasons[why]}"))
                continue
            key = normal(example)
            if key in hand_written:
                other, name = hand_written[key]
                if other == intent:
                    outcomes.append(Outcome(row["id"], "duplicate",
                                            f"#{row['id']} {intent}: skipped, already in {name}: {example!r}"))
                else:
                    outcomes.append(Outcome(row["id"], "conflict", (
                        f"#{row['id']} {intent}: skipped, {name} has it as {other}: {example!r} "
                        f"(change {name} by hand if staff are right)")))
                continue
            if key in heldout:
                outcomes.append(Outcome(row["id"], "held-out", (
                    f"#{row['id']} {intent}: skipped, in the held-out test set {heldout[key][1]}: {example!r}")))
                continue
            if ours.get(key) == intent:
                outcomes.append(Outcome(row["id"], "duplicate",
                                        f"#{row['id']} {intent}: skipped, already in {output.name}: {example!r}"))
                continue
            result, note = "written", ""
            if key in ours:  # a later decision on the same words wins over an earlier one
                previous = ours[key]
                staff[previous] = [e for e in staff[previous] if normal(e) != key]
                result, note = "moved", f" (moved from {previous})"
            staff.setdefault(intent, []).append(example)
            ours[key] = intent
            changed = True
            outcomes.append(Outcome(row["id"], result, f"#{row['id']} {intent}: {example!r}{note}"))
        if dry_run:
            return outcomes
        if changed:
            text = render(staff)
            if read_examples_from_text(text) != {k: v for k, v in staff.items() if v}:
                raise RuntimeError("the YAML written would not read back as the examples; nothing written")
            output.parent.mkdir(parents=True, exist_ok=True)
            temporary = output.with_suffix(".yml.tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(output)
        stamp = now or time.time()
        with engine.begin() as connection:
            for outcome in outcomes:
                connection.execute(corrections.update().where(corrections.c.id == outcome.correction_id)
                                   .values(exported_at=stamp, export_result=outcome.result))
        return outcomes
    finally:
        engine.dispose()


def read_examples_from_text(text: str) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for block in (yaml.safe_load(text) or {}).get("nlu") or []:
        found[block["intent"]] = [line.strip()[2:].strip() for line in block["examples"].splitlines()
                                  if line.strip().startswith("- ")]
    return found


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--nlu-dir", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--heldout-dir", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument("--domain", type=Path, default=ROOT / "domain")
    parser.add_argument("--dry-run", action="store_true", help="print what would be written; change nothing")
    args = parser.parse_args(argv)
    console_url = os.environ.get("CONSOLE_DB_URL") or default_db_url("CONSOLE_DB_URL")
    outcomes = export(console_url, args.output, args.nlu_dir, args.heldout_dir, read_domain(args.domain),
                      dry_run=args.dry_run)
    if not outcomes:
        print("    no staff decisions waiting: nothing to write")
        return 0
    written = [o for o in outcomes if o.result in ("written", "moved")]
    for outcome in outcomes:
        print(f"    {'+' if outcome in written else '-'} {outcome.message}")
    try:
        shown = args.output.resolve().relative_to(ROOT)
    except ValueError:
        shown = args.output
    verb = "would write" if args.dry_run else "wrote"
    print(f"    {verb} {len(written)} example(s) to {shown}, skipped {len(outcomes) - len(written)}")
    if written and not args.dry_run:
        print(f"    review {shown}, commit it, then retrain: make train")
    return 0


if __name__ == "__main__":
    sys.exit(main())
