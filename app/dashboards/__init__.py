"""Dashboards: tiles of saved insights (and text) with dashboard-level filters."""
