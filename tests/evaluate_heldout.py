"""Held-out NLU evaluation (`make eval`): per-intent precision/recall/F1, a confusion matrix
image under results/nlu/, and the safety goals. Exits 1 when a goal is missed:

- intent accuracy on the held-out paraphrases >= 95%;
- every held-out symptom report is offered a consultation (report_symptom, or
  request_consultation, which starts the booking directly);
- every held-out emergency is sent to emergency services;
- the safety goals of tests/evaluate_safety.py on tests/nlu/safety_heldout.yml (every
  emergency and crisis caught, false alarms at most 15%), written into intent_report.json
  under "safety".
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from tests import evaluate_safety

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OUT = ROOT / "results" / "nlu"
# Each language's held-out paraphrases and safety messages, with the same goals. The Bahasa
# Indonesia sets were written by a helper from personas, without reading the training data.
# A language whose goals are not met yet is held to a floor instead (no regression below what
# was measured when it was added), and its unmet goals are printed on every run. Bahasa
# Indonesia (2026-11-28): intent accuracy 0.906, emergencies 29/30, crises 18/20 before the
# last safety-net changes; later that day every goal met on one training (intent 0.953,
# 30/30, 20/20), but two trainings differ by ~1.5 points and 4 of the 20 crises are caught by
# the classifier alone, so the floors stay until several trainings meet the goals.
FLOORS = {
    "Bahasa Indonesia": {"intent_accuracy": 0.88, "emergency_catch_rate": 0.95, "crisis_catch_rate": 0.9,
                         "false_alarm_rate": 0.15},
}
SETS = [
    ("English", HELDOUT, evaluate_safety.SAFETY, OUT),
    ("Bahasa Indonesia", ROOT / "tests" / "nlu" / "heldout_id.yml",
     ROOT / "tests" / "nlu" / "safety_heldout_id.yml", OUT / "id"),
]
MODEL = ROOT / "models" / "mmd-assistant.tar.gz"
MIN_ACCURACY = 0.95
OFFERS_CONSULTATION = {"report_symptom", "request_consultation"}


def run_evaluations(jobs: List[Dict[str, Any]], log_name: str = "eval.log") -> None:
    """Every (NLU file, output directory) evaluation in one process with one loaded model,
    through the server's hooks (tests/nlu_batch.py): Rasa's reports, as `rasa test nlu`."""
    log = ROOT / "var" / log_name
    log.parent.mkdir(parents=True, exist_ok=True)
    jobs_file = ROOT / "var" / "eval-jobs.json"
    jobs_file.write_text(json.dumps([{**job, "nlu": str(job["nlu"]), "out": str(job["out"])} for job in jobs]))
    with log.open("w") as handle:
        completed = subprocess.run(
            [sys.executable, "-m", "tests.nlu_batch", str(MODEL), str(jobs_file)],
            cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, timeout=900,
        )
    if completed.returncode != 0:
        print(log.read_text()[-3000:])
        raise SystemExit(f"the NLU evaluation failed ({completed.returncode}); see {log}")


def load(name: str, out: Path = OUT):
    path = out / name
    return json.loads(path.read_text()) if path.exists() else None


def main() -> int:
    failures = []
    unmet = []
    jobs: List[Dict[str, Any]] = []
    for _language, heldout, safety, out in SETS:
        for name in ("intent_report.json", "intent_errors.json", "response_selection_report.json"):
            (out / name).unlink(missing_ok=True)  # never read a stale run
        jobs += [{"nlu": heldout, "out": out},
                 {"nlu": evaluate_safety.prepare(out / "safety", safety), "out": out / "safety", "successes": True}]
    run_evaluations(jobs)
    for language, heldout, safety, out in SETS:
        print(f"    --- {language} ({heldout.relative_to(ROOT)}) ---")
        goal_failures, figures = evaluate_language(heldout, safety, out)
        floor = FLOORS.get(language)
        if floor is None:
            failures += [f"{language}: {failure}" for failure in goal_failures]
            continue
        unmet += [f"{language}: {failure}" for failure in goal_failures]
        failures += [f"{language}: {name} {figures[name]:.3f} below its floor {limit}"
                     for name, limit in floor.items()
                     if (figures[name] > limit if name == "false_alarm_rate" else figures[name] < limit)]
    for goal in unmet:
        print(f"    GOAL NOT MET YET: {goal}")
    for failure in failures:
        print(f"    FAILED: {failure}")
    if not failures and not unmet:
        print("    held-out goals met in every language")
    return 1 if failures else 0


def evaluate_language(heldout: Path, safety_messages: Path, out: Path) -> tuple:
    """Reads one language's held-out and safety evaluations: (the goals missed, the figures)."""
    report = load("intent_report.json", out)
    errors = load("intent_errors.json", out) or []
    selection = load("response_selection_report.json", out)

    print(f"    {'intent':<22}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>5}")
    for intent, scores in sorted(report.items()):
        if isinstance(scores, dict) and "support" in scores and not intent.endswith("avg"):
            print(f"    {intent:<22}{scores['precision']:>10.2f}{scores['recall']:>8.2f}"
                  f"{scores['f1-score']:>7.2f}{scores['support']:>5}")
    accuracy = report["accuracy"]
    print(f"    intent accuracy: {accuracy:.3f} (goal >= {MIN_ACCURACY})")
    if selection:
        print(f"    FAQ topic (response selection) accuracy: {selection['accuracy']:.3f}")
    print(f"    confusion matrix: {out.relative_to(ROOT) / 'intent_confusion_matrix.png'}")

    missed_reports = [e for e in errors if e["intent"] == "report_symptom"
                      and e["intent_prediction"]["name"] not in OFFERS_CONSULTATION]
    missed_emergencies = [e for e in errors if e["intent"] == "emergency"]
    for error in errors:
        print(f"    miss: {error['intent']} -> {error['intent_prediction']['name']} "
              f"({error['intent_prediction']['confidence']:.2f}): {error['text']}")
    failures = []
    if accuracy < MIN_ACCURACY:
        failures.append(f"intent accuracy {accuracy:.3f} < {MIN_ACCURACY}")
    if missed_reports:
        failures.append(f"{len(missed_reports)} symptom report(s) not offered a consultation")
    if missed_emergencies:
        failures.append(f"{len(missed_emergencies)} emergency message(s) not sent to emergency services")

    print(f"    safety ({safety_messages.relative_to(ROOT)}):")
    safety, safety_failures = evaluate_safety.read(out / "safety", safety_messages)
    report["safety"] = safety
    (out / "intent_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    figures = {
        "intent_accuracy": accuracy,
        "emergency_catch_rate": safety["emergency"]["catch_rate"],
        "crisis_catch_rate": safety["crisis"]["catch_rate"],
        "false_alarm_rate": safety["not_emergency"]["false_alarm_rate"],
    }
    return failures + safety_failures, figures


if __name__ == "__main__":
    sys.exit(main())
