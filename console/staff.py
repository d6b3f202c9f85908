"""Staff accounts as an admin manages them: list, create, deactivate / reactivate, sign out
everywhere. Accounts are never locked by failed sign-ins (see console.ratelimit); an admin can
let a blocked network try again from the same page."""
from __future__ import annotations

import time
from typing import Any, Dict, List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.tables import staff_sessions, staff_users


def list_users(engine: Engine) -> List[Dict[str, Any]]:
    """Every account with its number of live sessions, active ones first."""
    live = (sa.select(staff_sessions.c.user_id, sa.func.count().label("sessions"))
            .where(staff_sessions.c.expires_at > time.time())
            .group_by(staff_sessions.c.user_id).subquery())
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(staff_users.c.id, staff_users.c.username, staff_users.c.display_name, staff_users.c.role,
                      staff_users.c.active, staff_users.c.created_at,
                      sa.func.coalesce(live.c.sessions, 0).label("sessions"))
            .outerjoin(live, live.c.user_id == staff_users.c.id)
            .order_by(staff_users.c.active.desc(), staff_users.c.username)).mappings().all()
    return [dict(row) for row in rows]


def active_usernames(engine: Engine) -> List[str]:
    """Who a request can be assigned to."""
    with engine.connect() as connection:
        return list(connection.execute(sa.select(staff_users.c.username).where(staff_users.c.active.is_(True))
                                       .order_by(staff_users.c.username)).scalars())


def set_active(engine: Engine, username: str, active: bool) -> bool:
    """Deactivating also ends the account's sessions: it is signed out at its next click."""
    with engine.begin() as connection:
        user_id = connection.execute(sa.select(staff_users.c.id)
                                     .where(staff_users.c.username == username)).scalar()
        if user_id is None:
            return False
        connection.execute(staff_users.update().where(staff_users.c.id == user_id).values(active=active))
        if not active:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id))
    return True


def sign_out_everywhere(engine: Engine, username: str) -> int:
    """Ends every session of the account (a lost laptop); returns how many."""
    with engine.begin() as connection:
        user_id = connection.execute(sa.select(staff_users.c.id)
                                     .where(staff_users.c.username == username)).scalar()
        if user_id is None:
            return 0
        return connection.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id)).rowcount


def count_active_admins(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(staff_users).where(
            staff_users.c.role == "admin", staff_users.c.active.is_(True))).scalar_one()

