"""The staff console: review conversations, work the consultation queue, take over a chat.

It reads Rasa's tracker store (never writes it, except to forget a user on request),
keeps its own tables (staff, sessions, review state, tags, notes, audit log, an index of
conversations), updates booking status in the bookings table, and talks to Rasa only
through its HTTP API with the token.
"""
