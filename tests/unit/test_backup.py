"""make backup / make restore on the embedded default's SQLite files, as a user runs them."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.e2e.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def run(env, *args):
    return subprocess.run([sys.executable, "scripts/backup.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_backup_taken_while_running_restores_the_data_and_keeps_what_it_replaced(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    env = {**os.environ, **{variable: f"sqlite:///{data / name}" for variable, name in (
        ("TRACKER_DB_URL", "conversations.db"), ("BOOKINGS_DB_URL", "bookings.db"), ("CONSOLE_DB_URL", "console.db"))},
        "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()), "STAFF_PORT": str(free_port())}
    with sqlite3.connect(data / "bookings.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE bookings (reference TEXT)")
        db.execute("INSERT INTO bookings VALUES ('MMD-KEEP01')")
        db.commit()
        backup = run(env, "backup", str(tmp_path / "saved"))  # while the database is open
    assert backup.returncode == 0, backup.stderr
    assert "bookings.db" in backup.stdout and "conversations.db: none yet" in backup.stdout
    with sqlite3.connect(data / "bookings.db") as db:
        db.execute("DELETE FROM bookings")
    listener = socket.socket()
    listener.bind(("127.0.0.1", int(env["STAFF_PORT"])))
    listener.listen()
    refused = run(env, "restore", str(tmp_path / "saved"))
    listener.close()
    assert refused.returncode == 2 and "stop `make run` first" in refused.stderr
    restored = run(env, "restore", str(tmp_path / "saved"))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(data / "bookings.db") as db:
        assert db.execute("SELECT reference FROM bookings").fetchall() == [("MMD-KEEP01",)]
    assert (data / "bookings.db.before-restore").exists()
    assert run(env, "restore", str(tmp_path / "nothing-here")).returncode == 2
