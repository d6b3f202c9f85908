"""Faults and bad input against the real servers: nothing lost, always a clear answer."""
from __future__ import annotations

import json
import os
import random
import signal
import time

import psycopg2
import pytest

from tests.e2e.chat import Chat, http, payloads, texts
from tests.e2e.servers import running_stack
from tests.support.postgres import set_connections, temporary_database

ACTION_TIMEOUT = 3
REPLY_BOUND_SECONDS = ACTION_TIMEOUT + 12
CONSULTATION = "/request_consultation"


@pytest.fixture(scope="module")
def bookings_database():
    yield from temporary_database("mmd_faults")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, bookings_database):
    env = {"ACTION_TIMEOUT_SECONDS": str(ACTION_TIMEOUT), "BOOKINGS_DB_URL": bookings_database[1]}
    with running_stack(tmp_path_factory.mktemp("faults"), extra_env=env) as running:
        yield running


def bookings_of(url_name, sender):
    connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=url_name, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            # The table appears with the first booking: none yet in this database means none.
            cursor.execute("SELECT to_regclass('public.bookings')")
            if cursor.fetchone()[0] is None:
                return 0
            cursor.execute("SELECT count(*) FROM bookings WHERE sender_id = %s", (sender,))
            return cursor.fetchone()[0]
    finally:
        connection.close()


def timed_say(chat, message):
    started = time.monotonic()
    replies = chat.say(message)
    return replies, time.monotonic() - started


def fill_until_summary(chat):
    chat.say(CONSULTATION)
    for answer in ['/inform{"consult_for": "child"}', "7", "his left hand follows the right",
                   "Sam Jones", "sam@example.com", "mornings"]:
        chat.say(answer)
    assert "Please check your request" in texts(chat.say("/affirm"))


def test_action_server_down_gets_a_polite_reply_and_the_booking_resumes(stack, bookings_database, request):
    chat = Chat(stack.rasa_url, f"down-{request.node.name}")
    chat.say(CONSULTATION)
    chat.say('/inform{"consult_for": "child"}')
    stack.stop_actions()
    try:
        replies, seconds = timed_say(chat, "my son's left hand copies his right hand")
        assert seconds < REPLY_BOUND_SECONDS
        assert CONSULTATION in payloads(replies)          # the safety offer survives
        replies, seconds = timed_say(chat, "8")
        assert seconds < REPLY_BOUND_SECONDS
        assert "try again" in texts(replies).lower()
        assert "1,000,000" in texts(chat.say("how common is mmd"))  # FAQs need no action server
    finally:
        stack.start_actions()
    chat.say(CONSULTATION)
    for answer in ["8", "his left hand follows the right", "Sam Jones", "sam@example.com", "mornings"]:
        replies = chat.say(answer)
    replies = chat.say("/affirm")
    assert "Please check your request" in texts(replies) and "• For: your child" in texts(replies)
    assert "MMD-" in texts(chat.say("/affirm"))
    assert bookings_of(bookings_database[0], chat.sender) == 1


def test_a_frozen_action_server_times_out_politely_and_the_chat_goes_on(stack, request):
    chat = Chat(stack.rasa_url, f"slow-{request.node.name}")
    process = stack.actions_process()
    os.kill(process.pid, signal.SIGSTOP)
    try:
        replies, seconds = timed_say(chat, "my daughter's hands mirror each other")
        assert ACTION_TIMEOUT - 0.5 <= seconds < REPLY_BOUND_SECONDS
        assert CONSULTATION in payloads(replies)
    finally:
        os.kill(process.pid, signal.SIGCONT)
    assert "Who is the consultation for" in texts(chat.say(CONSULTATION))


def test_database_unavailable_during_booking_is_told_and_the_retry_stores_once(stack, bookings_database, request):
    name, _ = bookings_database
    chat = Chat(stack.rasa_url, f"db-{request.node.name}")
    fill_until_summary(chat)
    set_connections(name, allowed=False)
    try:
        replies = chat.say("/affirm")
    finally:
        set_connections(name, allowed=True)
    assert "couldn't save your request" in texts(replies) and CONSULTATION in payloads(replies)
    assert bookings_of(name, chat.sender) == 0
    replies = chat.say(CONSULTATION)                      # "Try again"
    assert "Please check your request" in texts(replies)   # every answer was kept
    assert "MMD-" in texts(chat.say("/affirm"))
    assert bookings_of(name, chat.sender) == 1


def random_message(rng: random.Random) -> str:
    pieces = [
        lambda: "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(1, 40))),
        lambda: "".join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 10))),
        lambda: "/" + "".join(rng.choice("abc_{}\":,[]") for _ in range(rng.randrange(1, 30))),
        lambda: rng.choice(["<script>alert(1)</script>", "' OR 1=1; --", "{{7*7}}", "${jndi:x}", "🙂" * 50,
                            "مرحبا 你好 привет", " " * 100, "\u202e\u200b", "my son's hand copies"]),
        lambda: "x" * rng.randrange(1000, 120_000),
    ]
    return rng.choice(pieces)()


def test_fuzzed_messages_never_get_a_server_error(stack, request):
    rng = random.Random(20261126)
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    deadline = time.monotonic() + 120
    for number in range(120):
        if time.monotonic() > deadline:
            break
        message = random_message(rng)
        status, _ = http("POST", url, {"sender": f"fuzz-{number % 7}", "message": message})
        assert status < 500, repr(message[:80])
    for body in [b"", b"[]", b"{\"message\": \"hi\"}", b"{\"sender\": \"\", \"message\": \"hi\"}",
                 b"{\"sender\": \"u\", \"message\": 5}", b"\xff\xfe", b"{not json",
                 json.dumps({"sender": "x" * 300, "message": "hi"}).encode()]:
        status, _ = http("POST", url, body)
        assert 400 <= status < 500, body
    assert "not a diagnosis" in texts(Chat(stack.rasa_url, "fuzz-after").say("hello"))
