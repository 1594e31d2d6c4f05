"""Files -> parsed documents -> chunks -> the index. Never imports ``assistant``."""
