"""Writes the Rasa server's credentials file: credentials.yml plus every messaging channel
whose environment variables are set. Secrets stay in the environment and in var/ (ignored
by git); the committed credentials.yml holds none.

    python scripts/credentials.py var/credentials.yml
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger("credentials")

# channel key in credentials -> (credential field, environment variable, required)
CHANNELS: Dict[str, List[Tuple[str, str, bool]]] = {
    "telegram": [
        ("access_token", "TELEGRAM_ACCESS_TOKEN", True),
        ("verify", "TELEGRAM_BOT_NAME", True),
        ("webhook_url", "TELEGRAM_WEBHOOK_URL", True),
    ],
    "slack": [
        ("slack_token", "SLACK_TOKEN", True),
        ("slack_signing_secret", "SLACK_SIGNING_SECRET", True),
        ("slack_channel", "SLACK_CHANNEL", False),
    ],
    # The app's backend: messages in at /webhooks/callback/webhook, every reply (staff ones
    # too) POSTed to CALLBACK_URL (channels/callback.py).
    "channels.callback.SecuredCallbackInput": [
        ("url", "CALLBACK_URL", True),
    ],
    # SMS and WhatsApp ("whatsapp:+1…" as the number); buttons become numbered choices.
    "channels.numbered_twilio.NumberedTwilioInput": [
        ("account_sid", "TWILIO_ACCOUNT_SID", True),
        ("auth_token", "TWILIO_AUTH_TOKEN", True),
        ("twilio_number", "TWILIO_NUMBER", True),
    ],
}


def build_credentials(environ: Dict[str, str]) -> Dict[str, object]:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    for channel, fields in CHANNELS.items():
        present = {name: environ.get(variable) for name, variable, _ in fields if environ.get(variable)}
        missing = [variable for name, variable, required in fields if required and name not in present]
        if not present:
            continue
        if missing:
            logger.warning("channel %s not enabled: missing %s", channel, ", ".join(missing))
            continue
        credentials[channel] = present
    return credentials


def main(argv: List[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="    %(message)s")
    output = Path(argv[0]) if argv else ROOT / "var" / "credentials.yml"
    credentials = build_credentials(dict(os.environ))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    output.chmod(0o600)
    enabled = ", ".join(channel.rsplit(".", 1)[-1] for channel in credentials)
    logger.info("channels: %s", enabled)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
