"""Serves the web chat page (stdlib only): a fixed set of files, config.js from env, and
POST /feedback ("Was this helpful?" under an answer), stored as a slot event through Rasa.

    python webchat/server.py            # http://localhost:${WEBCHAT_PORT:-8080}/

The health app embeds the page in an iframe (see README). RASA_PUBLIC_URL is where the
browser reaches Rasa's socket.io channel (default http://localhost:${RASA_PORT:-5005}).
RASA_URL and RASA_API_TOKEN are where this server reaches Rasa's HTTP API to store
feedback; without the token the chat shows no feedback buttons. MAX_MESSAGE_CHARS is the Rasa
server's message length limit (rasa_server/limits.py, read here the same way): the chat tells
the user before sending a longer message that it will be read only in part.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Deque, Dict, List, Optional
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
FILES = {
    "/": (HERE / "src" / "index.html", "text/html; charset=utf-8"),
    "/index.html": (HERE / "src" / "index.html", "text/html; charset=utf-8"),
    "/chat.css": (HERE / "src" / "chat.css", "text/css; charset=utf-8"),
    "/chat.js": (HERE / "src" / "chat.js", "text/javascript; charset=utf-8"),
    "/i18n.js": (HERE / "src" / "i18n.js", "text/javascript; charset=utf-8"),
    "/embed.js": (HERE / "src" / "embed.js", "text/javascript; charset=utf-8"),
    "/vendor/socket.io.min.js": (
        HERE / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "text/javascript; charset=utf-8",
    ),
}
logger = logging.getLogger("webchat")

# POST /feedback: {"sender_id": str, "helpful": bool, "answer": the answer's first 120 characters}
FEEDBACK_MAX_BYTES = 2048
ANSWER_MAX_CHARS = 120
# The web chat's session ids: 32 hex digits (or a timestamp + random digits in old browsers).
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
FEEDBACK_PER_MINUTE = int(os.environ.get("WEBCHAT_FEEDBACK_PER_MINUTE", "20"))


def rasa_public_url() -> str:
    return os.environ.get("RASA_PUBLIC_URL") or f"http://localhost:{os.environ.get('RASA_PORT', '5005')}"


def rasa_api_url() -> str:
    return (os.environ.get("RASA_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}").rstrip("/")


def rasa_api_token() -> str:
    return os.environ.get("RASA_API_TOKEN", "")


def max_message_chars() -> int:
    """The Rasa server's MAX_MESSAGE_CHARS (0: none), as rasa_server/limits.py reads it from the same
    environment (scripts/env.sh, the k8s config map): one variable, one default, one parser."""
    from rasa_server.limits import settings_from_env

    return max(0, settings_from_env().max_message_chars)


def config_js() -> bytes:
    config = {"socketUrl": rasa_public_url(), "socketPath": "/socket.io", "feedback": bool(rasa_api_token()),
              "maxMessageChars": max_message_chars()}
    return f"window.MMD_CONFIG = {json.dumps(config)};\n".encode()


class FeedbackError(Exception):
    """A request the server refuses: `status` and a short `code` for the JSON answer."""

    def __init__(self, status: HTTPStatus, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def parse_feedback(body: bytes) -> Dict[str, Any]:
    """The validated feedback, or FeedbackError(400, why)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FeedbackError(HTTPStatus.BAD_REQUEST, "invalid-json") from error
    if not isinstance(data, dict) or set(data) - {"sender_id", "helpful", "answer"}:
        raise FeedbackError(HTTPStatus.BAD_REQUEST, "unexpected-fields")
    sender_id, helpful, answer = data.get("sender_id"), data.get("helpful"), data.get("answer")
    if not isinstance(sender_id, str) or not SENDER_ID.fullmatch(sender_id):
        raise FeedbackError(HTTPStatus.BAD_REQUEST, "invalid-sender-id")
    if not isinstance(helpful, bool):
        raise FeedbackError(HTTPStatus.BAD_REQUEST, "invalid-helpful")
    if not isinstance(answer, str) or not answer.strip() or len(answer) > ANSWER_MAX_CHARS:
        raise FeedbackError(HTTPStatus.BAD_REQUEST, "invalid-answer")
    if any(ord(char) < 32 and char not in "\n\t" or 0xD800 <= ord(char) <= 0xDFFF for char in answer):
        raise FeedbackError(HTTPStatus.BAD_REQUEST, "invalid-answer")
    return {"sender_id": sender_id, "helpful": helpful, "answer": answer.strip()}


class RateLimiter:
    """At most `limit` requests per `window` seconds per key (a client address)."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self._hits: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            if len(self._hits) >= self.max_keys and key not in self._hits:
                # Forget clients whose window has passed; if all are recent, the oldest.
                for old in [k for k, hits in self._hits.items() if not hits or now - hits[-1] >= self.window]:
                    del self._hits[old]
                if len(self._hits) >= self.max_keys:
                    del self._hits[next(iter(self._hits))]
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True


class RasaUnavailable(Exception):
    """Rasa's HTTP API did not answer, timed out or refused the token."""


