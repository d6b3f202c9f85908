"""Every reply of the assistant has a Bahasa Indonesia twin that Rasa picks when the `language`
slot is `id`: same other conditions, same buttons' payloads, placeholders, source names and
numbers (emergency numbers above all). docs/translations-id.md shows the pairs for review."""
from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import yaml

from common.language import detect

ROOT = Path(__file__).resolve().parents[2]
FILES = ["answers.yml", "booking.yml", "after_booking.yml", "human_handoff.yml", "safety.yml"]


def file_responses() -> Dict[str, List[Dict[str, Any]]]:
    responses: Dict[str, List[Dict[str, Any]]] = {}
    for name in FILES:
        responses.update(yaml.safe_load((ROOT / "domain" / name).read_text(encoding="utf-8"))["responses"])
    return responses


RESPONSES = file_responses()
# The vetted Bahasa emergency and crisis texts (safety.yml): Indonesian already, and copied as
# they are into their base response's Indonesian variation.
VETTED = {name[:-3]: name for name in RESPONSES if name.endswith("_id") and name[:-3] in RESPONSES}
CHECKED = sorted(name for name in RESPONSES if name not in VETTED.values())


def language(variation) -> Optional[str]:
    values = [c["value"] for c in variation.get("condition") or [] if c["name"] == "language"]
    assert len(values) <= 1, variation
    return values[0] if values else None


def others(variation) -> Tuple[Tuple[str, Any], ...]:
    return tuple(sorted(((c["name"], c["value"]) for c in variation.get("condition") or []
                         if c["name"] != "language"), key=repr))


def pairs(name) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """(English, Indonesian) pairs; fails if a variation has no twin or a twin has no English."""
    variations = RESPONSES[name]
    english = [v for v in variations if language(v) != "id"]
    twins = [v for v in variations if language(v) == "id"]
    conditioned = {others(v) for v in english if v.get("condition")}
    found = []
    for en in english:
        same = [t for t in twins if t.get("channel") == en.get("channel") and others(t) == others(en)]
        if not en.get("condition") and conditioned:
            # The twin of a default with conditioned siblings is pinned to the siblings' other
            # values (a guard), so that it never competes with their twins.
            same = [t for t in twins if t.get("channel") == en.get("channel") and others(t) not in conditioned
                    and {k for k, _ in others(t)} <= {k for c in conditioned for k, _ in c}]
        assert same, f"{name}: no Indonesian twin for {en.get('text')!r}"
        found += [(en, t) for t in same]
    assert sorted(map(id, twins)) == sorted({id(t) for _, t in found}), f"{name}: an Indonesian variation twins nothing"
    assert len({id(t) for _, t in found}) == len(found), f"{name}: a twin paired twice"
    return found


def _pair_count(name) -> int:
    try:
        return len(pairs(name))
    except AssertionError:  # reported by test_every_english_variation_has_an_indonesian_twin
        return 0


ALL_PAIRS = [(name, i) for name in CHECKED for i in range(_pair_count(name))]


def placeholders(text: str) -> List[str]:
    return sorted(re.findall(r"\{(\w+)\}", text))


def numbers(text: str) -> List[str]:
    """Numbers with their thousands separators dropped: 1,000,000 (English) = 1.000.000 (Indonesian)."""
    return sorted(re.sub(r"[.,]", "", n) for n in re.findall(r"\d+(?:[.,]\d{3})*", text))


# Source names stay as facts.md's references name them, so a clinician can trace them; the one
# that is a description, not a title, is said in Bahasa (a Bahasa reader saw "consumer article").
SOURCE_NAMES_ID = {"artikel kesehatan untuk umum (Mei 2025)": "consumer article (May 2025)"}


def sources(text: str, word: str) -> List[str]:
    match = re.search(rf"\b{word}: (.+?)\.?$", " ".join(text.split()))
    names = [s.strip() for s in match.group(1).split(";")] if match else []
    return [SOURCE_NAMES_ID.get(name, name) for name in names]


def test_the_five_files_hold_the_responses_checked():
    assert len(CHECKED) >= 100 and set(VETTED) >= {"utter_emergency", "utter_crisis"}


@pytest.mark.parametrize("name", CHECKED)
def test_every_english_variation_has_an_indonesian_twin(name):
    for variation in RESPONSES[name]:
        # Conditioned English variations carry `language: en` (else they would match Indonesian
        # users too); unconditioned ones are the English default and carry no condition at all.
        if language(variation) != "id" and variation.get("condition"):
            assert language(variation) == "en", f"{name}: {variation.get('text')!r}"
    assert pairs(name)


