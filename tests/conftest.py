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


# --- how many `slow` tests a run left out (make check: -m "not postgres and not slow") ------------

_slow_left_out = 0


def pytest_deselected(items) -> None:
    global _slow_left_out
    _slow_left_out += sum(1 for item in items if item.get_closest_marker("slow") is not None)


def pytest_sessionfinish(session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)  # a pytest-xdist worker
    if workeroutput is not None:
        workeroutput["slow_left_out"] = _slow_left_out


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: every worker collects every test, so each reports the same count."""
    global _slow_left_out
    _slow_left_out = max(_slow_left_out, getattr(node, "workeroutput", {}).get("slow_left_out", 0))


def pytest_terminal_summary(terminalreporter) -> None:
    if _slow_left_out:
        terminalreporter.write_line(f"{_slow_left_out} slow test(s) left out: make unit and make test run them")
