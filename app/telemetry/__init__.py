"""Self-hosted telemetry: the usage report, the entity report and mailing opt-ins."""
