"""The insight engine: one runner per insight kind, a registry, the cache. Raw SQL lives here.

Postgres is the engine. On the embedded SQLite default, trends work (time-zone bucketing,
safe casts and regex are registered as Python functions on the connection) except the
percentile and first-time maths, URL normalisation of breakdowns and `is_date_*` filters
on non-ISO values; the other runners may assume Postgres. `refresh` async modes compute
blocking without Redis, and the cache is an in-process LRU.
"""
