"""Shared test set-up: the project root on sys.path and the domain loaded once."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_domain() -> dict:
    """The assistant's domain as one dict (read once per session by the `domain` fixture; also
    at collection time by tests parametrized over its responses)."""
    from common.domain import load_domain as merged_domain

    return merged_domain()


@pytest.fixture(scope="session")
def domain() -> dict:
    return load_domain()


def pytest_collection_modifyitems(items) -> None:
    """Tests run once per database mark their PostgreSQL run `postgres`, so `make check`
    (-m "not postgres") needs no database server."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.postgres)
