"""Staff accounts from the command line.

    python -m console.cli create-user alice --role admin   # asks for the password
    CONSOLE_PASSWORD=... python -m console.cli create-user bob --role agent
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy.exc import IntegrityError

from console.auth import ROLES, create_user
from console.db import create_console_schema, engine_for
from console.settings import load_settings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="console.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, default="agent")
    args = parser.parse_args(argv)

    engine = engine_for(load_settings(serving=False).console_db_url)
    create_console_schema(engine)
    password = os.environ.get("CONSOLE_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    try:
        create_user(engine, args.username, password, args.role)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except IntegrityError:
        print(f"error: user {args.username!r} exists already", file=sys.stderr)
        return 2
    print(f"created {args.role} {args.username!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
