"""Backup and restore of the embedded default (the three SQLite databases under var/).

    python scripts/backup.py backup [DIR]      # make backup: backups/<UTC time>/ by default
    python scripts/backup.py restore DIR       # make restore FROM=DIR (stop `make run` first)

A backup uses SQLite's online backup API, so it is consistent while the assistant runs.
Restore refuses to overwrite while the servers are up (their ports answer), and keeps the
files it replaces beside them (*.before-restore). For PostgreSQL (scale-out mode) use
pg_dump / pg_restore: see the README.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASES = {"TRACKER_DB_URL": "conversations.db", "BOOKINGS_DB_URL": "bookings.db", "CONSOLE_DB_URL": "console.db"}


def sqlite_paths() -> dict:
    """name -> path of each database that is SQLite (from the same variables the servers read)."""
    paths = {}
    for variable, default in DATABASES.items():
        url = os.environ.get(variable) or f"sqlite:///{ROOT / 'var' / default}"
        if url.startswith("sqlite:///"):
            paths[default] = Path(url[len("sqlite:///"):])
        else:
            print(f"    {variable} is not SQLite ({url.split(':', 1)[0]}): back it up with pg_dump (README)")
    return paths


def backup(target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    for name, path in sqlite_paths().items():
        if not path.exists():
            print(f"    {name}: none yet")
            continue
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as source, \
                sqlite3.connect(target / name) as copy:
            source.backup(copy)
        print(f"    {name}: {(target / name).stat().st_size // 1024} KiB -> {target / name}")
    return 0


def servers_running() -> list:
    ports = [os.environ.get(name, default) for name, default in
             (("RASA_PORT", "5005"), ("ACTIONS_PORT", "5055"), ("STAFF_PORT", "8081"))]
    running = []
    for port in ports:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", int(port))) == 0:
                running.append(port)
    return running


def restore(source: Path) -> int:
    if not source.is_dir():
        print(f"error: no backup at {source}", file=sys.stderr)
        return 2
    running = servers_running()
    if running:
        print(f"error: the assistant is running (ports {', '.join(running)}): stop `make run` first", file=sys.stderr)
        return 2
    for name, path in sqlite_paths().items():
        saved = source / name
        if not saved.exists():
            print(f"    {name}: not in this backup, left as it is")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            shutil.move(path, path.with_name(path.name + ".before-restore"))
        for suffix in ("-wal", "-shm"):  # a stale write-ahead log must not replay over the restore
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copy2(saved, path)
        print(f"    {name}: restored from {saved}")
    return 0


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="backup.py")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup")
    make.add_argument("target", nargs="?", type=Path)
    back = commands.add_parser("restore")
    back.add_argument("source", type=Path)
    args = parser.parse_args(argv)
    if args.command == "backup":
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        return backup(args.target or ROOT / "backups" / stamp)
    return restore(args.source)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
