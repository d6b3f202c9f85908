"""Helpers every kind of test shares (the throwaway PostgreSQL database)."""
