"""Digital skills: the framework trainers edit, the private skills check, and tagging of
questions by skill area. Storage lives in ``usage.skills``; pages and modals in ``channels``."""
