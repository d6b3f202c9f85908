"""Start-up of Rasa with the project's hooks (resilience, speed, reading several questions).

    python -m rasa_server run --model models ...   # same arguments as `rasa run`
    python -m rasa_server test core ...            # test stories through the same runtime

Every command that runs the model (the server, `make stories`, `make eval`, `make shell`)
goes through `install_hooks()`, so what is tested is what production runs. The hooks
replace Rasa internals of one release: `install_hooks()` refuses any other release.
"""
from __future__ import annotations

RASA_VERSION = "3.6.21"


class RasaVersionError(RuntimeError):
    pass


def check_rasa_version(installed: str | None = None) -> None:
    """A clear error instead of hooks silently patching internals they were not written for."""
    if installed is None:
        from rasa.version import __version__ as installed
    if installed != RASA_VERSION:
        raise RasaVersionError(
            f"rasa_server's hooks were written for Rasa {RASA_VERSION}, but Rasa {installed} is installed. "
            f"Install the locked version (make setup) or re-check every hook in rasa_server/ "
            f"against the new release before changing RASA_VERSION.")


def install_hooks() -> None:
    """Installs every hook once, in the order the server has always used."""
    check_rasa_version()
    from rasa_server import (
        limits,
        performance,
        resilience,
        rule_shortcut,
        several_questions,
    )

    for hook in (resilience, performance, rule_shortcut, several_questions, limits):
        hook.install()
