"""Failed sign-ins counted per client (IP address), not per account.

Locking accounts let anyone lock a colleague out by typing their name wrongly five times,
and a locked account answered differently from an unknown one. Counting per client slows
password guessing the same way without either problem.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Deque, Dict, Optional

MAX_CLIENTS = 10_000  # bounded memory under a flood of spoofed or distinct addresses


class FailureLimiter:
    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: OrderedDict[str, Deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> Deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, client: str, now: Optional[float] = None) -> float:
        """Seconds until this client may try again; 0 when it may now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self.max_failures:
                return 0.0
            return max(0.0, failures[0] + self.window - now)

    def failed(self, client: str, now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
            self._failures.move_to_end(client)
            while len(self._failures) > MAX_CLIENTS:
                self._failures.popitem(last=False)

    def blocked(self, now: Optional[float] = None) -> Dict[str, float]:
        """The clients that may not try now, with the seconds they still wait (the staff page)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            clients = list(self._failures)
        waits = {client: self.retry_after(client, now) for client in clients}
        return {client: wait for client, wait in waits.items() if wait > 0}

    def clear(self, client: str) -> bool:
        """An admin lets a blocked client (a colleague's office network) try again now."""
        with self._lock:
            return self._failures.pop(client, None) is not None
