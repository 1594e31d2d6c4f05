"""Question -> Answer: personal-data guard, retrieval, composition, citations, status."""
