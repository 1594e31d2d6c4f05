"""The config leaf: Settings and the error hierarchy. It imports nothing of Guide's."""
