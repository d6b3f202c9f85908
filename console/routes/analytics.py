"""The analytics page: charts over a chosen period and channel, from the index tables."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Optional

from sanic import Sanic
from sanic.request import Request

from console import analytics, auth
from console.indexer import refresh_index
from console.web import Console


def register(app: Sanic, console: Console) -> None:
    db = console.console_db

    def figures(period: Optional[analytics.Period]):
        refresh_index(db, console.tracker_db)
        channels = analytics.channels(db)
        data = analytics.report(db, console.bookings_db, period) if period else None
        return channels, data, analytics.charts_for(data) if data else None

    @app.get("/analytics")
    @console.signed_in()
    async def analytics_page(request: Request, session: auth.Session):
        period, error = analytics.parse_period(request.args, datetime.now(timezone.utc).date())
        # The heaviest page (a GROUP BY over the period's messages): off the event loop, so
        # other staff's pages do not wait for it.
        channels, data, charts = await asyncio.get_running_loop().run_in_executor(
            None, figures, None if error else period)
        if period.channel and period.channel not in channels:
            channels.append(period.channel)
        if error:
            # What was typed stays in the form, to correct it; no figures for a wrong period.
            typed = {name: (request.args.get(name) or "")[:100] for name in ("from", "to")}
            return await console.page("analytics.html", session, 400, error=error, channels=channels,
                                form={**typed, "channel": period.channel, "language": period.language})
        return await console.page("analytics.html", session, form=period.form(), channels=channels, data=data,
                            charts=charts, percent=analytics.percent, duration=analytics.duration)
