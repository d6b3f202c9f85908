"""The staff console web app (Sanic + Jinja2, autoescaped; every page needs a signed-in user).

    python -m console.app          # http://localhost:${STAFF_PORT:-8081}/
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request

from common.logs import configure_logging
from console.routes import admin, analytics, bookings, conversations, inbox, live, sign_in
from console.settings import load_settings
from console.web import Console, sender_path  # noqa: F401 - sender_path: imported by tests

HERE = Path(__file__).resolve().parent
STATIC_FILES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
ROUTE_MODULES = (sign_in, conversations, bookings, admin, analytics, live, inbox)
logger = logging.getLogger("console")


def create_app(settings=None) -> Sanic:
    console = Console.create(settings or load_settings())
    app = Sanic("mmd_staff_console")
    console.app = app
    app.config.REQUEST_MAX_SIZE = 1_000_000
    if console.settings.proxies_count:
        app.config.PROXIES_COUNT = console.settings.proxies_count

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
            return await console.error(None, 404, "Not found.")
        return await response.file(HERE / "static" / name, mime_type=STATIC_FILES[name])

    @app.get("/health")
    async def health(_: Request):
        return response.json({"status": "ok"})

    for area in ROUTE_MODULES:
        area.register(app, console)

    @app.exception(Exception)
    async def on_error(request: Request, error: Exception):
        status = getattr(error, "status_code", 500)
        if status >= 500:
            logger.exception("console error path=%s", request.path)
        return await console.error(None, status, "Not found." if status == 404 else "Something went wrong.")

    return app


def main() -> int:
    configure_logging()
    app = create_app()
    app.run(host="0.0.0.0", port=int(os.environ.get("STAFF_PORT", "8081")), access_log=False,
            motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
