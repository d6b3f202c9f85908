"""mmd-assistant's action server (rasa-sdk): one small module per job.

- settings: configuration from the environment
- parsing: cleaning of typed text before it is stored
- answers: pure readers of what a user typed at each booking question
- conversation: small readers of the conversation shared by actions
- safety_actions: emergency, crisis and "red flag in doubt" replies
- yes_no: a typed yes or no answers the question just asked
- after_booking: status, change and cancellation of a sent request
- human_handoff: "talk to a human" (live request or a clinician's call)
- validation_base: the shared base class of form validators
- consultation_form: the consultation booking form's validator
- booking_store: bookings in SQL (SQLite by default), idempotent
- booking_actions: summary read-back and submission (the handoff)
- faq_answer: FAQ answers by confidence: answer, "did you mean", ask; several questions
- symptom_actions: the empathetic consultation offer after a symptom report (answering its question first)
- session: session start (welcome back for returning users)
- language: "English please" / "pakai bahasa Indonesia"
"""
