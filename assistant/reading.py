"""Reading a staff message: the ask inside the story.

Staff write "I'm on a home visit and the PoP's partner says ... - can I do the NRM myself or
who does it?". The sentences that ask are what the evidence must answer; the story around
them is context for the search (it names the situation) but not something to match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# sentence ends, and the dashes and "so"/"but" clauses chatty messages run sentences on with
PIECES = re.compile(r"(?<=[?!.])\s+|\s+[-–—]+\s+|\n+|;\s+")
ASKING_START = re.compile(
    r"^\s*(?:(?:so|and|but|ok|okay|quick one|also|then)\W+)*(?:can|could|should|shall|do|does|"
    r"did|is|are|am|was|were|will|would|what|whats|what's|how|who|whos|who's|when|where|which|"
    r"wich|why|have|has|must|may|any|anyone)\b", re.I)
ASKING_INSIDE = re.compile(
    r"\b(?:(?:can|could|should|do|must|may)\s+(?:i|we|they|he|she|you)|am i|are we|is it|"
    r"is that|is there|what do|who do|where do|how do|how long|how quickly|how much|"
    r"whether|wondering|not sure (?:if|whether|what|how))\b", re.I)
MIN_WORDS_TO_SPLIT = 18  # shorter messages are their own ask


@dataclass(frozen=True)
class Reading:
    ask: str  # the question sentence(s), as typed
    story: str  # the rest of the message ("" when it is all ask)

    @property
    def query(self) -> str:
        """What is searched: the ask first, then its context."""
        return f"{self.ask} {self.story}".strip()


def asks(piece: str) -> bool:
    return piece.rstrip().endswith("?") or bool(ASKING_START.match(piece)
                                                 or ASKING_INSIDE.search(piece))


def read(message: str) -> Reading:
    text = message.strip()
    if len(text.split()) < MIN_WORDS_TO_SPLIT:
        return Reading(text, "")
    pieces = [p.strip() for p in PIECES.split(text) if p and p.strip()]
    asking = [p for p in pieces if asks(p)]
    if not asking or len(asking) == len(pieces):
        return Reading(text, "")
    story = [p for p in pieces if p not in asking]
    return Reading(" ".join(asking), " ".join(story))
