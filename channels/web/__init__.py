"""Guide's web server: health, Slack's HTTP endpoint, and the pages for staff and managers."""
