"""`python -m rasa_server ...` = `rasa ...` with the resilience and performance hooks installed first."""
from __future__ import annotations

import os

# One TensorFlow thread per op and per process unless the environment says otherwise. Each
# Sanic worker is its own process and every model call is a batch of one message, so TF's
# default pools (one thread per core, per process) only make the workers fight over the
# cores: on 2 cores this took single-user p50 from 15 to 12 ms (one worker) and 20-user
# throughput with two workers from 57 to 77 turns/s (measured before the selector shortcut).
os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")

from rasa_server import RasaVersionError, install_hooks  # noqa: E402


def main() -> None:
    try:
        install_hooks()
    except RasaVersionError as error:
        raise SystemExit(f"error: {error}") from None
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
