"""Capture endpoints, the durable ingestion queue and the ingest pipeline."""
