"""The REST channel's shared secret and the socket.io channel's Origin check, on a real Sanic
server with the project's channel classes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from channels.socketio_origin import allowed_origins
from tests.e2e.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
WEB_ORIGIN = "https://app.example.org"


@contextmanager
def channel_server(tmp_path, **env):
    port = free_port()
    log = tmp_path / f"channels-{port}.log"
    environment = {key: value for key, value in os.environ.items() if key != "REST_CHANNEL_SECRET"}
    environment.update(PYTHONPATH=str(ROOT), WEB_ORIGINS=WEB_ORIGIN, **env)
    process = subprocess.Popen([sys.executable, "-m", "tests.unit.channel_app", str(port)], cwd=ROOT,
                               env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log, 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    with channel_server(tmp_path_factory.mktemp("open")) as url:
        yield url


@pytest.fixture(scope="module")
def secret_server(tmp_path_factory):
    with channel_server(tmp_path_factory.mktemp("secret"), REST_CHANNEL_SECRET="s3cret-value") as url:
        yield url


def http(method, url, body=None, headers=None):
    """(status, parsed JSON or text), with exactly the headers given."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def post(url, body, authorization=None):
    return http("POST", url + "/webhooks/rest/webhook", body,
                headers={"Authorization": authorization} if authorization else {})


def test_without_a_secret_the_rest_channel_is_open_but_never_takes_the_channel_from_the_body(open_server):
    status, replies = post(open_server, {"sender": "u1", "message": "hi", "input_channel": "twilio"})
    assert status == 200 and replies[0]["text"] == "rest|u1|hi"


def test_with_a_secret_a_caller_without_it_gets_401_in_json(secret_server):
    for authorization in [None, "Bearer wrong", "s3cret-value", "Basic s3cret-value", "Bearer s3cret-valu"]:
        status, body = post(secret_server, {"sender": "u2", "message": "hi"}, authorization)
        assert status == 401 and body["error"] == "unauthorized", authorization
    status, replies = post(secret_server, {"sender": "u2", "message": "hi", "input_channel": "socketio"},
                           "Bearer s3cret-value")
    assert status == 200 and replies[0]["text"] == "rest|u2|hi"
    assert post(secret_server, b"{not json", "Bearer s3cret-value")[0] == 400


def socketio_handshake(url, origin=None):
    headers = {"Origin": origin} if origin else {}
    return http("GET", url + "/socket.io/?EIO=4&transport=polling", headers=headers)[0]


def test_socketio_accepts_only_the_web_origins(open_server):
    assert socketio_handshake(open_server, WEB_ORIGIN) == 200
    assert socketio_handshake(open_server) == 200  # not a browser: no Origin to check
    assert socketio_handshake(open_server, "https://evil.example") == 400
    assert socketio_handshake(open_server, "https://app.example.org.evil.example") == 400


def test_web_origins_setting():
    assert allowed_origins("http://a:1  http://b:2") == ["http://a:1", "http://b:2"]
    assert allowed_origins("") is None and allowed_origins("*") == "*"
