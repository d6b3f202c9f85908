"""Turns the one-phrase-per-line pattern files into spaCy EntityRuler token patterns.

The small syntax (see `patterns/README.md`) keeps the files readable for the content
reviewers who maintain them, while spaCy gets plain `LOWER` token patterns.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"

TokenPattern = Dict[str, Any]


def parse_token(token: str) -> TokenPattern:
    """Translates one DSL token (`a|b`, `x?`, `*`) into a spaCy token pattern."""
    if token == "*":
        return {"OP": "?"}
    optional = token.endswith("?") and len(token) > 1
    if optional:
        token = token[:-1]
    choices = [choice for choice in token.split("|") if choice]
    if not choices:
        raise ValueError(f"empty token in pattern: {token!r}")
    pattern: TokenPattern = (
        {"LOWER": choices[0]} if len(choices) == 1 else {"LOWER": {"IN": choices}}
    )
    if optional:
        pattern["OP"] = "?"
    return pattern


def parse_line(line: str) -> List[TokenPattern]:
    """Translates one phrase line into a token pattern list ([] for comments/blank lines)."""
    line = line.split("#", 1)[0].strip()
    if not line:
        return []
    tokens = [parse_token(token) for token in line.split()]
    if all(token.get("OP") == "?" for token in tokens):
        raise ValueError(f"pattern matches the empty string: {line!r}")
    return tokens


LABEL_DIRECTIVE = re.compile(r"^#\s*label:\s*([A-Z_]+)\s*$")


def file_label(path: Path, lines: List[str]) -> str:
    """The file name upper-cased, or the label a `# label: NAME` line names in the file's
    opening comments: `body_part_id.txt` (Bahasa Indonesia) gives BODY_PART like body_part.txt,
    and the entity's id (`body_part_id:3`) still tells which file matched."""
    for line in lines:
        if not line.strip():
            continue
        if not line.lstrip().startswith("#"):
            break
        match = LABEL_DIRECTIVE.match(line.strip())
        if match:
            return match.group(1)
    return path.stem.upper()


def load_patterns(patterns_dir: Path = PATTERNS_DIR) -> List[Dict[str, Any]]:
    """Reads every `*.txt` file into EntityRuler patterns labelled by the file name (or by
    its `# label:` line)."""
    patterns: List[Dict[str, Any]] = []
    for path in sorted(patterns_dir.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        label = file_label(path, lines)
        for number, line in enumerate(lines, 1):
            try:
                tokens = parse_line(line)
            except ValueError as error:
                raise ValueError(f"{path.name}:{number}: {error}") from error
            if tokens:
                patterns.append({"label": label, "pattern": tokens, "id": f"{path.stem}:{number}"})
    return patterns


def patterns_version(patterns_dir: Path = PATTERNS_DIR) -> str:
    return (patterns_dir / "VERSION").read_text(encoding="utf-8").strip()


def patterns_checksum(patterns_dir: Path = PATTERNS_DIR) -> str:
    """SHA-256 over every pattern file (name and content), so a change is noticed even when
    VERSION was not bumped (tests/unit/test_spacy_pipeline.py compares it with CHECKSUM)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(patterns_dir.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
