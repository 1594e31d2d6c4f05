"""Stand-ins for services nobody can reach from a test or benchmark (Slack, Teams)."""
