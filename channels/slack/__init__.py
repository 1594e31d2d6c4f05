"""Guide in Slack: mentions, DMs, the assistant pane, /guide, App Home, trainer uploads."""
