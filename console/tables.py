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
    # The first name users see on a staff member's replies ("Ana from the care team").
    sa.Column("display_name", sa.String(64)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
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
    # A staff member took the chat over (a pause event); "booking" says a request was made.
    sa.Column("taken_over", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("fallback", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("intents", sa.Text, nullable=False, server_default=""),
    sa.Column("preview", sa.String(200), nullable=False, server_default=""),  # the first user message, redacted
    # The slot whose question the bot asked last (form's requested_slot or utter_ask_<slot>):
    # carried from batch to batch so each message knows what it answered.
    sa.Column("asked", sa.String(64)),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),  # a person has the chat now
    sa.Column("search_text", sa.Text, nullable=False, server_default=""),
    # en | id: the last language known from its messages; other: all its messages in another
    # language; en when none is known (console/language.py).
    sa.Column("language", sa.String(8), nullable=False, server_default="en", index=True),
    # The `language` slot's value after the last event read, carried from batch to batch like
    # `asked`, for the messages that have no language entity (button presses).
    sa.Column("language_slot", sa.String(8)),
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

# One row per user message, derived from Rasa's events like conversation_index: what the
# assistant understood and how sure it was, what it did next, and what the user thought of
# it. The needs-attention inbox and the analytics page read it, never the events table.
message_index = sa.Table(
    "message_index", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True),  # the user event's id in Rasa's events
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("ts", sa.Float, index=True),
    sa.Column("channel", sa.String(64), index=True),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("intent", sa.String(128), index=True),
    sa.Column("confidence", sa.Float),
    sa.Column("second_intent", sa.String(128)),
    sa.Column("second_confidence", sa.Float),
    sa.Column("topic", sa.String(128), index=True),  # faq/<topic> as the response selector chose it
    sa.Column("answered", sa.String(128), index=True),  # faq/<topic> of the first answer actually given
    sa.Column("asked", sa.String(64)),  # the form question this message answered (personal ones stay out of the inbox)
    sa.Column("to_staff", sa.Boolean, nullable=False, server_default=sa.false()),  # written while a person had the chat
    sa.Column("topic_confidence", sa.Float),
    sa.Column("second_topic", sa.String(128)),
    sa.Column("second_topic_confidence", sa.Float),
    sa.Column("classifier_intent", sa.String(128)),  # set when the safety rules overruled it
    sa.Column("safety_rule", sa.String(16)),  # crisis | red_flag, when the rules saw one
    sa.Column("fallback_reply", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("emergency_reply", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("offered", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("form_started", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("booked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("feedback", sa.String(10)),  # helpful | unhelpful (the web chat's 👍 👎)
    sa.Column("reasons", sa.String(200), nullable=False, server_default="", index=True),
    # en | id | other: its `message_language` entity, else its `language` entity, else the slot's value
    # at that point; NULL: unknown.
    sa.Column("language", sa.String(8)),
    sa.Column("language_entity", sa.String(8)),  # the entity's own value; NULL: it had none
)

# When staff first contacted the user of a consultation request (its status first set to
# contacted, scheduled or closed): the analytics page's "median time to first contact".
# No personal data: the reference, the request's channel and the two times.
booking_first_contact = sa.Table(
    "booking_first_contact", metadata,
    sa.Column("reference", sa.String(16), primary_key=True),
    sa.Column("channel", sa.String(64), index=True),
    sa.Column("requested_at", sa.Float, nullable=False, index=True),  # the booking's created_at
    sa.Column("at", sa.Float, nullable=False),
    # The conversation's language when first contacted (en | id); NULL: recorded before languages.
    sa.Column("language", sa.String(8)),
)

# A staff member's verdict on one needs-attention message (console/inbox.py): the prediction
# was right, or the intent (and FAQ topic) it should have had, or out of scope. `make
# training-data` (scripts/training_data.py) writes them as NLU examples and sets exported_at.
corrections = sa.Table(
    "corrections", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False, unique=True),  # message_index.event_id
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),  # as the user typed it (shown to staff only)
    # The text as a training example, personal data redacted by the conversation's context
    # (answers to personal questions, values given there); NULL: the answer to a personal question.
    sa.Column("example", sa.Text),
    sa.Column("reasons", sa.String(200), nullable=False, server_default=""),
    sa.Column("predicted_intent", sa.String(128)),
    sa.Column("predicted_topic", sa.String(128)),  # faq/<topic>
    sa.Column("verdict", sa.String(16), nullable=False),  # confirmed | corrected | out_of_scope
    sa.Column("intent", sa.String(128)),  # the chosen intent; NULL when out of scope
    sa.Column("topic", sa.String(128)),  # the chosen faq/<topic> when the intent is faq
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("exported_at", sa.Float, index=True),  # NULL: waiting for `make training-data`
    sa.Column("export_result", sa.String(32)),  # written | duplicate | personal | ...
)
