"""The conversation list, a transcript and what staff do on it (review, tags, notes, take
over, forget), and exports of the filtered list."""
from __future__ import annotations

import time
from typing import Any, Dict
from urllib.parse import urlencode

from sanic import Sanic, response
from sanic.request import Request

from common.booking_form import FORM_SLOTS
from console import auth, operations, queries
from console.export import JSON_END, JSON_START, csv_part, export_rows, json_part
from console.indexer import refresh_index
from console.notices import notice_text
from console.rasa_api import RasaApiError, agent_name
from console.web import Console, sender_path

# The slots the transcript's panel keeps when staff hide the technical rows: the booking's answers.
ANSWER_SLOTS = frozenset(FORM_SLOTS) | {"patient_age_label", "booking_reference"}
EXPORT_BATCH = 20  # conversations read, redacted and sent at a time by an export


def back_to(sender_id: str, notice: str = "", anchor: str = ""):
    """Back to the conversation; `notice` is a code from console.notices, never free text;
    `anchor` a place on the page (the take-over panel, so the reply box is in view)."""
    suffix = "?" + urlencode({"notice": notice}) if notice else ""
    return response.redirect(f"/conversations/{sender_path(sender_id)}{suffix}{'#' + anchor if anchor else ''}")


def transcript_links(sender_id: str, cursor: queries.TranscriptCursor, data: Dict[str, Any]) -> Dict[str, Any]:
    """The transcript pager's links (None where there is nowhere to go) and the details toggle,
    which keeps the page's place (its cursor is an event id, whichever rows are shown)."""
    base = f"/conversations/{sender_path(sender_id)}"

    def link(**changes: Any) -> str:
        args = cursor.args(**changes)
        return base + ("?" + urlencode(args) if args else "")

    return {
        "first": link(before=None, after=0) if data["earlier"] else None,
        "earlier": link(before=data["first_id"], after=None) if data["earlier"] else None,
        "later": link(before=None, after=data["last_id"]) if data["later"] else None,
        "latest": link(before=None, after=None) if data["later"] else None,
        "details": base + "?" + urlencode(queries.TranscriptCursor(
            cursor.before, cursor.after, cursor.size, not cursor.details).args() or [("details", "1")]),
    }


def _export_rows(tracker, senders, redact: bool):
    return export_rows([{"sender_id": s, **queries.transcript(tracker, s)} for s in senders], redact=redact)


