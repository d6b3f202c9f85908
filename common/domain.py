"""The assistant's domain, split by topic in domain/ (Rasa reads and merges the directory),
as one dict for the tools that read it as YAML (tests, the console's inbox, the scripts)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import yaml

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


def load_domain(directory: Path = DOMAIN_DIR) -> Dict[str, Any]:
    """Every domain/*.yml merged as Rasa merges them: lists joined, mappings combined. A name
    defined in two files (a response, a slot) is an error, not a silent override."""
    merged: Dict[str, Any] = {}
    paths = [directory] if directory.is_file() else sorted(directory.glob("*.yml"))
    for path in paths:
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key == "version":
                continue
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                twice = set(merged.get(key, {})) & set(value)
                if twice:
                    raise ValueError(f"{path.name}: {key} {sorted(twice)} defined in another domain file too")
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return merged


def variation_language(variation: Dict[str, Any]) -> Optional[str]:
    """The language a response variation is shown in: the value of its `language` slot
    condition (domain/language.yml), None when it has none (the English default)."""
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None
