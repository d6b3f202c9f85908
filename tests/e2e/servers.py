"""Starts the real action server and Rasa server for end-to-end tests, and stops them."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[2]
RASA = str(ROOT / ".venv" / "bin" / "rasa")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MODEL = ROOT / "models" / "mmd-assistant.tar.gz"
START_TIMEOUT_SECONDS = 180
# The REST channel's shared secret in every test stack; tests/e2e/chat.py sends it.
REST_SECRET = "e2e-rest-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {timeout} s:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    """The action server and the Rasa server on free localhost ports, with their own databases."""

    workdir: Path
    api_token: str = "e2e-secret-token"
    endpoints: str = "endpoints.yml"
    extra_env: Dict[str, str] = field(default_factory=dict)
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    # Chosen before Rasa starts: the socket.io channel accepts only this page's origin.
    webchat_port: int = field(default_factory=free_port)
    processes: List[subprocess.Popen] = field(default_factory=list)
    rasa: Optional[subprocess.Popen] = None
    # Where the callback channel posts replies (the app's backend); None: no callback channel.
    callback_url: Optional[str] = None

    @property
    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            RASA_TELEMETRY_ENABLED="false",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
            TRACKER_DB_URL=f"sqlite:///{self.workdir / 'conversations.db'}",
            BOOKINGS_DB_URL=f"sqlite:///{self.workdir / 'bookings.db'}",
            PYTHONPATH=str(ROOT),
            REST_CHANNEL_SECRET=REST_SECRET,
            WEB_ORIGINS=self.webchat_url,
        )
        env.update(self.extra_env)
        return env

    @property
    def webchat_url(self) -> str:
        return f"http://127.0.0.1:{self.webchat_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, name: str, args: List[str], **env: str) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        process = subprocess.Popen(
            args, cwd=ROOT, env={**self.env, **env}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_actions(self) -> None:
        process = self._spawn("actions", [RASA, "run", "actions", "--actions", "actions",
                                          "--port", str(self.actions_port)])
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", process,
                      self.workdir / "actions.log", START_TIMEOUT_SECONDS)

    def start_rasa(self) -> None:
        credentials = "credentials.yml"
        if self.callback_url:  # written as `make run` does: credentials.yml + channels from env
            credentials = str(self.workdir / "credentials.yml")
            subprocess.run([PYTHON, "scripts/credentials.py", credentials], cwd=ROOT, check=True,
                           env={**self.env, "CALLBACK_URL": self.callback_url}, capture_output=True, timeout=60)
        self.rasa = self._spawn("rasa", [
            PYTHON, "-m", "rasa_server", "run", "--model", str(MODEL), "--port", str(self.rasa_port),
            "--endpoints", self.endpoints, "--credentials", credentials,
            "--enable-api", "--auth-token", self.api_token, "--cors", "*",
        ])
        wait_until_up(self.rasa_url + "/", self.rasa, self.workdir / "rasa.log", START_TIMEOUT_SECONDS)

    def start_webchat(self) -> str:
        """The web chat page server, pointed at this stack's Rasa (socket.io for the browser,
        the HTTP API for answer feedback); returns its URL."""
        process = self._spawn("webchat", [str(ROOT / ".venv" / "bin" / "python"), "webchat/server.py"],
                              WEBCHAT_PORT=str(self.webchat_port), RASA_PUBLIC_URL=self.rasa_url,
                              RASA_URL=self.rasa_url, RASA_API_TOKEN=self.api_token)
        url = self.webchat_url
        wait_until_up(url + "/health", process, self.workdir / "webchat.log", 30)
        return url

    def start_console(self, admin: str, password: str) -> str:
        """The staff console on this stack's databases and Rasa API; returns its URL."""
        port = free_port()
        env = dict(CONSOLE_DB_URL=f"sqlite:///{self.workdir / 'console.db'}", RASA_URL=self.rasa_url,
                   RASA_API_TOKEN=self.api_token, CONSOLE_SECRET_KEY="e2e-console-key",
                   STAFF_PORT=str(port), CONSOLE_PASSWORD=password)
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run([python, "-m", "console.cli", "create-user", admin, "--role", "admin"],
                       cwd=ROOT, env={**self.env, **env}, check=True, capture_output=True, timeout=60)
        process = self._spawn("console", [python, "-m", "console.app"], **env)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/health", process, self.workdir / "console.log", 60)
        return url

    def stop_actions(self) -> None:
        for process in [p for p in self.processes if "actions" in p.args]:
            terminate(process)
            self.processes.remove(process)

    def actions_process(self) -> subprocess.Popen:
        return next(p for p in self.processes if "actions" in p.args)

    def stop_rasa(self) -> None:
        if self.rasa is not None:
            terminate(self.rasa)
            self.processes.remove(self.rasa)
            self.rasa = None

    def stop(self) -> None:
        for process in reversed(self.processes):
            terminate(process)
        self.processes.clear()


class CallbackReceiver(ThreadingHTTPServer):
    """The app's backend as the callback channel sees it: records every JSON message POSTed."""

    def __init__(self) -> None:
        self.messages: List[Dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.messages.append(json.loads(body or b"null"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/app/messages"

    def texts_for(self, sender: str) -> List[str]:
        return [m.get("text") or "" for m in list(self.messages) if m and m.get("recipient_id") == sender]


@contextmanager
def running_stack(workdir: Path, **options: Any) -> Iterator[Stack]:
    """An action server and a Rasa server for the duration of the block, stopped after it."""
    stack = Stack(workdir=workdir, **options)
    try:
        stack.start_actions()
        stack.start_rasa()
        yield stack
    finally:
        stack.stop()


def terminate(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, then SIGKILL if it has not exited in 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