class RasaFeedbackStore:
    """Appends the feedback to the conversation through Rasa's HTTP API (a timeout on every call)."""

    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        self.base_url, self.token, self.timeout = base_url.rstrip("/"), token, timeout

    def _call(self, sender_id: str, suffix: str, params: Dict[str, str], body: Any = None) -> Any:
        query = urllib.parse.urlencode({**params, "token": self.token})
        url = f"{self.base_url}/conversations/{urllib.parse.quote(sender_id, safe='')}/tracker{suffix}?{query}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            logger.error("feedback: rasa api status=%s", error.code)
            raise RasaUnavailable(str(error.code)) from error
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            logger.warning("feedback: rasa api unreachable error=%s", type(error).__name__)
            raise RasaUnavailable(type(error).__name__) from error

    def record(self, sender_id: str, helpful: bool, answer: str) -> None:
        """Appends the slot event, after checking that the assistant gave this answer in this
        conversation and that it was not rated since (FeedbackError 404 / 409)."""
        tracker = self._call(sender_id, "", {"include_events": "ALL"}) or {}
        events: List[Dict[str, Any]] = tracker.get("events") or []
        given = [i for i, event in enumerate(events)
                 if event.get("event") == "bot" and answer in (event.get("text") or "")]
        if not given:
            raise FeedbackError(HTTPStatus.NOT_FOUND, "unknown-answer")
        for event in events[given[-1]:]:
            value = event.get("value")
            if (event.get("event") == "slot" and event.get("name") == "answer_feedback"
                    and isinstance(value, dict) and value.get("answer") == answer):
                raise FeedbackError(HTTPStatus.CONFLICT, "already-recorded")
        self._call(sender_id, "/events", {"include_events": "NONE"},
                   {"event": "slot", "name": "answer_feedback", "value": {"helpful": helpful, "answer": answer}})


class Handler(BaseHTTPRequestHandler):
    server_version = "mmd-webchat"
    sys_version = ""
    timeout = 15  # a client that sends its request slowly does not hold a thread for long
    limiter = RateLimiter(FEEDBACK_PER_MINUTE)
    store: Optional[RasaFeedbackStore] = None  # tests put a store here; else built from the environment

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

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if urlsplit(self.path).path != "/feedback":
            self._json(HTTPStatus.NOT_FOUND, {"error": "not-found"})
            return
        try:
            feedback = self._read_feedback()
            store = self.store or (RasaFeedbackStore(rasa_api_url(), rasa_api_token())
                                   if rasa_api_token() else None)
            if store is None:
                raise FeedbackError(HTTPStatus.SERVICE_UNAVAILABLE, "feedback-off")
            store.record(feedback["sender_id"], feedback["helpful"], feedback["answer"])
        except FeedbackError as error:
            self._json(error.status, {"error": error.code})
            return
        except RasaUnavailable:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "try-later"})
            return
        logger.info("feedback recorded helpful=%s", feedback["helpful"])
        logger.debug("feedback answer=%r", feedback["answer"])
        self._json(HTTPStatus.OK, {"status": "recorded"})

    def _read_feedback(self) -> Dict[str, Any]:
        origin = self.headers.get("Origin")
        # Same origin only: a page elsewhere cannot rate answers in someone's conversation.
        if origin and urlsplit(origin).netloc != (self.headers.get("Host") or ""):
            raise FeedbackError(HTTPStatus.FORBIDDEN, "wrong-origin")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            raise FeedbackError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "json-only")
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError as error:
            raise FeedbackError(HTTPStatus.LENGTH_REQUIRED, "length-required") from error
        if length < 0 or length > FEEDBACK_MAX_BYTES:
            self.close_connection = True  # the body is not read
            raise FeedbackError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too-large")
        if not self.limiter.allow(self.client_ip()):
            self.close_connection = True
            raise FeedbackError(HTTPStatus.TOO_MANY_REQUESTS, "too-many")
        return parse_feedback(self.rfile.read(length))

    def client_ip(self) -> str:
        """The client's address; behind WEBCHAT_PROXIES_COUNT trusted proxies, from X-Forwarded-For."""
        proxies = int(os.environ.get("WEBCHAT_PROXIES_COUNT", "0") or 0)
        forwarded = [part.strip() for part in (self.headers.get("X-Forwarded-For") or "").split(",") if part.strip()]
        if proxies > 0 and len(forwarded) >= proxies:
            return forwarded[-proxies]
        return self.client_address[0]

    def _json(self, status: HTTPStatus, body: Dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

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
    sys.path.insert(0, str(HERE.parent))  # run as a script: the project's packages
    from common.logs import configure_logging

    configure_logging()
    port = int(os.environ.get("WEBCHAT_PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    logger.info("web chat on port %s, Rasa at %s, feedback %s", port, rasa_public_url(),
                "on" if rasa_api_token() else "off (no RASA_API_TOKEN)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
