"""Admin pages: staff accounts and the audit log."""
from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from sanic import Sanic, response
from sanic.request import Request
from sqlalchemy.exc import IntegrityError

from console import auth, staff
from console.tables import audit_log
from console.web import Console

# The staff page's messages after a redirect, by code (never text from the link).
STAFF_NOTICES = {
    "created": "Account created. Give the person their password in a safe way; they can sign in now.",
    "deactivated": "Account deactivated and signed out everywhere.",
    "reactivated": "Account reactivated.",
    "signed-out": "All sessions of the account ended.",
    "unblocked": "The network may try signing in again.",
    "last-admin": "The last active admin cannot be deactivated.",
    "yourself": "You cannot deactivate your own account.",
    "unknown": "No such account.",
}


def register(app: Sanic, console: Console) -> None:
    db = console.console_db

    def back(notice: str):
        return response.redirect("/staff?" + urlencode({"notice": notice}))

    async def staff_page(session: auth.Session, http_status: int = 200, error: str = "", form=None, notice: str = ""):
        blocked = {client: max(1, round(wait / 60)) for client, wait in console.failed_sign_ins.blocked().items()}
        users = await console.blocking(staff.list_users, db)
        return await console.page("staff.html", session, http_status, users=users, roles=auth.ROLES,
                            blocked=blocked, error=error, form=form or {}, notice=STAFF_NOTICES.get(notice))

    @app.get("/staff")
    @console.signed_in(role="admin")
    async def staff_list(request: Request, session: auth.Session):
        return await staff_page(session, notice=request.args.get("notice", ""))

    @app.post("/staff")
    @console.signed_in(role="admin")
    async def staff_create(request: Request, session: auth.Session):
        form = {name: (request.form.get(name) or "").strip() for name in ("username", "display_name", "role")}
        try:
            await console.blocking(auth.create_user, db, form["username"], request.form.get("password") or "",
                                   form["role"],
                             form["display_name"])
        except ValueError as error:
            return await staff_page(session, 400, error=str(error).capitalize() + ".", form=form)
        except IntegrityError:
            return await staff_page(session, 409, error=f"The username {form['username']} is taken.", form=form)
        await console.audit(session.user.username, "staff_create", f"{form['username']} role={form['role']}")
        return back("created")

    @app.post("/staff/<username:str>")
    @console.signed_in(role="admin")
    async def staff_change(request: Request, session: auth.Session, username: str):
        action = request.form.get("action")
        known = {user["username"]: user for user in await console.blocking(staff.list_users, db)}
        if username not in known:
            return back("unknown")
        if action == "deactivate":
            if username == session.user.username:
                return back("yourself")
            if known[username]["role"] == "admin" and await console.blocking(staff.count_active_admins, db) <= 1:
                return back("last-admin")
            await console.blocking(staff.set_active, db, username, False)
            console.presence.signed_out(username)
            notice = "deactivated"
        elif action == "reactivate":
            await console.blocking(staff.set_active, db, username, True)
            notice = "reactivated"
        elif action == "sign-out":
            await console.blocking(staff.sign_out_everywhere, db, username)
            console.presence.signed_out(username)
            notice = "signed-out"
        else:
            return await console.error(session, 400, "That action is not known; reload the page and try again.")
        await console.audit(session.user.username, f"staff_{action}", username)
        return back(notice)

    @app.post("/blocked-sign-ins")
    @console.signed_in(role="admin")
    async def staff_unblock(request: Request, session: auth.Session):
        client = (request.form.get("client") or "")[:64]
        if console.failed_sign_ins.clear(client):
            await console.audit(session.user.username, "sign_in_unblock", client)
        return back("unblocked")

    @app.get("/audit")
    @console.signed_in(role="admin")
    async def audit_page(request: Request, session: auth.Session):
        with db.connect() as connection:
            rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(200)).mappings().all()
        return await console.page("audit.html", session, rows=rows)
