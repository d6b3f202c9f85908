"""A Sanic app with the project's REST and socket.io channels, for tests/unit/test_channel_security.py.

    python -m tests.unit.channel_app PORT

Each message is answered with "<input_channel>|<sender>|<text>" in place of the assistant,
so a test sees what the channel handed on; the channels themselves are the real ones.
"""
from __future__ import annotations

import sys

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response

from channels.rest import ValidatingRestInput
from channels.socketio_origin import OriginCheckedSocketIOInput


def create_app() -> Sanic:
    app = Sanic("channel_test")
    channels = [ValidatingRestInput.from_credentials(None),
                OriginCheckedSocketIOInput.from_credentials({"session_persistence": True})]
    register(channels, app, route="/webhooks/")

    async def echo(message: UserMessage) -> None:
        await message.output_channel.send_text_message(
            message.sender_id, f"{message.input_channel}|{message.sender_id}|{message.text}")

    app.ctx.agent = type("Echo", (), {"handle_message": staticmethod(echo)})()

    @app.get("/health")
    async def health(_):
        return response.json({"status": "ok"})

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, motd=False)
