"""Throwaway PostgreSQL databases on the local server for one test module."""
from __future__ import annotations

import os
import uuid

import psycopg2
import pytest
from psycopg2 import sql

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
BASE_URL = os.environ.get("TEST_POSTGRES_BASE_URL", "postgresql://postgres@127.0.0.1:5432")


def admin(statement, *args):
    connection = psycopg2.connect(ADMIN_URL, connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, args or None)
    finally:
        connection.close()


def temporary_database(prefix: str):
    """Creates a database, yields its SQLAlchemy URL, drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable: {type(error).__name__}")
    try:
        yield name, f"{BASE_URL}/{name}"
    finally:
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", name)
        admin(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def set_connections(name: str, allowed: bool) -> None:
    admin(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
        sql.Identifier(name), sql.SQL("true" if allowed else "false")))
    if not allowed:
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", name)
