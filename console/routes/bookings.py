"""The consultation queue: requests, live hand-off requests, status and notes."""
from __future__ import annotations

from urllib.parse import urlencode

from sanic import Sanic, response
from sanic.request import Request

from console import auth, operations, queries, staff
from console.indexer import refresh_index
from console.notices import notice_text
from console.web import Console


def register(app: Sanic, console: Console) -> None:
    db, tracker, bookings_db = console.console_db, console.tracker_db, console.bookings_db

    @app.get("/bookings")
    @console.signed_in()
    async def booking_list(request: Request, session: auth.Session):
        query = queries.QueueFilter.from_args(request.args)
        # The requests' languages are their conversations': index the newest events first.
        await console.blocking(refresh_index, db, tracker)
        listing = await console.blocking(queries.booking_queue, bookings_db, db, query=query, paged=True)
        base_args = [(k, v) for k, values in request.args.items() for v in values if k not in ("page", "notice")]
        return await console.page("bookings.html", session, listing=listing, query=query,
                            notice=notice_text(request.args.get("notice")),
                            live=await console.blocking(queries.waiting_with_previews, bookings_db, db),
                            statuses=queries.BOOKING_STATUSES,
                            staff_names=await console.blocking(staff.active_usernames, db),
                            alert_minutes=console.settings.queue_alert_minutes,
                            page_link=lambda number: "/bookings?" + urlencode(base_args + [("page", number)]),
                            back_link="/bookings?" + urlencode(base_args + [("page", query.page)]))

    @app.post("/bookings/<reference:str>")
    @console.signed_in()
    async def booking_update(request: Request, session: auth.Session, reference: str):
        if not await console.blocking(operations.booking_exists, bookings_db, reference):
            return await console.error(session, 404, "No such consultation request.")
        status = request.form.get("status") or ""
        # Whoever changes the status is the one handling the request; a note alone changes neither.
        if await console.blocking(operations.update_booking, bookings_db, db, reference, status, session.user.username):
            await console.audit(session.user.username, "booking_status", f"{reference} -> {status}")
        assignee = request.form.get("assign")
        if assignee is not None and assignee != "keep":
            chosen = assignee if assignee in await console.blocking(staff.active_usernames, db) else None
            before = await console.blocking(operations.assign_booking, db, reference, chosen)
            if before != chosen:
                await console.audit(session.user.username, "booking_assign", f"{reference} -> {chosen or 'nobody'}")
        note = request.form.get("note") or ""
        if note.strip():
            await console.blocking(operations.add_note, db, session.user.username, note, booking_reference=reference)
        return response.redirect(_back_to_queue(request.form.get("back"), reference))


def _back_to_queue(back: str | None, reference: str) -> str:
    """Back to the same filtered page of the queue, at the request just saved, saying so."""
    path = back if back and back.startswith("/bookings") and not back.startswith("//") else "/bookings"
    path += ("&" if "?" in path else "?") + "notice=booking-saved"
    return f"{path}#booking-{reference}"
