"""Requests Guide refuses whatever the documents say (personal data is the guard's job).

Each rule names a *kind* of request, not the wording of one question:
- attempts to change Guide's instructions or to see them (prompt injection);
- someone else's text pasted in to be summarised, rewritten or tidied (case notes, letters,
  records: Guide answers questions about the rules, it does not process documents);
- material for attacking people or systems; legal advice.
``refusal(text)`` is called by ``Assistant.ask`` on the conversation as said, so every surface
(Slack, Teams, web, CLI) gets the same answer, and a later turn cannot unlock an earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -- changing or revealing the instructions ----------------------------------------------
_OVERRIDE_VERB = r"(?:ignore|disregard|forget|override|bypass|set aside|turn off)"
# whose rules: Guide's own ("your rules", "the previous instructions"), never a policy's
_GUIDES = (r"(?:your|all(?: of)?(?: the| your)?|(?:the|any|these) (?:previous|prior|earlier|"
           r"above|hidden|system|original|initial|safety))")
_RULES = (rf"{_GUIDES}\s+(?:\w+\s+){{0,2}}?(?:instructions?|rules?|guidelines?|prompts?|"
          r"guardrails?|restrictions?|programming|constraints?)")
_REVEAL_VERB = (r"(?:reveal|show|print|output|repeat|display|tell|give|share|dump|list|"
                r"paste|read out|recite|leak|expose)")
_SECRET = (r"(?:your\s+(?:\w+\s+){0,2}?(?:prompt|instructions|configuration|config)|"
           r"the\s+(?:system\s+prompt|prompt you|instructions you)|"
           r"(?:system|hidden|secret|internal|initial)\s+(?:prompt|instructions|configuration))")
INJECTION = [
    re.compile(rf"\b{_OVERRIDE_VERB}\b(?:\W+\w+){{0,3}}?\W+{_RULES}\b", re.I),
    re.compile(rf"\b{_REVEAL_VERB}\b(?:\W+\w+){{0,4}}?\W+{_SECRET}\b", re.I),
    re.compile(r"\bwhat (?:are|were) your (?:\w+ )?(?:instructions|rules|prompt)\b", re.I),
    re.compile(r"\byou(?:'re| are|re)\s+(?:now\s+)?(?:no longer|not)\s+(?:bound|limited|"
               r"restricted)\b", re.I),
    re.compile(r"\b(?:act as|pretend (?:to be|you are)|you are now)\b.{0,40}\b(?:unrestricted|"
               r"without (?:rules|restrictions|limits)|jailbr(?:eak|oken))\b", re.I),
    re.compile(r"\b(?:admin(?:istrator)?|root)\s+password\b", re.I),
]

# -- someone else's text to process ------------------------------------------------------
_PROCESS = (r"(?:summari[sz]e|summary of|rewrite|re-?word|rephrase|redraft|tidy(?: up)?|"
            r"proof-?read|condense|shorten|turn\b.{0,20}\binto|convert\b.{0,20}\binto|"
            r"write up|bullet(?: point)?s?\b|improve the wording of)")
PROCESS_REQUEST = re.compile(rf"\b{_PROCESS}", re.I)
PASTE_MIN_WORDS = 40  # a pasted block: this many words beyond the request itself


@dataclass(frozen=True)
class Refusal:
    kind: str  # "instructions", "pasted text", "harmful", "legal advice"
    reason: str
    where: str


INSTRUCTIONS = Refusal(
    "instructions", "Guide's instructions can't be changed or shown",
    "Ask a question about the guidance instead.")
PASTED = Refusal(
    "pasted text", "Guide doesn't summarise or rewrite pasted documents or case notes, "
    "which may hold other people's details",
    "Ask about the rule you need instead, for example how to record or share such notes.")
HARMFUL = Refusal(
    "harmful", "Guide does not write material that could be used to attack people or systems",
    "For a security exercise, speak to the security team.")
LEGAL = Refusal("legal advice", "Guide can't give legal advice", "Please contact the legal team.")

HARMFUL_REQUEST = re.compile(
    r"\b(?:write|draft|create|generate|make)\b.{0,40}\b(?:phishing|malware|ransomware|exploit|"
    r"virus|scam|keylogger)\b", re.I)
# legal advice for the asker; "should he get legal advice?" asks what the guidance says
LEGAL_REQUEST = re.compile(
    r"\b(?:can|could|may) (?:i|we) (?:get|have|ask for|request)\b.{0,20}\blegal advice\b|"
    r"\b(?:give|want|need) (?:me |us )?(?:some )?legal advice\b|\b(?:is|are) (?:we|i) "
    r"(?:legally )?liable\b|\bsue\b", re.I)


# Asking Guide to do the asker's work ("can you write my performance review?") rather than
# what the guidance says: not something the documents answer.
TASK_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would|will) you\s+(?:please\s+)?|please\s+)?(?:write|draft|compose|"
    r"fill in|fill out|complete|do)\s+(?:me\s+)?(?:my|our|a|an|the)\b(?!.{0,60}\b(?:rules?|"
    r"guidance|policy|steps)\b)", re.I)


def task_request(text: str) -> bool:
    return bool(TASK_REQUEST.search(text))


def pasted_block(text: str) -> bool:
    """A request to process text followed (or preceded) by a block of it: a long message
    whose bulk is not a question, split from the request by a line break or a colon."""
    request = PROCESS_REQUEST.search(text)
    if request is None:
        return False
    parts = re.split(r"\n\s*\n|\n|:\s", text, maxsplit=1)
    if len(parts) < 2:
        return False
    head, block = parts
    if not PROCESS_REQUEST.search(head):  # the request may come after the block
        block, head = head, block
    return len(re.findall(r"\w+", block)) >= PASTE_MIN_WORDS and block.count("?") <= 1


def refusal(text: str) -> Refusal | None:
    """The first kind of refused request ``text`` makes, or None."""
    if any(p.search(text) for p in INJECTION):
        return INSTRUCTIONS
    if pasted_block(text):
        return PASTED
    if HARMFUL_REQUEST.search(text):
        return HARMFUL
    if LEGAL_REQUEST.search(text):
        return LEGAL
    return None
