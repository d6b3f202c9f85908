"""mmd-assistant's action server (rasa-sdk): one small module per job.

- settings: configuration from the environment
- parsing: pure parsers for form answers (age, contact, who)
- validation_base: the shared base class of form validators
- consultation_form: the consultation booking form's validator
- booking_store: bookings in SQL (SQLite by default), idempotent
- booking_actions: summary read-back and submission (the handoff)
- symptom_actions: the empathetic consultation offer after a symptom report
- session: session start (welcome back for returning users)
"""
