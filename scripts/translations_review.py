"""Write docs/translations-id.md: every response of domain/ with its English variations next to
their Bahasa Indonesia twins, for a clinician to review the translation.

Each response variation in English (no `language` condition, or `language: en`) has a twin with
the same other conditions plus `language: id` (tests/unit/test_translations.py checks this). An
unconditioned English default whose siblings are conditioned (utter_greet, utter_start_booking,
utter_ask_patient_age) has its twin pinned to the sibling slots' "default" values instead
(e.g. `returning_user = false`), because Rasa chooses at random among all matching conditional
variations and an Indonesian default with only `language: id` would compete with the specific ones.

    python scripts/translations_review.py          # (re)write docs/translations-id.md
    python scripts/translations_review.py --check  # exit 1 if the file is out of date
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common.domain import variation_language  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_DIR = ROOT / "domain"
OUTPUT = ROOT / "docs" / "translations-id.md"
# The files of the assistant's replies first, in the order a conversation meets them.
FIRST = ["answers.yml", "booking.yml", "after_booking.yml", "human_handoff.yml", "safety.yml"]

Variation = Dict[str, Any]


def other_conditions(variation: Variation) -> Tuple[Tuple[str, Any], ...]:
    return tuple((c["name"], c["value"]) for c in variation.get("condition") or []
                 if c.get("name") != "language")


def pair_variations(variations: List[Variation]) -> List[Tuple[Variation, List[Variation]]]:
    """Each English variation with its Indonesian twin(s), in file order; Indonesian variations
    that twin nothing are paired with an empty English side (None is not used: a dict {})."""
    english = [v for v in variations if variation_language(v) != "id"]
    indonesian = [v for v in variations if variation_language(v) == "id"]
    twins: Dict[int, List[Variation]] = {id(v): [] for v in english}
    orphans: List[Variation] = []
    for twin in indonesian:
        key = (twin.get("channel"), other_conditions(twin))
        exact = [v for v in english if (v.get("channel"), other_conditions(v)) == key]
        # A guarded twin of an unconditioned default: same channel, no exact English match.
        default = [v for v in english if v.get("channel") == twin.get("channel") and not v.get("condition")]
        match = exact or default
        if match:
            free = [v for v in match if not twins[id(v)]]
            twins[id((free or match)[0])].append(twin)
        else:
            orphans.append(twin)
    pairs = [(v, twins[id(v)]) for v in english]
    pairs += [({}, [orphan]) for orphan in orphans]
    return pairs


def _cell(text: str) -> str:
    """One table cell: a literal block's line breaks as <br>, pipes escaped."""
    return "<br>".join(line.rstrip() for line in str(text).strip().split("\n")).replace("|", "\\|")


def _value(value: Any) -> str:
    return {True: "true", False: "false", None: "null"}.get(value, str(value)) \
        if isinstance(value, (bool, type(None))) else str(value)


def _conditions(variation: Variation, with_language: bool = False) -> str:
    parts = [f"{name} = {_value(value)}" for name, value in other_conditions(variation)]
    if with_language and variation_language(variation):
        parts.append(f"language = {variation_language(variation)}")
    if variation.get("channel"):
        parts.append(f"channel = {variation['channel']}")
    return ", ".join(parts) or "(default)"


def _buttons(variation: Variation) -> str:
    return "<br>".join(f"{_cell(b.get('title', ''))} → `{b.get('payload', '')}`"
                       for b in variation.get("buttons") or []) or "–"


def _custom(variation: Variation) -> str:
    custom = variation.get("custom")
    return f"`{yaml.safe_dump(custom, default_flow_style=True).strip()}`" if custom else ""


def domain_files(directory: Path = DOMAIN_DIR) -> List[Path]:
    paths = sorted(directory.glob("*.yml"), key=lambda p: (p.name not in FIRST,
                                                           FIRST.index(p.name) if p.name in FIRST else 0, p.name))
    return [p for p in paths if (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("responses")]


def render(directory: Path = DOMAIN_DIR) -> str:
    files = [(p.name, yaml.safe_load(p.read_text(encoding="utf-8"))["responses"]) for p in domain_files(directory)]
    all_names = {name for _, responses in files for name in responses}
    count_responses = count_pairs = count_missing = 0
    body: List[str] = []
    for filename, responses in files:
        body += [f"## {filename}", ""]
        seen: Dict[int, str] = {}
        for name, variations in responses.items():
            body += [f"### {name}", ""]
            if id(variations) in seen:
                body += [f"Same variations as `{seen[id(variations)]}` (a YAML alias): see there.", ""]
                continue
            seen[id(variations)] = name
            if name.endswith("_id") and name[:-3] in all_names:
                body += [f"Vetted Bahasa Indonesia text, used as the Indonesian variation of `{name[:-3]}`:", ""]
                for variation in variations:
                    body += [f"> {_cell(variation.get('text', ''))}", ""]
                    if variation.get("buttons"):
                        body += [f"Buttons: {_buttons(variation)}", ""]
                continue
            count_responses += 1
            for english, twins in pair_variations(variations):
                if not twins:
                    count_missing += 1
                    body += ["**No Indonesian variation** (conditions: "
                             f"{_conditions(english, True)}):", "", f"> {_cell(english.get('text', ''))}", ""]
                    continue
                for twin in twins:
                    count_pairs += 1
                    body += [
                        "| | English | Bahasa Indonesia |",
                        "|---|---|---|",
                        f"| Conditions | {_conditions(english) if english else '–'} | {_conditions(twin)} |",
                        f"| Text | {_cell(english.get('text', '')) if english else '–'} "
                        f"| {_cell(twin.get('text', ''))} |",
                    ]
                    if english.get("buttons") or twin.get("buttons"):
                        body.append(f"| Buttons (title → payload) | {_buttons(english)} | {_buttons(twin)} |")
                    vetted = next((f"{name}_id" for _, rs in files if f"{name}_id" in rs
                                   and rs[f"{name}_id"][0].get("text") == twin.get("text")), None)
                    if vetted:
                        body.append(f"| Note | | The vetted text of `{vetted}`, copied as it is. |")
                    if english.get("custom") or twin.get("custom"):
                        body.append(f"| Custom | {_custom(english)} | {_custom(twin)} |")
                    body.append("")
    head = [
        "# Bahasa Indonesia translations: review file",
        "",
        "Generated by `scripts/translations_review.py` from `domain/*.yml`: do not edit by hand; edit the",
        "domain and run the script again (`--check` tells whether this file is up to date).",
        "",
        "Each table is one English response variation beside its Indonesian twin. The twin is chosen",
        "when the `language` slot is `id`; the English one when it is `en` (the default). Conditions",
        "list the other slots a variation depends on (\"(default)\": none). Button payloads are what the",
        "assistant reads, so they stay the same in both languages; only the titles are translated.",
        "Medical answers follow `shared/content/facts.md`; source names after \"Sumber\" stay as in English",
        "(a clinician traces them), except the consumer article, named in Bahasa.",
        "",
        f"{count_responses} responses, {count_pairs} English/Indonesian pairs, "
        f"{count_missing} English variations without an Indonesian twin.",
        "",
    ]
    return "\n".join(head + body).rstrip("\n") + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/translations-id.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python scripts/translations_review.py",
                  file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
