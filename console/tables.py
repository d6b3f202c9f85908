"""The console's own tables (never Rasa's): staff, sessions, review state, audit, index."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

staff_users = sa.Table(
    "staff_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # agent | admin
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
)

staff_sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(64)),
    sa.Column("action", sa.String(32), nullable=False, index=True),
    sa.Column("detail", sa.Text),
)

# One row per conversation, kept up to date incrementally from Rasa's events table, so the
# list pages never scan 200,000 events.
conversation_index = sa.Table(
    "conversation_index", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64)),
    sa.Column("first_ts", sa.Float, index=True),
    sa.Column("last_ts", sa.Float, index=True),
    sa.Column("turns", sa.Integer, nullable=False, server_default="0"),
    sa.Column("symptom", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("emergency", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("booking", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("handed_off", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("fallback", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("intents", sa.Text, nullable=False, server_default=""),
    sa.Column("search_text", sa.Text, nullable=False, server_default=""),
)

index_state = sa.Table(
    "index_state", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

conversation_review = sa.Table(
    "conversation_review", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed_by", sa.String(64), nullable=False),
    sa.Column("reviewed_at", sa.Float, nullable=False),
)

conversation_tags = sa.Table(
    "conversation_tags", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("tag", sa.String(64), primary_key=True),
)

notes = sa.Table(
    "notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), index=True),
    sa.Column("booking_reference", sa.String(16), index=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

booking_handling = sa.Table(
    "booking_handling", metadata,
    sa.Column("reference", sa.String(16), primary_key=True),
    sa.Column("handled_by", sa.String(64)),
    sa.Column("updated_at", sa.Float, nullable=False),
)
