"""Content rules from ../shared/content/facts.md, checked on every response in the domain."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from common.domain import variation_language
from tests.conftest import load_domain

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_TOPICS = {
    "what_is", "symptoms", "causes", "inheritance", "diagnosis", "treatment", "prognosis",
    "daily_life", "when_to_see_doctor", "prevalence",
}
# The names used in answers, and the facts.md keys they stand for.
SOURCE_NAMES = {
    "consumer article (May 2025)": "ARTICLE",
    "MedlinePlus Genetics": "MEDLINEPLUS",
    "GeneReviews": "GENEREVIEWS",
    "Schlienger et al. 2023": "SCHLIENGER2023",
    "Collins Hutchinson et al. 2024": "COLLINS2024",
    "Movement Disorders Clinical Practice 2016": "MDCP2016",
}
# Topics added from the revised facts.md (2026-11-27), and the two answers about the
# assistant itself, which state no medical fact and so name no source.
NEW_TOPICS = {
    "genetic_testing", "normal_in_children", "other_conditions", "pain", "learning", "pregnancy",
    "feelings",
}
NOT_MEDICAL = {"about_assistant", "not_covered"}
FACTS = ROOT.parent / "shared" / "content" / "facts.md"


def in_language(variants, language="en"):
    """The variations shown in one language (the `language` slot's condition; English when none)."""
    return [variant for variant in variants if (variation_language(variant) or "en") == language]


def faq_answers(domain, language="en"):
    return {
        name.split("/", 1)[1]: in_language(variants, language)[0]["text"]
        for name, variants in domain["responses"].items() if name.startswith("utter_faq/")
    }


def nlu_faq_topics():
    topics = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if block.get("intent", "").startswith("faq/"):
                topics.add(block["intent"].split("/", 1)[1])
    return topics


def test_every_required_topic_has_an_answer_and_examples(domain):
    assert REQUIRED_TOPICS <= set(faq_answers(domain))
    assert set(faq_answers(domain)) == nlu_faq_topics()


# Every FAQ answer in the domain is medical, so it must name its sources, unless it is one of
# the two about the assistant itself: a new topic is checked the moment it is added.
MEDICAL_TOPICS = set(faq_answers(load_domain())) - NOT_MEDICAL


def test_the_topics_checked_are_the_domains_and_include_the_required_and_new_ones(domain):
    assert MEDICAL_TOPICS | NOT_MEDICAL == set(faq_answers(domain))
    assert REQUIRED_TOPICS | NEW_TOPICS <= MEDICAL_TOPICS and NOT_MEDICAL <= set(faq_answers(domain))


@pytest.mark.parametrize("topic", sorted(MEDICAL_TOPICS))
def test_each_answer_ends_with_known_sources_and_fits_a_phone(domain, topic):
    text = faq_answers(domain)[topic].strip()
    match = re.search(r"Sources?: (.+)\.$", text)
    assert match, f"{topic} does not end with its sources"
    names = [name.strip() for name in match.group(1).split(";")]
    assert names and all(name in SOURCE_NAMES for name in names), names
    assert len(text) <= 520, f"{topic} is {len(text)} characters: too long for a phone screen"


@pytest.mark.skipif(not FACTS.exists(), reason="shared/content/facts.md not beside the project")
def test_source_keys_exist_in_facts_md():
    facts = FACTS.read_text()
    for key in SOURCE_NAMES.values():
        assert f"- {key}:" in facts


def all_texts(domain):
    return [v["text"] for variants in domain["responses"].values() for v in variants]


def test_dnm2_is_only_mentioned_as_unsupported(domain):
    for text in all_texts(domain):
        if "DNM2" in text:
            assert "do not link DNM2" in text or "tidak mengaitkan DNM2" in text


def test_no_answer_recommends_a_medicine(domain):
    mentions = 0
    for text in all_texts(domain):
        lowered = " ".join(text.lower().split())
        if re.search(r"\b(medicine|medication|drugs?|dose|pills?|tablets?)\b", lowered):
            mentions += 1
            assert "no medicine" in lowered or "can't recommend a medicine" in lowered, text
    assert mentions >= 2  # the treatment and medication answers both say so


def test_no_indonesian_answer_recommends_a_medicine(domain):
    """Every Indonesian sentence that names a medicine (obat) says there is none or that the
    assistant cannot suggest one ("tidak": not), as the English ones do."""
    mentions = 0
    for variants in domain["responses"].values():
        for variant in in_language(variants, "id"):
            for sentence in re.split(r"(?<=[.!?:])\s+", " ".join(variant["text"].split())):
                if re.search(r"\bobat(-obatan)?\b", sentence.lower()):
                    mentions += 1
                    assert "tidak" in sentence.lower(), sentence
    assert mentions >= 2


def test_prognosis_follows_the_correction(domain):
    text = faq_answers(domain)["prognosis"]
    assert "usually stay about the same" in text and "may lessen" not in text


def test_emergency_reply_names_emergency_and_starts_no_booking(domain):
    [variant] = in_language(domain["responses"]["utter_emergency"])
    assert "emergency" in variant["text"].lower()
    assert "buttons" not in variant


def test_greeting_carries_the_disclaimer(domain):
    first_time = domain["responses"]["utter_greet"][-1]["text"]
    assert "not a diagnosis" in first_time


# The corrections of the revised facts.md, each checked on every response.
def test_no_answer_says_most_cases_are_inherited(domain):
    for text in all_texts(domain):
        assert "most cases are inherited" not in " ".join(text.lower().split())


def test_no_answer_tells_an_adult_it_is_not_congenital(domain):
    for text in all_texts(domain):
        assert "not congenital" not in " ".join(text.lower().split())


def test_intelligence_is_only_stated_with_the_dcc_exception(domain):
    for topic, text in faq_answers(domain).items():
        lowered = " ".join(text.lower().split())
        if "intelligence is not affected" in lowered or "intelligence and life expectancy" in lowered:
            assert "dcc" in lowered and "learning" in lowered, topic


def test_pain_is_cited_from_the_references_that_say_it(domain):
    for topic in ("pain", "symptoms"):
        text = faq_answers(domain)[topic]
        assert "pain" in text and "MedlinePlus Genetics" in text and "GeneReviews" in text


def test_the_chance_of_passing_it_on_is_the_references_figure(domain):
    answers = faq_answers(domain)
    assert "50%" in answers["inheritance"] and "no signs" in answers["inheritance"]
    assert "counselling" in answers["inheritance"]
    assert "does not rule" in answers["genetic_testing"]


def test_uncovered_questions_get_an_honest_answer_and_the_offer(domain):
    [variant] = in_language(domain["responses"]["utter_faq/not_covered"])
    assert "don't have reliable information" in variant["text"]
    assert {"payload": "/request_consultation", "title": "Book a consultation"} in variant["buttons"]


def test_no_answer_judges_a_childs_movements(domain):
    text = " ".join(faq_answers(domain)["normal_in_children"].split())
    assert "can't tell whether a particular child" in text
