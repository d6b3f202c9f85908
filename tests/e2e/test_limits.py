"""Limits against the real Rasa server and action server (rasa_server/limits.py, README
"Limits"): one stack with small limits, REST and socket.io on localhost only."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid

import pytest

from tests.e2e.chat import Chat, http, texts
from tests.e2e.servers import MODEL, REST_SECRET, running_stack

SLOW_DOWN = "faster than I can read them"
LIMITS = {
    "MAX_MESSAGE_CHARS": "300",
    "MAX_TURNS_PER_SESSION": "6",
    "RATE_LIMIT_SENDER_BURST": "10",
    "RATE_LIMIT_SENDER_PER_MINUTE": "6",
    "RATE_LIMIT_CLIENT_BURST": "4",
    "RATE_LIMIT_CLIENT_PER_MINUTE": "1",
    "RATE_LIMIT_NOTICE_SECONDS": "60",
    "RATE_LIMIT_REFUSED_DELAY_SECONDS": "0.3",
    # One trusted proxy: a request's X-Forwarded-For names its client, as behind a load balancer.
    # Requests without it come from 127.0.0.1, exempt from the per-client limit by default.
    "RATE_LIMIT_PROXIES_COUNT": "1",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make e2e does it)")
    with running_stack(tmp_path_factory.mktemp("limits"), extra_env=LIMITS) as stack:
        yield stack


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def post(stack, sender: str, message: str, client: str | None = None) -> list:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {REST_SECRET}"}
    if client:
        headers["X-Forwarded-For"] = client
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", method="POST", headers=headers,
                                     data=json.dumps({"sender": sender, "message": message}).encode())
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


def events_of(stack, sender: str) -> list:
    status, body = http("GET", f"{stack.rasa_url}/conversations/{sender}/tracker", token=stack.api_token)
    assert status == 200, body
    return body["events"]


def test_a_flood_from_one_sender_gets_one_slow_down_reply_and_costs_no_work(limited):
    sender = unique("flood")
    answers, took = [], []
    for _ in range(20):
        started = time.monotonic()
        answers.append(post(limited, sender, "hello"))
        took.append(time.monotonic() - started)
    assert all(texts(replies) and SLOW_DOWN not in texts(replies) for replies in answers[:10])
    assert [texts(replies) for replies in answers].count("") == 9
    [notice] = [replies for replies in answers if SLOW_DOWN in texts(replies)]
    assert answers.index(notice) == 10 and len(notice) == 1
    assert "112, 911 or 999" in notice[0]["text"]
    # the silent answers wait (a flooding script is slowed), the notice does not
    assert all(took[i] >= 0.3 for i, replies in enumerate(answers) if not texts(replies))
    # The refused messages were never processed: ten user messages in the conversation.
    assert sum(event["event"] == "user" for event in events_of(limited, sender)) == 10
    assert "not a diagnosis" in texts(post(limited, unique("other"), "hello"))


def test_one_client_address_is_limited_across_senders(limited):
    client = "203.0.113.9"
    answered = [post(limited, unique("shared"), "hello", client=client) for _ in range(4)]
    assert all("not a diagnosis" in texts(replies) for replies in answered)
    refused = post(limited, unique("shared"), "hello", client=client)
    assert SLOW_DOWN in texts(refused) and "not a diagnosis" not in texts(refused)
    assert "not a diagnosis" in texts(post(limited, unique("elsewhere"), "hello", client="198.51.100.2"))


def test_a_too_long_message_gets_a_clear_reply_with_the_emergency_line_and_its_beginning_is_read(limited):
    filler = " I also wanted to say that we have been reading about it for a long time."
    replies = Chat(limited.rasa_url, unique("long")).say("what is mirror movement disorder?" + filler * 6)
    assert "longer than 300 characters" in replies[0]["text"] and "shorter messages" in replies[0]["text"]
    assert "112, 911 or 999" in replies[0]["text"]
    assert "Sources:" in texts(replies[1:])  # the first part was answered

    emergency = Chat(limited.rasa_url, unique("long-emergency")).say(
        "my dad suddenly can't move his arm and his face is drooping." + filler * 6)
    assert "112, 911 or 999" in emergency[0]["text"]
    assert "\N{POLICE CARS REVOLVING LIGHT}" in texts(emergency[1:])  # the safety net read it too

    # The red flag at the end, after the part that fits: the later part is read instead.
    late = Chat(limited.rasa_url, unique("late-emergency")).say(
        "what is mirror movement disorder?" + filler * 6 + " Sorry, my son just collapsed and is not breathing!")
    assert "\N{POLICE CARS REVOLVING LIGHT}" in texts(late[1:])
    crisis = Chat(limited.rasa_url, unique("late-crisis")).say(
        "how is it treated?" + filler * 6 + " honestly I don't want to live anymore")
    assert "\N{POLICE CARS REVOLVING LIGHT}" in texts(crisis[1:]) and "feeling this way" in texts(crisis[1:])

    bahasa = Chat(limited.rasa_url, unique("panjang")).say(
        "apa itu mirror movement? " + "saya sudah lama membaca tentang ini dan anak saya juga begitu. " * 6)
    assert "lebih dari 300 karakter" in bahasa[0]["text"]
    assert "112" in bahasa[0]["text"] and "119" in bahasa[0]["text"]


LONG_MESSAGE = "mmd_long_message"  # rasa_server/limits.py's LONG_MESSAGE_KEY


def test_a_long_message_is_kept_whole_for_staff_and_the_reply_says_which_part_was_read(limited):
    filler = " I also wanted to say that we have been reading about it for a long time."
    written = "what is mirror movement disorder?" + filler * 6 + " Sorry, my son just collapsed and is not breathing!"
    chat = Chat(limited.rasa_url, unique("kept-whole"))
    replies = chat.say(written)  # the conversation's first message: it starts the session
    assert "the part of it that looked most urgent" in replies[0]["text"] and "first part" not in replies[0]["text"]
    assert "\N{POLICE CARS REVOLVING LIGHT}" in texts(replies[1:])
    events = events_of(limited, chat.sender)
    [said] = [event for event in events if event["event"] == "user"]
    assert "collapsed" in said["text"] and len(said["text"]) <= 300  # what the assistant read
    assert said["parse_data"]["intent"]["name"] == "emergency"
    record = said["metadata"][LONG_MESSAGE]
    assert record["text"] == written and record["chars"] == len(written) and record["urgent"] is True
    assert written[record["read_from"]:record["read_to"]] == said["text"]
    # Added after the session start: not copied into the session_started_metadata slot.
    assert not [event for event in events if event["event"] == "slot" and event["name"] == "session_started_metadata"]

    first = Chat(limited.rasa_url, unique("first-part")).say("what is mirror movement disorder?" + filler * 6)
    assert "so I read only its first part" in first[0]["text"]
    bahasa = Chat(limited.rasa_url, unique("mendesak")).say(
        "apa itu mirror movement? " + "saya sudah lama membaca tentang ini dan anak saya juga begitu. " * 6
        + "tolong, anak saya tiba-tiba pingsan dan tidak bernapas!")
    assert "bagian yang tampak paling mendesak" in bahasa[0]["text"]
    assert "\N{POLICE CARS REVOLVING LIGHT}" in texts(bahasa[1:])


def test_a_long_message_of_no_words_gets_the_not_understood_reply(limited):
    chat = Chat(limited.rasa_url, unique("aaaa"))
    replies = chat.say("a" * 10_000)
    assert "longer than 300 characters" in replies[0]["text"]
    assert "not sure I understood" in texts(replies[1:])
    assert "Sources:" not in texts(replies[1:])  # no FAQ answer (it was "adult onset")
    [said] = [event for event in events_of(limited, chat.sender) if event["event"] == "user"]
    assert said["parse_data"]["intent"]["name"] == "nlu_fallback"
    assert said["metadata"][LONG_MESSAGE]["text"] == "a" * 10_000
    # A short message is read as before.
    assert "Sources:" in texts(Chat(limited.rasa_url, unique("short")).say("what is mirror movement disorder?"))


def test_a_booking_continues_past_the_turn_cap_in_a_new_session(limited):
    chat = Chat(limited.rasa_url, unique("cap"))
    assert "not a diagnosis" in texts(chat.say("hello"))
    assert "Who is the consultation for" in texts(chat.say("/request_consultation"))
    assert "How old" in texts(chat.say('/inform{"consult_for": "child"}'))
    assert "what have you noticed" in texts(chat.say("7"))
    assert "your name" in texts(chat.say("His left hand copies the right one when he writes"))
    assert "email address or a phone number" in texts(chat.say("Sam Jones"))  # the 6th message
    assert "days or times" in texts(chat.say("sam@example.com"))  # the 7th: a new session
    events = events_of(limited, chat.sender)
    assert sum(event["event"] == "session_started" for event in events) == 2
    last_session = events[max(i for i, e in enumerate(events) if e["event"] == "session_started"):]
    assert {"event": "active_loop", "name": "consultation_form"}.items() <= next(
        e for e in last_session if e["event"] == "active_loop").items()
    carried = {e["name"]: e["value"] for e in last_session if e["event"] == "slot"}
    assert carried["requester_name"] == "Sam Jones" and carried["consult_for"] == "child"
    assert carried["contact"] == "sam@example.com"
    assert "share this conversation" in texts(chat.say("weekday mornings"))


def test_a_socketio_flood_gets_one_slow_down_emit(limited):
    import aiohttp

    async def flood() -> list:
        said, settle = [], 0.0
        url = limited.rasa_url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as client, \
                client.ws_connect(url, headers={"Origin": limited.webchat_url}) as socket:
            await socket.receive()  # engine.io open
            await socket.send_str("40")
            await socket.receive()  # socket.io connect
            await socket.send_str("42" + json.dumps(["session_request", {"session_id": session}]))
            for _ in range(14):
                await socket.send_str("42" + json.dumps(["user_uttered", {"message": "hello", "session_id": session}]))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (len(said) < 11 or time.monotonic() < settle):
                try:
                    message = await asyncio.wait_for(socket.receive(), 0.5)
                except asyncio.TimeoutError:
                    continue
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                if message.data == "2":
                    await socket.send_str("3")  # engine.io ping
                elif message.data.startswith("42"):
                    event, data = json.loads(message.data[2:])[:2]
                    if event == "bot_uttered":
                        said.append(data.get("text") or "")
                        settle = time.monotonic() + 2  # then listen 2 s more for anything extra
        return said

    session = unique("sio")
    said = asyncio.run(flood())
    assert sum(SLOW_DOWN in text for text in said) == 1
    assert len(said) >= 11  # the ten processed greetings were answered
    assert sum(event["event"] == "user" for event in events_of(limited, session)) == 10
