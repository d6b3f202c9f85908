"""What every console page shares: the databases, the templates, the page wrapper and the
signed-in guard. Route modules (console/routes/) receive one `Console` and add their pages."""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sqlalchemy.engine import Engine

from console import auth, language, queries
from console.db import create_console_schema, engine_for, ensure_bookings_schema
from console.presence import Presence
from console.rasa_api import RasaApi
from console.ratelimit import FailureLimiter
from console.settings import ConsoleSettings

HERE = Path(__file__).resolve().parent
COOKIE = "mmd_staff_session"
logger = logging.getLogger("console")


def when(timestamp: Optional[float]) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def sender_path(sender_id: str) -> str:
    """A sender id as one URL path segment: '/', '?', '#', '+', spaces and accents escaped.

    Twilio ids are '+447700900123' and 'whatsapp:+44…'; Jinja's urlencode keeps '/' and
    the routes did not decode the segment, so such conversations could not be opened.
    """
    return quote(sender_id, safe="")


@dataclass
class Console:
    settings: ConsoleSettings
    console_db: Engine
    tracker_db: Engine
    bookings_db: Engine
    presence: Presence
    rasa: RasaApi
    templates: Environment
    failed_sign_ins: FailureLimiter
    app: Optional[Sanic] = None
    # Database queries and calls to Rasa's HTTP API run here, never on the event loop: a slow
    # query or a Rasa that takes its full timeout must not stall every other staff page.
    workers: ThreadPoolExecutor = dataclasses.field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="console-io"))

    # The inbox's nav counts (set by routes/inbox.py), read with every signed-in page.
    nav_counts: Optional[Callable[[], Any]] = None

    async def audit(self, username: Optional[str], action: str, detail: str = "") -> None:
        """An audit log entry, written off the event loop (console.operations.audit)."""
        from console.operations import audit

        await self.blocking(audit, self.console_db, username, action, detail)

    async def blocking(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            self.workers, functools.partial(function, *args, **kwargs))

    @classmethod
    def create(cls, settings: ConsoleSettings) -> Console:
        console_db = engine_for(settings.console_db_url)
        bookings_db = engine_for(settings.bookings_db_url)
        create_console_schema(console_db)
        # A bookings database older than live requests, presence and change requests gets them.
        ensure_bookings_schema(bookings_db)
        templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                autoescape=select_autoescape(["html"]))
        templates.filters["when"] = when
        templates.filters["sender_path"] = sender_path
        templates.filters["language_label"] = language.label  # "Bahasa Indonesia"
        templates.filters["language_short"] = language.short  # "ID"
        templates.globals["languages"] = language.LANGUAGES
        return cls(settings=settings, console_db=console_db, tracker_db=engine_for(settings.tracker_db_url),
                   bookings_db=bookings_db, presence=Presence(bookings_db),
                   rasa=RasaApi(settings.rasa_url, settings.rasa_api_token, settings.http_timeout_seconds),
                   templates=templates,
                   failed_sign_ins=FailureLimiter(settings.max_failed_logins, settings.login_window_minutes * 60))

    async def page(self, name: str, session: Optional[auth.Session], http_status: int = 200, **context: Any):
        # The nav's counts ("waiting for a human", "needs attention"), on every signed-in page,
        # read off the event loop like every query.
        waiting, inbox_nav = None, None
        if session is not None:
            waiting = await self.blocking(queries.waiting_count, self.bookings_db)
            if self.nav_counts is not None:
                inbox_nav = await self.blocking(self.nav_counts)
        context.setdefault("inbox_nav", inbox_nav)
        body = self.templates.get_template(name).render(session=session, waiting=waiting, **context)
        result = response.html(body, status=http_status)
        # Scripts only from the console itself (console.js: live updates and notifications).
        result.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
        result.headers["X-Content-Type-Options"] = "nosniff"
        result.headers["Referrer-Policy"] = "same-origin"
        return result

    async def error(self, session: Optional[auth.Session], status: int, message: str):
        return await self.page("error.html", session, status, message=message)

    def session_of(self, request: Request) -> Optional[auth.Session]:
        token = auth.token_from_cookie(self.settings.secret_key, request.cookies.get(COOKIE))
        return auth.session_for(self.console_db, token, self.settings.session_minutes)

    def signed_in(self, role: Optional[str] = None) -> Callable:
        """Every page and API route: a live session, CSRF on POST, and the role if one is named."""
        def decorate(handler: Callable) -> Callable:
            @functools.wraps(handler)
            async def wrapper(request: Request, *args: Any, **kwargs: Any):
                session = await self.blocking(self.session_of, request)
                if session is None:
                    return response.redirect("/login?" + urlencode({"next": request.path}))
                # Staff online for live hand-offs; throttled, and never fails the page.
                await self.blocking(self.presence.seen, session.user.username)
                if request.method == "POST" and not auth.csrf_ok(session, request.form.get("csrf")):
                    return await self.error(session, 403, "The form expired; reload and try again.")
                if role and session.user.role != role:
                    return await self.error(session, 403, "Only an admin can do this.")
                return await handler(request, session, *args, **kwargs)
            return wrapper
        return decorate

    def conversation_route(self, suffix: str = "", methods=("POST",)) -> Callable:
        # unquote: the sender id arrives percent-encoded (see sender_path).
        assert self.app is not None
        return self.app.route("/conversations/<sender_id:str>" + suffix, methods=list(methods), unquote=True)
