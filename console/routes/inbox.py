"""The needs-attention inbox (/inbox), staff decisions on its messages, and a conversation
saved as a Rasa test story (/conversations/<id>/story.yml)."""
from __future__ import annotations

import functools
from urllib.parse import urlencode

from sanic import Sanic, response
from sanic.request import Request

from console import auth, inbox, operations, queries
from console.indexer import REASONS, refresh_index
from console.redaction import pseudonym
from console.stories import conversation_story
from console.web import Console

ACTIONS = ("confirm", "correct", "out_of_scope", "reopen")


def _filters(source) -> dict:
    """The list's own arguments (view, reason, channel, language, page), checked, from a query
    or a form."""
    view = "handled" if source.get("view") == "handled" else ""
    reason = source.get("reason") or ""
    language = (source.get("language") or "").strip().lower()
    return {"view": view, "reason": reason if reason in REASONS else "",
            "channel": (source.get("channel") or "").strip()[:64],
            "language": language if language in inbox.LANGUAGE_CHOICES else "",
            "page": queries.page_number(source)}


def _link(filters: dict, **changes) -> str:
    merged = {**filters, **changes}
    args = [(key, value) for key, value in merged.items() if value and not (key == "page" and value == 1)]
    return "/inbox" + ("?" + urlencode(args) if args else "")


def register(app: Sanic, console: Console) -> None:
    db, tracker = console.console_db, console.tracker_db
    # The nav of every signed-in page shows both counts (console/templates/base.html).
    console.nav_counts = functools.partial(inbox.nav_counts, db)

    @app.get("/inbox")
    @console.signed_in()
    async def inbox_page(request: Request, session: auth.Session):
        await console.blocking(refresh_index, db, tracker)
        filters = _filters(request.args)
        if filters["view"] == "handled":
            listing = await console.blocking(inbox.list_handled, db, filters["page"])
        else:
            listing = await console.blocking(inbox.list_open, db, filters["reason"], filters["channel"],
                                             filters["page"], filters["language"])
        info = inbox.domain_info()
        counts = await console.blocking(inbox.counts, db) or {}  # afresh, and so the nav of this page
        return await console.page("inbox.html", session, filters=filters, listing=listing,
                            counts=counts, channels=await console.blocking(inbox.channels, db),
                            language_choices=inbox.LANGUAGE_CHOICES,
                            inbox_nav=counts or None,
                            reasons=REASONS, reason_labels=inbox.REASON_LABELS,
                            intents=[label for label in info.labels if "/" not in label],
                            topics=info.topics, notice=inbox.NOTICES.get(request.args.get("done") or ""),
                            page_link=lambda number: _link(filters, page=number),
                            view_link=lambda view: _link({"view": view}))

    @app.post("/inbox/<event_id:int>")
    @console.signed_in()
    async def inbox_decide(request: Request, session: auth.Session, event_id: int):
        action = request.form.get("action") or ""
        if action not in ACTIONS:
            return await console.error(session, 400, "That action is not known; reload the page and try again.")
        if action == "reopen":
            decision = await console.blocking(inbox.reopen, db, event_id)
        else:
            decision = await console.blocking(inbox.decide, db, tracker, event_id, action,
                                              request.form.get("label") or "",
                                    session.user.username)
        if decision.code == "not-found":
            return await console.error(session, 404, "No such message in the inbox.")
        if decision.code not in inbox.NOTICES:  # bad-label, cannot-confirm, bad-action
            return await console.error(session, 400, "That label is not known; reload the page and try again.")
        if decision.code in ("confirmed", "corrected", "out_of_scope", "reopened"):
            verb = "inbox_reopen" if decision.code == "reopened" else f"inbox_{decision.code}"
            await console.audit(session.user.username, verb,
                             f"{operations.subject_tag(decision.correction['sender_id'])} "
                             f"{inbox.describe(decision.correction)}")
        return response.redirect(_link(_filters(request.form), done=decision.code))

    @console.conversation_route("/story.yml", methods=("GET",))
    @console.signed_in()
    async def story(request: Request, session: auth.Session, sender_id: str):
        text = conversation_story(tracker, sender_id, inbox.domain_info())
        if text is None:
            return await console.error(session, 404, "No such conversation.")
        await console.audit(session.user.username, "story_export", operations.subject_tag(sender_id))
        # "test_…": Rasa accepts full retrieval intents (faq/<topic>) only in test story files.
        name = pseudonym(sender_id).replace("#", "_")
        return response.text(text, content_type="application/x-yaml; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="test_{name}.yml"'})
