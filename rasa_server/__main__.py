"""`python -m rasa_server ...` = `rasa ...` with the resilience hooks installed first."""
from __future__ import annotations

from rasa_server.resilience import install


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
