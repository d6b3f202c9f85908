"""Live updates for console.js: the waiting count (nav badge, sound and desktop notification)
and a conversation's turns while staff watch or take it over.

JSON for signed-in staff only; signed out, the answer is 401 (not a redirect to the sign-in
page, which a fetch would follow). Without JavaScript, reloading a page shows the same.
Each poll renews the session like any page; it marks its user as online for live hand-offs
only when console.js says they can be reached (the tab is visible or desktop notifications
are on), so a console forgotten in a background tab does not promise users a human.
"""
from __future__ import annotations

import logging
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

from console import auth, queries
from console.web import Console, sender_path

logger = logging.getLogger(__name__)
NEWEST = 5  # waiting requests listed in /live/waiting, newest first


def register(app: Sanic, console: Console) -> None:
    async def staff(request: Request) -> Optional[auth.Session]:
        return await console.blocking(console.session_of, request)

    def signed_out():
        return response.json({"error": "signed-out"}, status=401)

    @app.get("/live/waiting")
    async def live_waiting(request: Request):
        """{"count": n, "latest_id": the newest waiting request's id (0: none),
        "requests": [{"id", "waited", "url"}, …newest first]}: no names or numbers, so a
        desktop notification never shows who is waiting."""
        session = await staff(request)
        if session is None:
            return signed_out()
        if request.args.get("reachable") == "1":
            await console.blocking(console.presence.seen, session.user.username)
        try:
            rows = await console.blocking(queries.waiting_live_requests, console.bookings_db)
        except SQLAlchemyError as error:
            logger.warning("live waiting unknown error=%s", type(error).__name__)
            return response.json({"error": "unavailable"}, status=503)
        newest = sorted(rows, key=lambda row: row["id"], reverse=True)[:NEWEST]
        return response.json({
            "count": len(rows),
            "latest_id": newest[0]["id"] if newest else 0,
            "requests": [{"id": row["id"], "waited": row["waited"],
                          "url": "/conversations/" + sender_path(row["sender_id"])} for row in newest],
        })

    @console.conversation_route("/turns", methods=("GET",))
    async def live_turns(request: Request, sender_id: str):
        """{"html": the transcript's turns list as the page renders it (block `turns` of
        transcript.html, the page at the same cursor: the latest rows by default), "count" (rows
        in the whole conversation), "paused" (taken over), "waiting" (asked for a human)}."""
        session = await staff(request)
        if session is None:
            return signed_out()
        try:  # the page's own place (its cursor, size and details): the same rows as the page
            cursor = queries.TranscriptCursor.from_args(request.args)
        except queries.BadPage:
            return response.json({"error": "bad-page"}, status=400)
        data = await console.blocking(queries.transcript_page, console.tracker_db, sender_id, cursor)
        if not data["exists"]:
            return response.json({"error": "not-found"}, status=404)
        booking_info = await console.blocking(queries.conversation_bookings, console.bookings_db, sender_id)
        # The same context as the conversation page (routes/conversations.py) for this block.
        context = dict(session=session, waiting=None, sender_id=sender_id, data=data,
                       show_details=cursor.details, answer_slots=frozenset(),
                       takeover=console.rasa.configured, booking_info=booking_info)
        template = console.templates.get_template("transcript.html")
        html = "".join(template.blocks["turns"](template.new_context(context)))
        # count: the conversation's rows (a page keeps its size while the chat goes on).
        return response.json({"html": html, "count": data["total"], "paused": data["paused"],
                              "waiting": bool(booking_info.get("waiting_since"))})
