"""Thin adapters between staff and the assistant: Slack, the web app (and later Teams)."""