@pytest.mark.parametrize("name,index", ALL_PAIRS)
def test_the_twin_keeps_what_the_assistant_reads(name, index):
    en, id_ = pairs(name)[index]
    en_payloads = [b["payload"] for b in en.get("buttons") or []]
    id_payloads = [b["payload"] for b in id_.get("buttons") or []]
    assert len(en_payloads) == len(id_payloads)
    for en_payload, id_payload in zip(en_payloads, id_payloads, strict=True):
        if en_payload.startswith("/"):
            assert id_payload == en_payload  # an intent: the same in both languages
        else:
            # A typed question or answer ("Apa itu MMD?", "ubah umur"): in Indonesian, so pressing
            # it keeps the conversation in Bahasa (spacy_pipeline/language.py reads it).
            assert detect(id_payload) != "en", id_payload
    assert all(b.get("title") for b in id_.get("buttons") or [])
    assert en.get("custom") == id_.get("custom") and en.get("channel") == id_.get("channel")
    en_text, id_text = en["text"], id_["text"]
    en_titles = " ".join(b["title"] for b in en.get("buttons") or [])
    id_titles = " ".join(b["title"] for b in id_.get("buttons") or [])
    assert placeholders(en_text + en_titles) == placeholders(id_text + id_titles)
    if name in VETTED:
        # The vetted Bahasa text, copied as it is (it names Indonesia's 112 and 119 only).
        [vetted] = RESPONSES[VETTED[name]]
        assert " ".join(id_text.split()) == " ".join(vetted["text"].split())
        assert [b["title"] for b in id_.get("buttons") or []] == [b["title"] for b in vetted.get("buttons") or []]
        assert "112" in id_text or not re.search(r"\b(112|119)\b", en_text)
        return
    # The same numbers; an Indonesian reply that names emergency numbers also names 119
    # (Indonesia's health emergency number besides 112), which the English ones may not.
    assert set(numbers(en_text)) <= set(numbers(id_text)), "numbers differ"
    assert set(numbers(id_text)) - set(numbers(en_text)) <= {"119"}, "numbers differ"
    if "112" in numbers(id_text):
        assert "119" in numbers(id_text), "an Indonesian emergency line without 119"
    assert sources(en_text, "Sources?") == sources(id_text, "Sumber")
    assert not re.search(r"\bSources?:", id_text)
    if re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", en_text)):  # not "{agent_name}: {agent_message}"
        assert en_text != id_text, "not translated"
    if en.get("buttons"):
        assert en_titles != id_titles, "button titles not translated"


def test_faq_answers_keep_their_sources_and_hedges():
    for name in (n for n in CHECKED if n.startswith("utter_faq/")):
        for en, id_ in pairs(name):
            assert sources(en["text"], "Sources?") == sources(id_["text"], "Sumber"), name
            # The hedges of the answer itself, not of its source names ("(May 2025)").
            english = re.split(r"\bSources?:", en["text"])[0].lower()
            text = re.split(r"\bSumber:", id_["text"])[0].lower()
            for hedge, indonesian in (("usually", "biasanya"), ("often", "sering"), ("may", "mungkin")):
                if re.search(rf"\b{hedge}\b", english):
                    assert indonesian in text, f"{name}: {hedge!r} without {indonesian!r}"


def test_indonesian_topic_buttons_are_an_anchor_of_their_own():
    raw = (ROOT / "domain" / "answers.yml").read_text(encoding="utf-8")
    assert "&topic_buttons_id" in raw and "*topic_buttons_id" in raw
    for name in CHECKED:
        for en, id_ in pairs(name):
            if en.get("buttons") is not None and en["buttons"] == RESPONSES["utter_greet"][0]["buttons"]:
                assert id_["buttons"] == pairs("utter_greet")[0][1]["buttons"], name


def slot_values(domain) -> Dict[str, List[Any]]:
    """What a slot can hold in a conversation: its values, and None unless it starts with a value."""
    values = {}
    for name, slot in domain["slots"].items():
        if slot["type"] == "bool":
            options: List[Any] = [True, False]
        elif slot["type"] == "categorical":
            options = list(slot["values"])
        else:
            continue
        values[name] = options + ([] if "initial_value" in slot else [None])
    return values


@pytest.mark.parametrize("name", CHECKED)
def test_rasa_picks_only_the_users_language(name, domain):
    """Rasa's own selection (conditions, then channel) for every value of the slots the
    response depends on: an Indonesian user gets the twins of exactly what an English user gets."""
    from rasa.core.nlg.generator import ResponseVariationFilter

    if "language" not in domain.get("slots", {}):
        pytest.skip("the language slot is not in domain/ yet")
    possible = slot_values(domain)
    variations = RESPONSES[name]
    slots = sorted({c["name"] for v in variations for c in v.get("condition") or []} - {"language"})
    channels = sorted({v["channel"] for v in variations if v.get("channel")}) + ["rest"]
    twin_of = {id(t): en for en, t in pairs(name)}
    select = ResponseVariationFilter({name: variations})
    for values in itertools.product(*(possible[s] for s in slots)):
        filled = dict(zip(slots, values, strict=True))
        for channel in channels:
            english = select.responses_for_utter_action(name, channel, {**filled, "language": "en"})
            indonesian = select.responses_for_utter_action(name, channel, {**filled, "language": "id"})
            assert english and all(language(v) != "id" for v in english), (filled, channel)
            assert indonesian and all(language(v) == "id" for v in indonesian), (filled, channel)
            assert {id(twin_of[id(v)]) for v in indonesian} == {id(v) for v in english}, (filled, channel)


def test_the_review_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "translations_review.py"), "--check"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
