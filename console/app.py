"""The staff console web app (Sanic + Jinja2, autoescaped; every page needs a signed-in user).

    python -m console.app          # http://localhost:${STAFF_PORT:-8081}/
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request

from console import auth, operations, queries
from console.db import create_console_schema, engine_for, ensure_bookings_schema
from console.export import export_rows, to_csv, to_json
from console.indexer import refresh_index
from console.notices import notice_text
from console.presence import Presence
from console.rasa_api import RasaApi, RasaApiError
from console.ratelimit import FailureLimiter
from console.settings import load_settings

HERE = Path(__file__).resolve().parent
COOKIE = "mmd_staff_session"
STATIC_FILES = {"console.css": "text/css; charset=utf-8"}
logger = logging.getLogger("console")
# argon2 takes tens of milliseconds and 64 MiB per check: off the event loop, so sign-ins
# never stall other pages, and two at a time, so a burst of them cannot exhaust memory.
_password_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password-check")


def _when(timestamp: Optional[float]) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def sender_path(sender_id: str) -> str:
    """A sender id as one URL path segment: '/', '?', '#', '+', spaces and accents escaped.

    Twilio ids are '+447700900123' and 'whatsapp:+44…'; Jinja's urlencode keeps '/' and
    the routes did not decode the segment, so such conversations could not be opened.
    """
    return quote(sender_id, safe="")


def create_app(settings=None) -> Sanic:
    settings = settings or load_settings()
    console_db = engine_for(settings.console_db_url)
    tracker_db = engine_for(settings.tracker_db_url)
    bookings_db = engine_for(settings.bookings_db_url)
    create_console_schema(console_db)
    # A bookings database older than live requests, presence and change requests gets them.
    ensure_bookings_schema(bookings_db)
    presence = Presence(bookings_db)
    rasa = RasaApi(settings.rasa_url, settings.rasa_api_token, settings.http_timeout_seconds)
    templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                            autoescape=select_autoescape(["html"]))
    templates.filters["when"] = _when
    templates.filters["sender_path"] = sender_path
    failed_sign_ins = FailureLimiter(settings.max_failed_logins, settings.login_window_minutes * 60)

    app = Sanic("mmd_staff_console")
    app.config.REQUEST_MAX_SIZE = 1_000_000
    if settings.proxies_count:
        app.config.PROXIES_COUNT = settings.proxies_count

    def page(name: str, session: Optional[auth.Session], http_status: int = 200, **context: Any):
        # The nav's "waiting for a human" badge, on every signed-in page.
        waiting = queries.waiting_count(bookings_db) if session is not None else None
        body = templates.get_template(name).render(session=session, waiting=waiting, **context)
        result = response.html(body, status=http_status)
        result.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self'; script-src 'none'; frame-ancestors 'none'")
        result.headers["X-Content-Type-Options"] = "nosniff"
        result.headers["Referrer-Policy"] = "same-origin"
        return result

    @app.on_response
    async def never_cached(request: Request, result):
        # Pages show patient contacts: after sign-out, Back must not show them from the cache.
        if not request.path.startswith("/static/"):
            result.headers["Cache-Control"] = "no-store"
            result.headers["Pragma"] = "no-cache"

    @app.get("/static/<name:str>")
    async def static_file(_: Request, name: str):
        # A fixed list: a directory, a missing file or '..' is a plain 404.
        if name not in STATIC_FILES:
            return page("error.html", None, 404, message="Not found.")
        return await response.file(HERE / "static" / name, mime_type=STATIC_FILES[name])

    def conversation_route(suffix: str = "", methods=("POST",)) -> Callable:
        # unquote: the sender id arrives percent-encoded (see sender_path).
        return app.route("/conversations/<sender_id:str>" + suffix, methods=list(methods), unquote=True)

    def signed_in(role: Optional[str] = None) -> Callable:
        """Every page and API route: a live session, CSRF on POST, and the role if one is named."""
        def decorate(handler: Callable) -> Callable:
            @functools.wraps(handler)
            async def wrapper(request: Request, *args: Any, **kwargs: Any):
                token = auth.token_from_cookie(settings.secret_key, request.cookies.get(COOKIE))
                session = auth.session_for(console_db, token, settings.session_minutes)
                if session is None:
                    return response.redirect("/login?" + urlencode({"next": request.path}))
                # Staff online for live hand-offs; throttled, and never fails the page.
                presence.seen(session.user.username)
                if request.method == "POST" and not auth.csrf_ok(session, request.form.get("csrf")):
                    return page("error.html", session, 403, message="The form expired; reload and try again.")
                if role and session.user.role != role:
                    return page("error.html", session, 403, message="Only an admin can do this.")
                return await handler(request, session, *args, **kwargs)
            return wrapper
        return decorate

    @app.get("/health")
    async def health(_: Request):
        return response.json({"status": "ok"})

    @app.get("/login")
    async def login_form(request: Request):
        return page("login.html", None, next=request.args.get("next", "/"))

    @app.post("/login")
    async def login(request: Request):
        username = (request.form.get("username") or "").strip()[:200]
        next_path = request.form.get("next") or "/"
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/"
        client = request.remote_addr or request.ip
        wait = failed_sign_ins.retry_after(client)
        if wait:
            minutes = max(1, round(wait / 60))
            result = page("login.html", None, 429, next=next_path, error=(
                f"Too many failed sign-ins from this network. Please wait {minutes} minute"
                f"{'s' if minutes > 1 else ''} and try again."))
            result.headers["Retry-After"] = str(int(wait) + 1)
            return result
        try:
            token = await asyncio.get_running_loop().run_in_executor(
                _password_checks, auth.sign_in, console_db, username, request.form.get("password") or "",
                settings.session_minutes)
        except auth.AuthError as error:
            failed_sign_ins.failed(client)
            # Only a real account name is kept: people type passwords into the name field.
            known = auth.user_exists(console_db, username)
            operations.audit(console_db, username if known else "unknown", "sign_in_failed")
            return page("login.html", None, 401, error=str(error), next=next_path)
        operations.audit(console_db, username, "sign_in")
        result = response.redirect(next_path)
        result.cookies[COOKIE] = auth.sign_cookie(settings.secret_key, token)
        result.cookies[COOKIE]["httponly"] = True
        result.cookies[COOKIE]["samesite"] = "Strict"
        result.cookies[COOKIE]["path"] = "/"
        result.cookies[COOKIE]["max-age"] = settings.session_minutes * 60
        if settings.secure_cookies:
            result.cookies[COOKIE]["secure"] = True
        return result

    @app.post("/logout")
    @signed_in()
    async def logout(request: Request, session: auth.Session):
        auth.sign_out(console_db, auth.token_from_cookie(settings.secret_key, request.cookies.get(COOKIE)))
        presence.signed_out(session.user.username)
        result = response.redirect("/login")
        del result.cookies[COOKIE]
        return result

    @app.get("/")
    @signed_in()
    async def conversations(request: Request, session: auth.Session):
        refresh_index(console_db, tracker_db)
        query = queries.ConversationFilter.from_args(request.args)
        listing = queries.list_conversations(console_db, query)
        base_args = [(k, v) for k, values in request.args.items() for v in values if k != "page"]
        def export_link(kind: str, unredacted: bool = False) -> str:
            extra = [("format", kind)] + ([("unredacted", "1")] if unredacted else [])
            return "/export?" + urlencode(base_args + extra)

        return page("conversations.html", session, query=query, listing=listing, flags=queries.FLAGS,
                    notice=notice_text(request.args.get("notice")),
                    page_link=lambda number: "/?" + urlencode(base_args + [("page", number)]),
                    export_link=export_link)

    @conversation_route(methods=("GET",))
    @signed_in()
    async def conversation(request: Request, session: auth.Session, sender_id: str):
        data = queries.transcript(tracker_db, sender_id)
        if not data["turns"]:
            return page("error.html", session, 404, message="No such conversation.")
        return page("transcript.html", session, sender_id=sender_id, data=data,
                    state=queries.review_state(console_db, sender_id), takeover=rasa.configured,
                    booking_info=queries.conversation_bookings(bookings_db, sender_id),
                    notice=notice_text(request.args.get("notice")))

    def back_to(sender_id: str, notice: str = ""):
        """Back to the conversation; `notice` is a code from console.notices, never free text."""
        suffix = "?" + urlencode({"notice": notice}) if notice else ""
        return response.redirect(f"/conversations/{sender_path(sender_id)}{suffix}")

    @conversation_route("/review")
    @signed_in()
    async def review(request: Request, session: auth.Session, sender_id: str):
        reviewed = request.form.get("reviewed") == "1"
        operations.set_reviewed(console_db, sender_id, session.user.username, reviewed)
        operations.audit(console_db, session.user.username, "review" if reviewed else "unreview",
                         operations.subject_tag(sender_id))
        return back_to(sender_id)

    @conversation_route("/tags")
    @signed_in()
    async def tag(request: Request, session: auth.Session, sender_id: str):
        if request.form.get("remove"):
            operations.remove_tag(console_db, sender_id, request.form.get("remove"))
        else:
            operations.add_tag(console_db, sender_id, request.form.get("tag") or "")
        return back_to(sender_id)

    @conversation_route("/notes")
    @signed_in()
    async def conversation_note(request: Request, session: auth.Session, sender_id: str):
        operations.add_note(console_db, session.user.username, request.form.get("text") or "", sender_id=sender_id)
        return back_to(sender_id)

    @conversation_route("/takeover")
    @signed_in()
    async def takeover(request: Request, session: auth.Session, sender_id: str):
        action = request.form.get("action")
        try:
            if action == "start":
                rasa.take_over(sender_id)
                # The user's "talk to a human" is answered; handing back leaves it taken.
                operations.mark_live_request_taken(bookings_db, sender_id)
            elif action == "reply":
                text = (request.form.get("text") or "").strip()[:2000]
                if not text:
                    return back_to(sender_id, "reply-empty")
                rasa.send_agent_message(sender_id, text)
            elif action == "end":
                rasa.hand_back(sender_id)
            else:
                return back_to(sender_id, "unknown-action")
        except RasaApiError as error:
            return back_to(sender_id, error.notice)
        operations.audit(console_db, session.user.username, f"takeover_{action}", operations.subject_tag(sender_id))
        return back_to(sender_id)

    @conversation_route("/forget")
    @signed_in(role="admin")
    async def forget(request: Request, session: auth.Session, sender_id: str):
        if request.form.get("confirm") != "forget":
            return back_to(sender_id, "confirm-forget")
        counts = operations.forget_user(console_db, tracker_db, bookings_db, sender_id)
        operations.audit(console_db, session.user.username, "forget_user",
                         f"{operations.subject_tag(sender_id)} events={counts['events']} bookings={counts['bookings']}")
        return response.redirect("/?" + urlencode({"notice": "forgotten"}))

    @app.get("/bookings")
    @signed_in()
    async def booking_list(request: Request, session: auth.Session):
        status = request.args.get("status", "")
        return page("bookings.html", session, rows=queries.booking_queue(bookings_db, console_db, status),
                    live=queries.waiting_live_requests(bookings_db),
                    statuses=queries.BOOKING_STATUSES, status_filter=status)

    @app.post("/bookings/<reference:str>")
    @signed_in()
    async def booking_update(request: Request, session: auth.Session, reference: str):
        if not operations.booking_exists(bookings_db, reference):
            return page("error.html", session, 404, message="No such consultation request.")
        status = request.form.get("status") or ""
        # Whoever changes the status is the one handling the request; a note alone changes neither.
        if operations.update_booking(bookings_db, console_db, reference, status, session.user.username):
            operations.audit(console_db, session.user.username, "booking_status", f"{reference} -> {status}")
        note = request.form.get("note") or ""
        if note.strip():
            operations.add_note(console_db, session.user.username, note, booking_reference=reference)
        return response.redirect("/bookings")

    @app.get("/export")
    @signed_in()
    async def export(request: Request, session: auth.Session):
        refresh_index(console_db, tracker_db)
        query = queries.ConversationFilter.from_args(request.args)
        unredacted = request.args.get("unredacted") == "1"
        if unredacted and not session.user.is_admin:
            return page("error.html", session, 403, message="Only an admin can export contact details.")
        senders, number = [], 1
        while True:  # every page of the filtered list
            query.page = number
            listing = queries.list_conversations(console_db, query)
            senders += [row["sender_id"] for row in listing["rows"]]
            if number >= listing["pages"]:
                break
            number += 1
        transcripts = [{"sender_id": s, **queries.transcript(tracker_db, s)} for s in senders]
        rows = export_rows(transcripts, redact=not unredacted)
        kind = "json" if request.args.get("format") == "json" else "csv"
        operations.audit(console_db, session.user.username, "export",
                         f"format={kind} conversations={len(senders)} redacted={not unredacted}")
        body, mime = (to_json(rows), "application/json") if kind == "json" else (to_csv(rows), "text/csv")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return response.text(body, content_type=f"{mime}; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="transcripts-{stamp}.{kind}"'})

    @app.get("/audit")
    @signed_in(role="admin")
    async def audit_page(request: Request, session: auth.Session):
        import sqlalchemy as sa

        from console.tables import audit_log
        with console_db.connect() as connection:
            rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(200)).mappings().all()
        return page("audit.html", session, rows=rows)

    @app.exception(Exception)
    async def on_error(request: Request, error: Exception):
        status = getattr(error, "status_code", 500)
        if status >= 500:
            logger.exception("console error path=%s", request.path)
        return page("error.html", None, status, message="Not found." if status == 404 else "Something went wrong.")

    return app


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format='ts=%(asctime)s level=%(levelname)s logger=%(name)s msg="%(message)s"')
    app = create_app()
    app.run(host="0.0.0.0", port=int(os.environ.get("STAFF_PORT", "8081")), access_log=False,
            motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
