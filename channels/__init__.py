"""Custom Rasa input channels (loaded by the Rasa server from credentials)."""
