"""Runs `rasa data validate` and fails on any warning except two that Rasa 3.6 raises wrongly.

1. "duplicated intents ... across multiple domain files: faq": Rasa merges the domain with
   a domain it derives from the retrieval intents in the NLU data and reports its own merge
   as a duplicate whenever a retrieval intent is (correctly) listed in domain/.
2. "The utterance 'utter_X' is not used in any story or rule" for a response that *is*
   used, by a form (`utter_ask_<slot>`), by a custom action (`response="utter_X"` in
   actions/), by the staff console (through Rasa's HTTP API, console/) or by the Rasa
   server's fallbacks when the action server fails (rasa_server/). Rasa's validator
   only looks at stories and rules.
3. "The intent 'X' is listed in the domain file, but is not found in the NLU training
   data" for an intent no classifier is trained on by design (spacy_pipeline/intents.py,
   `WITHOUT_TRAINING_EXAMPLES`): set by the safety net or the language detector, or sent
   only by the booking form's buttons.

Everything else, including an utterance that nothing uses, fails the check.

`--reuse` (make check) skips Rasa's run when every file it and this filter read (config,
domain, data, actions, common, console, rasa_server, spacy_pipeline, this script) and the Rasa
version are byte for byte those of the last run that passed (var/validate.ok holds their
fingerprint); `make validate` and `make test` always run it.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common.domain import load_domain  # noqa: E402
from spacy_pipeline.intents import WITHOUT_TRAINING_EXAMPLES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WARNING = re.compile(r"UserWarning: (.*?)(?:\n\s*More info at|\n\S|\Z)", re.S)
UNUSED_UTTERANCE = re.compile(r"The utterance '(utter_[\w/]+)' is not used in any story or rule")
INTENT_WITHOUT_EXAMPLES = re.compile(
    r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data"
)
RETRIEVAL_DUPLICATE = re.compile(
    r"The following duplicated intents have been found across multiple domain files: (.+)"
)


def responses_used_outside_stories() -> set[str]:
    domain = load_domain()
    used: set[str] = set()
    for form in domain.get("forms", {}).values():
        used.update(f"utter_ask_{slot}" for slot in form.get("required_slots", []))
    sources = [*(ROOT / "actions").rglob("*.py"), *(ROOT / "console").rglob("*.py"),
               *(ROOT / "rasa_server").rglob("*.py")]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        used.update(re.findall(r"\"(utter_\w+)\"", text))
        # utter_invalid_<slot> responses are chosen by slot name in validation_base.py.
        # actions/faq_answer.py utters the retrieval responses as f"utter_{FAQ}/{topic}".
        if 'f"utter_{FAQ}/{topic}"' in text:
            used.update(f"utter_{intent}" for intent in retrieval_intents())
        if "utter_invalid_{slot_name}" in text:
            used.update(f"utter_invalid_{slot}" for form in domain.get("forms", {}).values()
                        for slot in form.get("required_slots", []))
    return used


def retrieval_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "data").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            name = block.get("intent", "")
            if "/" in name:
                intents.add(name.split("/")[0])
    return intents


PASSED_STAMP = ROOT / "var" / "validate.ok"
FINGERPRINTED = ("config.yml", "domain", "data", "actions", "common", "console", "rasa_server", "spacy_pipeline",
                 "scripts/validate_data.py")


def inputs_fingerprint() -> str:
    """A hash of every file Rasa's validator and this filter read, and of the Rasa version."""
    digest = hashlib.sha256(f"rasa {importlib.metadata.version('rasa')} {sys.version}\n".encode())
    for name in FINGERPRINTED:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for file in files:
            digest.update(f"{file.relative_to(ROOT)}\0".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="skip Rasa's run if nothing it reads changed since the last run that passed")
    args = parser.parse_args(argv)
    fingerprint = inputs_fingerprint()
    if args.reuse and PASSED_STAMP.exists() and PASSED_STAMP.read_text(encoding="utf-8").strip() == fingerprint:
        print("    data valid, no warnings (nothing it reads changed since the last run that passed)")
        return 0
    PASSED_STAMP.unlink(missing_ok=True)
    completed = subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "data", "validate", "--domain", "domain", "--max-history", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    output = completed.stdout + completed.stderr
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var/validate.log").write_text(output, encoding="utf-8")
    used = responses_used_outside_stories()
    known_retrieval = retrieval_intents()
    problems = []
    for message in (m.strip() for m in WARNING.findall(output)):
        unused = UNUSED_UTTERANCE.search(message)
        if unused and unused.group(1) in used:
            continue
        without_examples = INTENT_WITHOUT_EXAMPLES.search(message)
        if without_examples and without_examples.group(1) in WITHOUT_TRAINING_EXAMPLES:
            continue
        duplicate = RETRIEVAL_DUPLICATE.search(message)
        if duplicate and {d.strip() for d in duplicate.group(1).split(",")} <= known_retrieval:
            continue
        problems.append(message)
    if completed.returncode != 0 and not problems:
        problems.append(f"rasa data validate exited {completed.returncode}; see var/validate.log")
    for problem in problems:
        print(f"    warning: {problem}")
    if problems:
        print(f"    {len(problems)} data warning(s): fix them (full log: var/validate.log)")
        return 1
    print("    data valid, no warnings")
    PASSED_STAMP.write_text(fingerprint + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
