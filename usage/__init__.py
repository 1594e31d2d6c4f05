"""The usage log: what staff asked, what Guide answered, feedback and escalations."""
