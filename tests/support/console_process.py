"""The staff console in its own process, as its HTTP tests start it: `python -m console.app` on
the given databases, its accounts made first with the real `python -m console.cli create-user`,
stopped (and its port freed) when the `with` block ends. Shared by tests/unit/test_console_app.py,
test_console_analytics.py and test_console_inbox.py (and test_console_workflow.py through the
first's `app` fixture), with the HTTP client and the fake Rasa HTTP API they use.

Each test module starts its own console (a module-scoped fixture), not one per session: the
console reads its database URLs once at start-up, and the modules' assertions rely on databases
of their own (analytics counts every contacted request of the last 30 days, test_console_workflow
pages through every request in the queue, the story export reads every event of a sender that
test_console_app also writes to)."""
from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, Optional, Tuple

from tests.e2e.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
DATABASES = ("console", "tracker", "bookings")


def sqlite_urls(workdir: Path) -> Dict[str, str]:
    """One SQLite file per database in `workdir`."""
    return {name: f"sqlite:///{workdir / (name + '.db')}" for name in DATABASES}


@dataclass
class ConsoleProcess:
    url: str
    port: int
    env: Dict[str, str]
    log: Path
    process: subprocess.Popen

    def create_user(self, username: str, password: str, role: str = "agent") -> None:
        """A staff account, made with the real CLI on the running console's database."""
        create_user(self.env, username, password, role)


def create_user(env: Dict[str, str], username: str, password: str, role: str = "agent") -> None:
    subprocess.run([sys.executable, "-m", "console.cli", "create-user", username, "--role", role],
                   cwd=ROOT, env={**env, "CONSOLE_PASSWORD": password}, check=True, capture_output=True,
                   timeout=60)


@contextmanager
def console_process(workdir: Path, urls: Dict[str, str], password: str,
                    accounts: Iterable[Tuple[str, str]] = (), extra_env: Optional[Dict[str, str]] = None,
                    start_timeout: float = 60) -> Iterator[ConsoleProcess]:
    """The console on `urls` (console, tracker, bookings), with `accounts` ((username, role),
    all with `password`, which is also CONSOLE_PASSWORD in its environment), its log in
    workdir/console.log."""
    port = free_port()
    env = {**os.environ, "CONSOLE_DB_URL": urls["console"], "TRACKER_DB_URL": urls["tracker"],
           "BOOKINGS_DB_URL": urls["bookings"], "CONSOLE_SECRET_KEY": "unit-key", "STAFF_PORT": str(port),
           "CONSOLE_PASSWORD": password, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    for username, role in accounts:
        create_user(env, username, password, role)
    log = workdir / "console.log"
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "console.app"], cwd=ROOT, env=env,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, start_timeout)
        yield ConsoleProcess(f"http://127.0.0.1:{port}", port, env, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- the HTTP client and the fake Rasa ------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class Client:
    """A browser as far as the console cares: one session cookie, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookie = ""

    def request(self, path, form=None, headers=None):
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={**({"Cookie": self.cookie} if self.cookie else {}),
                                                  **(headers or {})})
        try:
            with _opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def sign_in(self, username, password, client_ip=None):
        headers = {"X-Forwarded-For": client_ip} if client_ip else {}
        status, headers, body = self.request("/login", {"username": username, "password": password}, headers)
        if status == 302:
            self.cookie = headers["Set-Cookie"].split(";")[0]
        return status, body

    def csrf(self, path="/bookings"):
        return re.search(r'name="csrf" value="([^"]+)"', self.request(path)[2]).group(1)


class FakeRasa(http.server.ThreadingHTTPServer):
    """Rasa's HTTP API as the console calls it: records each call, answers every one."""

    def __init__(self) -> None:
        self.calls = []
        self.delay = 0.0  # seconds before answering: a slow Rasa
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                time.sleep(server.delay)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.calls.append((urllib.parse.unquote(self.path.split("?")[0]), json.loads(body or b"null")))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @contextmanager
    def serving(self) -> Iterator[FakeRasa]:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.shutdown()
            self.server_close()
