"""The insight engine: one runner per insight kind, a registry, the cache. Raw SQL lives here."""
