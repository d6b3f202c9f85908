"""Installing a replacement for a Rasa function, once per process.

Every hook in this package replaces one attribute of Rasa and keeps the original to call.
Tests call `install()` more than once; a replacement must not wrap an earlier replacement.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, List, Tuple, TypeVar

Function = TypeVar("Function", bound=Callable[..., Any])
MARK = "_mmd_replacement"
# Every Rasa attribute the hooks replace, (owner, name), in the order they were installed: the
# one list of what this project changes inside Rasa (tests check each is installed once).
REPLACED: List[Tuple[Any, str]] = []


def replaces(owner: Any, name: str) -> Callable[[Function], Function]:
    """Decorator: sets `owner.name` to the decorated function unless a replacement is there.

        original = Interpolator.interpolate_text
        @replaces(Interpolator, "interpolate_text")
        def interpolate_text(...): ... original(...) ...

    A static method stays static.
    """
    def install(replacement: Function) -> Function:
        if (owner, name) not in REPLACED:
            REPLACED.append((owner, name))
        if not getattr(getattr(owner, name), MARK, False):
            setattr(replacement, MARK, True)
            static = isinstance(inspect.getattr_static(owner, name), staticmethod)
            setattr(owner, name, staticmethod(replacement) if static else replacement)
        return replacement

    return install
