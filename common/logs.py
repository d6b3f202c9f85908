"""One log format for every process (scripts/logging.yml says the same for Rasa's servers):
key=value lines that log tools parse, never user text above DEBUG."""
from __future__ import annotations

import logging
import os

LOG_FORMAT = 'ts=%(asctime)s level=%(levelname)s logger=%(name)s msg="%(message)s"'


def configure_logging(level: str | None = None) -> None:
    logging.basicConfig(level=level or os.environ.get("LOG_LEVEL", "INFO"), format=LOG_FORMAT)
