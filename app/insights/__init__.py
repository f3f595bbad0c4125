"""Saved insights: a named query plus its cached result."""
