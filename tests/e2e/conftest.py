from __future__ import annotations

import pytest

from tests.e2e.chat import Chat
from tests.e2e.servers import MODEL, CallbackReceiver, running_stack


@pytest.fixture(scope="session")
def callback_receiver():
    """The app's backend for the callback channel (channels/callback.py)."""
    receiver = CallbackReceiver()
    yield receiver
    receiver.shutdown()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, callback_receiver):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make e2e does it)")
    with running_stack(tmp_path_factory.mktemp("stack"), callback_url=callback_receiver.url) as stack:
        yield stack


@pytest.fixture()
def chat(stack, request):
    return Chat(stack.rasa_url, sender=f"e2e-{request.node.name}")


@pytest.fixture(scope="session")
def webchat_url(stack):
    return stack.start_webchat()


ADMIN, ADMIN_PASSWORD = "admin.e2e", "a-long-e2e-password"


@pytest.fixture(scope="session")
def console_url(stack):
    return stack.start_console(ADMIN, ADMIN_PASSWORD)