def register(app: Sanic, console: Console) -> None:
    db, tracker, bookings_db, rasa = console.console_db, console.tracker_db, console.bookings_db, console.rasa

    @app.get("/")
    @console.signed_in()
    async def conversations(request: Request, session: auth.Session):
        await console.blocking(refresh_index, db, tracker)
        query = queries.ConversationFilter.from_args(request.args)
        listing = await console.blocking(queries.list_conversations, db, query)
        base_args = [(k, v) for k, values in request.args.items() for v in values if k != "page"]

        def export_link(kind: str, unredacted: bool = False) -> str:
            extra = [("format", kind)] + ([("unredacted", "1")] if unredacted else [])
            return "/export?" + urlencode(base_args + extra)

        return await console.page("conversations.html", session, query=query, listing=listing, flags=queries.FLAGS,
                            notice=notice_text(request.args.get("notice")),
                            page_link=lambda number: "/?" + urlencode(base_args + [("page", number)]),
                            export_link=export_link)

    @console.conversation_route(methods=("GET",))
    @console.signed_in()
    async def conversation(request: Request, session: auth.Session, sender_id: str):
        # One page of the transcript, the latest by default: staff open a conversation for what
        # is happening now (the user waiting, the take-over and its reply box, the request just
        # made), and the page's live refresh follows the end. Earlier pages are a click away.
        try:
            cursor = queries.TranscriptCursor.from_args(request.args)
        except queries.BadPage as error:
            return await console.page("error.html", session, 400, message=str(error),
                                      back=f"/conversations/{sender_path(sender_id)}",
                                      back_label="The latest messages of this conversation")
        data = await console.blocking(queries.transcript_page, tracker, sender_id, cursor)
        if not data["exists"]:
            return await console.error(session, 404, "No such conversation.")
        # The conversation's language and switch come from the index (not from every message).
        await console.blocking(refresh_index, db, tracker)
        data.update(await console.blocking(queries.conversation_languages_of, db, sender_id))
        return await console.page("transcript.html", session, sender_id=sender_id, data=data,
                            show_details=cursor.details, answer_slots=ANSWER_SLOTS,
                            transcript_links=transcript_links(sender_id, cursor, data),
                            state=await console.blocking(queries.review_state, db, sender_id), takeover=rasa.configured,
                            booking_info=await console.blocking(queries.conversation_bookings, bookings_db, sender_id),
                            notice=notice_text(request.args.get("notice")))

    @console.conversation_route("/review")
    @console.signed_in()
    async def review(request: Request, session: auth.Session, sender_id: str):
        reviewed = request.form.get("reviewed") == "1"
        await console.blocking(operations.set_reviewed, db, sender_id, session.user.username, reviewed)
        await console.audit(session.user.username, "review" if reviewed else "unreview",
                         operations.subject_tag(sender_id))
        return back_to(sender_id)

    @console.conversation_route("/tags")
    @console.signed_in()
    async def tag(request: Request, session: auth.Session, sender_id: str):
        if request.form.get("remove"):
            await console.blocking(operations.remove_tag, db, sender_id, request.form.get("remove"))
        else:
            await console.blocking(operations.add_tag, db, sender_id, request.form.get("tag") or "")
        return back_to(sender_id)

    @console.conversation_route("/notes")
    @console.signed_in()
    async def conversation_note(request: Request, session: auth.Session, sender_id: str):
        await console.blocking(operations.add_note, db, session.user.username, request.form.get("text") or "",
                               sender_id=sender_id)
        return back_to(sender_id)

    @console.conversation_route("/takeover")
    @console.signed_in()
    async def takeover(request: Request, session: auth.Session, sender_id: str):
        action = request.form.get("action")
        try:
            if action == "start":
                await console.blocking(rasa.take_over, sender_id, agent_name(session.user.first_name))
                # The user's "talk to a human" is answered; handing back leaves it taken.
                await console.blocking(operations.mark_live_request_taken, bookings_db, sender_id)
            elif action == "reply":
                text = (request.form.get("text") or "").strip()[:2000]
                if not text:
                    return back_to(sender_id, "reply-empty")
                # Users see who answers: "Ana from the care team: …", in every channel.
                await console.blocking(rasa.send_agent_message, sender_id, text, agent_name(session.user.first_name))
            elif action == "end":
                slots = await console.blocking(queries.final_slots, tracker, sender_id)
                # Answers given but not sent yet: the form was left for the take-over.
                started = any(slots.get(slot) is not None for slot in FORM_SLOTS) and not slots.get("booking_reference")
                await console.blocking(rasa.hand_back, sender_id, started)
            else:
                return back_to(sender_id, "unknown-action")
        except RasaApiError as error:
            return back_to(sender_id, error.notice, "take-over")
        await console.audit(session.user.username, f"takeover_{action}", operations.subject_tag(sender_id))
        done = {"start": "taken-over", "reply": "reply-sent", "end": "handed-back"}[action]
        return back_to(sender_id, done, "take-over")

    @console.conversation_route("/forget")
    @console.signed_in(role="admin")
    async def forget(request: Request, session: auth.Session, sender_id: str):
        if request.form.get("confirm") != "forget":
            return back_to(sender_id, "confirm-forget")
        counts = await console.blocking(operations.forget_user, db, tracker, bookings_db, sender_id)
        await console.audit(session.user.username, "forget_user",
                         f"{operations.subject_tag(sender_id)} events={counts['events']} bookings={counts['bookings']}")
        return response.redirect("/?" + urlencode({"notice": "forgotten"}))

    @app.get("/export")
    @console.signed_in()
    async def export(request: Request, session: auth.Session):
        await console.blocking(refresh_index, db, tracker)
        query = queries.ConversationFilter.from_args(request.args)
        unredacted = request.args.get("unredacted") == "1"
        if unredacted and not session.user.is_admin:
            return await console.error(session, 403, "Only an admin can export contact details.")
        senders, number = [], 1
        while True:  # every page of the filtered list
            query.page = number
            listing = await console.blocking(queries.list_conversations, db, query)
            senders += [row["sender_id"] for row in listing["rows"]]
            if number >= listing["pages"]:
                break
            number += 1
        kind = "json" if request.args.get("format") == "json" else "csv"
        await console.audit(session.user.username, "export",
                         f"format={kind} conversations={len(senders)} redacted={not unredacted}")
        mime = "application/json" if kind == "json" else "text/csv"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        # The file's name says when it holds contact details, so it is not mixed up with a redacted one.
        name = f"transcripts-WITH-CONTACT-DETAILS-{stamp}" if unredacted else f"transcripts-redacted-{stamp}"
        # Streamed EXPORT_BATCH conversations at a time, each read whole (in bounded batches of
        # events, queries.transcript) and redacted by itself: never every row of every
        # conversation in memory at once.
        stream = await request.respond(content_type=f"{mime}; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}.{kind}"'})
        await stream.send(JSON_START if kind == "json" else csv_part([], header=True))
        written = False
        for start in range(0, len(senders), EXPORT_BATCH):
            rows = await console.blocking(_export_rows, tracker, senders[start:start + EXPORT_BATCH], not unredacted)
            if rows:
                await stream.send(json_part(rows, first=not written) if kind == "json" else csv_part(rows, False))
                written = True
        if kind == "json":
            await stream.send(JSON_END)
        await stream.eof()
