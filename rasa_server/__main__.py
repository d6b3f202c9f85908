"""`python -m rasa_server ...` = `rasa ...` with the resilience and performance hooks installed first."""
from __future__ import annotations

from rasa_server import performance, resilience, rule_shortcut, selector_shortcut


def main() -> None:
    resilience.install()
    performance.install()
    rule_shortcut.install()
    selector_shortcut.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
