"""Builds the project's spaCy pipeline from the pattern files and saves it to disk.

    python -m spacy_pipeline.build [OUTPUT_DIR]

The pipeline is `spacy.blank("en")` plus an EntityRuler: no pretrained weights, so it builds
offline and identically everywhere. Rasa loads it by path (`config.yml`, SpacyNLP `model`).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import spacy
from spacy.language import Language

from spacy_pipeline.patterns_dsl import load_patterns, patterns_checksum, patterns_version

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "build" / "spacy_mmd"
PIPELINE_NAME = "mmd_rules"

logger = logging.getLogger(__name__)


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = patterns_version()
    # What the pipeline was built from, so a stale build is noticed (the version alone is
    # copied from VERSION and cannot tell).
    nlp.meta["patterns_sha256"] = patterns_checksum()
    nlp.meta["description"] = "mmd-assistant rule entities: body part, side, mirroring, who, red flags"
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(load_patterns())
    return nlp


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    nlp = build_pipeline()
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    logger.info("spaCy pipeline %s v%s -> %s", PIPELINE_NAME, nlp.meta["version"], output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
