"""Rasa's socket.io channel, accepting connections only from the web origins in WEB_ORIGINS.

Rasa 3.6 builds its socket.io server with cors_allowed_origins=[], which turns python-engineio's
Origin check off: any web page could open a chat in a visitor's browser. Here the check is
on (a wrong Origin gets a 400 before any socket.io event), with the same space-separated
WEB_ORIGINS that Rasa's CORS (`--cors`) uses; unset, only same-origin pages may connect.
"""
from __future__ import annotations

import os
from typing import Any, Awaitable, Callable, List, Optional, Union

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint


def allowed_origins(value: str) -> Optional[Union[str, List[str]]]:
    """WEB_ORIGINS as python-engineio wants it: None = same origin only, '*' = any."""
    origins = value.split()
    if "*" in origins:
        return "*"
    return origins or None


class OriginCheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"  # what the tracker, the console and `output_channel=latest` know

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        engine = self.sio.eio
        engine.cors_allowed_origins = allowed_origins(os.environ.get("WEB_ORIGINS", ""))
        # Rasa's own CORS already answers with Access-Control-Allow-Origin; engineio adding a
        # second one would make browsers refuse the response. Only the Origin check is wanted.
        engine._cors_headers = lambda environ: []
        return blueprint
