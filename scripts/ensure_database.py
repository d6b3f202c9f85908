"""Creates the PostgreSQL database named in a URL when it does not exist (scale-out mode).

    python scripts/ensure_database.py postgresql://user@host:5432/mmd
"""
from __future__ import annotations

import sys

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url


def ensure_database(url: str, timeout_seconds: int = 5) -> bool:
    """True when it created the database."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return False
    connection = psycopg2.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                  password=parsed.password, dbname="postgres", connect_timeout=timeout_seconds)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))
            return True
    finally:
        connection.close()


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        if ensure_database(argument):
            print(f"    created database {make_url(argument).database}")
