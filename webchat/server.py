"""Serves the web chat page (stdlib only): a fixed set of files, plus config.js from env.

    python webchat/server.py            # http://localhost:${WEBCHAT_PORT:-8080}/

The health app embeds the page in an iframe (see README). RASA_PUBLIC_URL is where the
browser reaches Rasa's socket.io channel (default http://localhost:${RASA_PORT:-5005}).
"""
from __future__ import annotations

import json
import logging
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
FILES = {
    "/": (HERE / "src" / "index.html", "text/html; charset=utf-8"),
    "/index.html": (HERE / "src" / "index.html", "text/html; charset=utf-8"),
    "/chat.css": (HERE / "src" / "chat.css", "text/css; charset=utf-8"),
    "/chat.js": (HERE / "src" / "chat.js", "text/javascript; charset=utf-8"),
    "/embed.js": (HERE / "src" / "embed.js", "text/javascript; charset=utf-8"),
    "/vendor/socket.io.min.js": (
        HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "text/javascript; charset=utf-8",
    ),
}
logger = logging.getLogger("webchat")


def rasa_public_url() -> str:
    return os.environ.get("RASA_PUBLIC_URL") or f"http://localhost:{os.environ.get('RASA_PORT', '5005')}"


def config_js() -> bytes:
    config = {"socketUrl": rasa_public_url(), "socketPath": "/socket.io"}
    return f"window.MMD_CONFIG = {json.dumps(config)};\n".encode()


class Handler(BaseHTTPRequestHandler):
    server_version = "mmd-webchat"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        if path == "/config.js":
            self._send(HTTPStatus.OK, config_js(), "text/javascript; charset=utf-8")
        elif path == "/health":
            self._send(HTTPStatus.OK, b'{"status": "ok"}', "application/json")
        elif path in FILES:
            file, content_type = FILES[path]
            try:
                self._send(HTTPStatus.OK, file.read_bytes(), content_type)
            except FileNotFoundError:
                logger.error("missing file %s: run `make build`", file.name)
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"web chat not built", "text/plain")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        origin = rasa_public_url()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        ws_origin = origin.replace("http://", "ws://").replace("https://", "wss://")
        self.send_header(
            "Content-Security-Policy",
            f"default-src 'self'; connect-src 'self' {origin} {ws_origin}; "
            "img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
            f"frame-ancestors {os.environ.get('WEB_ORIGINS', '*')}",
        )
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        logger.debug("%s - %s", self.address_string(), format % args)


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format='ts=%(asctime)s level=%(levelname)s logger=%(name)s msg="%(message)s"')
    port = int(os.environ.get("WEBCHAT_PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    logger.info("web chat on port %s, Rasa at %s", port, rasa_public_url())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
