"""A Redis lock store whose ticket updates are atomic across Rasa servers.

Rasa 3.6's RedisLockStore issues and returns tickets with a plain read-modify-write
(GET, change, SET). Two servers receiving messages of one conversation at the same moment
can both read the lock before either writes it, both get ticket 0, and process the two
turns at once; the SQL tracker store then keeps only one of them (found by
tests/resilience/test_scale_out.py). Here every change to a lock is a Redis transaction
(WATCH / MULTI / EXEC, retried on conflict), so tickets are unique and turns serialised.

endpoints.scale.yml: `lock_store: type: rasa_server.locks.AtomicRedisLockStore`.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _update(self, conversation_id: str, change: Callable[[TicketLock], Any],
                create: bool) -> Optional[Any]:
        """Applies `change` to the stored lock in one transaction; returns its result."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored:
                        lock = TicketLock.from_dict(json.loads(stored))
                    elif create:
                        lock = TicketLock(conversation_id)
                    else:
                        pipe.unwatch()
                        return None
                    result = change(lock)
                    pipe.multi()
                    if lock.is_someone_waiting() or create:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._update(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)

    def update_lock(self, conversation_id: str) -> None:
        self._update(conversation_id, lambda lock: lock.remove_expired_tickets(), create=False)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._update(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), create=False)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Removing the ticket and deleting an empty lock happen in the same transaction.
        self.finish_serving(conversation_id, ticket_number)
