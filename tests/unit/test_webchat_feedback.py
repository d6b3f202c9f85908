"""The web chat server's POST /feedback: validation, limits, and the slot event it appends
through Rasa's HTTP API (a fake Rasa here; tests/e2e/test_webchat_feedback_browser.py uses
the real one)."""
from __future__ import annotations

import http.server
import importlib.util
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("webchat_server", ROOT / "webchat" / "server.py")
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)

SENDER = "0123456789abcdef0123456789abcdef"
ANSWER = ("Movement Mirror Disorder (MMD), also called congenital mirror movements (CMM), is a rare "
          "condition where a deliberate movement on one side of the body is copied. Sources: GeneReviews.")
TOKEN = "unit-feedback-token"


class FakeRasa(http.server.ThreadingHTTPServer):
    """GET …/tracker answers `events`; POST …/tracker/events records the event."""

    def __init__(self) -> None:
        self.events = [{"event": "user", "text": "what is mmd"}, {"event": "bot", "text": ANSWER}]
        self.appended = []
        self.queries = []
        rasa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, body):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                path, _, query = self.path.partition("?")
                rasa.queries.append((urllib.parse.unquote(path), urllib.parse.parse_qs(query)))
                self._answer({"sender_id": SENDER, "events": rasa.events})

            def do_POST(self):  # noqa: N802
                path, _, query = self.path.partition("?")
                rasa.queries.append((urllib.parse.unquote(path), urllib.parse.parse_qs(query)))
                event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rasa.appended.append(event)
                rasa.events.append(event)
                self._answer({})

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def serve(handler):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


@pytest.fixture()
def rasa(monkeypatch):
    fake = FakeRasa()
    threading.Thread(target=fake.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{fake.server_address[1]}")
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    yield fake
    fake.shutdown()


@pytest.fixture()
def chat_server():
    class Handler(server.Handler):
        limiter = server.RateLimiter(1000)

    httpd = serve(Handler)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def post(url, body, content_type="application/json", headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + "/feedback", data=data, method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def vote(helpful=False, answer=ANSWER[:120], sender=SENDER):
    return {"sender_id": sender, "helpful": helpful, "answer": answer}


def test_a_vote_on_an_answer_given_in_the_conversation_is_appended_as_a_slot_event(rasa, chat_server, caplog):
    caplog.set_level(logging.INFO, logger="webchat")
    assert post(chat_server, vote(helpful=False)) == (200, {"status": "recorded"})
    assert rasa.appended == [{"event": "slot", "name": "answer_feedback",
                              "value": {"helpful": False, "answer": ANSWER[:120]}}]
    (read_path, read_query), (write_path, write_query) = rasa.queries
    assert read_path == write_path[:-len("/events")] == f"/conversations/{SENDER}/tracker"
    assert read_query["token"] == write_query["token"] == [TOKEN]
    assert write_query["include_events"] == ["NONE"]
    # The user's text is never logged above DEBUG.
    assert "Movement Mirror" not in caplog.text and "helpful=False" in caplog.text


def test_the_same_answer_cannot_be_rated_twice_but_a_later_repeat_of_it_can(rasa, chat_server):
    assert post(chat_server, vote(helpful=True))[0] == 200
    assert post(chat_server, vote(helpful=False)) == (409, {"error": "already-recorded"})
    rasa.events.append({"event": "bot", "text": ANSWER})  # asked again, answered again
    assert post(chat_server, vote(helpful=False))[0] == 200
    assert [event["value"]["helpful"] for event in rasa.appended] == [True, False]


def test_an_answer_the_assistant_did_not_give_in_this_conversation_is_404(rasa, chat_server):
    assert post(chat_server, vote(answer="I never said this")) == (404, {"error": "unknown-answer"})
    assert rasa.appended == []


@pytest.mark.parametrize("body, error", [
    (b"not json", "invalid-json"),
    (b"\xff\xfe", "invalid-json"),
    ([1, 2], "unexpected-fields"),
    ({**vote(), "extra": 1}, "unexpected-fields"),
    ({"helpful": True, "answer": "x"}, "invalid-sender-id"),
    (vote(sender="../../etc"), "invalid-sender-id"),
    (vote(sender="a" * 65), "invalid-sender-id"),
    ({**vote(), "helpful": "yes"}, "invalid-helpful"),
    ({**vote(), "helpful": 1}, "invalid-helpful"),
    (vote(answer=""), "invalid-answer"),
    (vote(answer="   "), "invalid-answer"),
    (vote(answer="x" * 121), "invalid-answer"),
    (vote(answer=["x"]), "invalid-answer"),
    (vote(answer="a\x00b"), "invalid-answer"),
])
def test_bad_input_is_a_clear_400_and_nothing_is_stored(rasa, chat_server, body, error):
    assert post(chat_server, body) == (400, {"error": error})
    assert rasa.appended == []


def test_wrong_type_size_length_or_origin_is_refused(rasa, chat_server):
    assert post(chat_server, b"helpful=1", content_type="application/x-www-form-urlencoded") == (
        415, {"error": "json-only"})
    assert post(chat_server, b"{" + b" " * 5000 + b"}") == (413, {"error": "too-large"})
    assert post(chat_server, vote(), headers={"Origin": "https://evil.example"}) == (403, {"error": "wrong-origin"})
    host = chat_server.split("//")[1]
    assert post(chat_server, vote(), headers={"Origin": f"http://{host}"})[0] == 200
    assert len(rasa.appended) == 1


def test_a_missing_content_length_is_411(rasa, chat_server):
    import http.client
    host, port = chat_server.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("POST", "/feedback")
    connection.putheader("Content-Type", "application/json")
    connection.endheaders()
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (411, {"error": "length-required"})


def test_other_paths_are_404(chat_server):
    request = urllib.request.Request(chat_server + "/elsewhere", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 404


def test_rasa_down_or_refusing_the_token_is_503(monkeypatch, chat_server):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    assert post(chat_server, vote()) == (503, {"error": "try-later"})

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_error(401)

        def log_message(self, *args):
            pass

    refusing = serve(Refusing)
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{refusing.server_address[1]}")
    assert post(chat_server, vote()) == (503, {"error": "try-later"})
    refusing.shutdown()


def test_without_a_rasa_token_feedback_is_off_and_the_chat_shows_no_buttons(monkeypatch, chat_server):
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    assert post(chat_server, vote()) == (503, {"error": "feedback-off"})
    assert '"feedback": false' in server.config_js().decode()
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    assert '"feedback": true' in server.config_js().decode()


def test_each_client_is_limited_per_minute(rasa):
    now = [0.0]

    class Handler(server.Handler):
        limiter = server.RateLimiter(3, clock=lambda: now[0])

    httpd = serve(Handler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        statuses = [post(url, vote(answer="I never said this"))[0] for _ in range(4)]
        assert statuses == [404, 404, 404, 429]  # bad requests count too
        now[0] += 61
        assert post(url, vote())[0] == 200
    finally:
        httpd.shutdown()


def test_the_limiter_forgets_old_clients_and_stays_bounded():
    now = [0.0]
    limiter = server.RateLimiter(1, window=60, max_keys=3, clock=lambda: now[0])
    assert all(limiter.allow(f"10.0.0.{i}") for i in range(3))
    assert not limiter.allow("10.0.0.0")
    assert limiter.allow("10.0.0.9")  # the oldest client makes room
    assert len(limiter._hits) == 3
    now[0] += 61
    assert limiter.allow("10.0.0.0")
