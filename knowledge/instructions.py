"""Sentences of a document that no answer may quote: words addressed to an AI assistant
rather than to staff ("SYSTEM NOTE TO THE ASSISTANT: ...", "ignore your previous
instructions"), and requests that staff send their password or other credentials to an
address. Either is the mark of text planted to steer an assistant; real guidance tells staff
never to share a password, and never speaks to the tool that reads it.

Ingest reports such sentences (the trainer sees them in the ingest report and the upload
reply); the answer never quotes them, whatever else the passage says.
"""

from __future__ import annotations

import re

ASSISTANT = r"(?:ai\s+)?(?:assistant|chat\s?bot|bot|language\s+model|llm|ai|model|guide)"
ADDRESSED = re.compile(
    rf"\b(?:note|message|instructions?|notice|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    rf"{ASSISTANT}s?\b"
    rf"|\b(?:dear|attention|hey|hello)\s*,?\s+(?:the\s+)?{ASSISTANT}\b"
    rf"|\bif\s+you\s+are\s+an?\s+{ASSISTANT}\b"
    rf"|\b(?:system|developer)\s+(?:prompt|note|message|instruction)s?\s*(?::|(?:to|for)\s+"
    rf"(?:the\s+|any\s+)?{ASSISTANT}\b)"
    r"|\b(?:reveal|print|show|repeat|output|disclose)\b[^.]{0,30}\b(?:system\s+prompt|your\s+"
    r"(?:instructions|rules|prompt))\b"
    r"|\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:previous|prior|earlier|above|"
    r"all|any|your|other)\b[^.]{0,20}\b(?:instructions?|rules|guidance|prompts?)\b",
    re.I)
CREDENTIAL = re.compile(
    r"\b(?:passwords?|passcodes?|pass\s?phrases?|pins?|credentials|log\s?-?in\s+details|"
    r"sign[\s-]?in\s+details|(?:mfa|one[\s-]time|security|verification|authenticat\w*)\s+"
    r"codes?|recovery\s+codes?|user\s?names?\s+and\s+passwords?)\b", re.I)
SEND = re.compile(r"\b(?:send|e-?mail|forward|reply|text|share|submit|give|provide|post|"
                  r"upload|paste)\w*\b", re.I)
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bhttps?://\S+|\bwww\.\S+|"
                     r"(?<!\w)\+?\d[\d ()-]{6,}\d(?!\w)")
NEVER = re.compile(r"\b(?:never|not|n't|no\s+one|nobody)\b", re.I)


def planted(sentence: str) -> str | None:
    """Why ``sentence`` must never be quoted; None for ordinary guidance."""
    if ADDRESSED.search(sentence):
        return "it is addressed to an AI assistant, not to staff"
    if CREDENTIAL.search(sentence) and SEND.search(sentence) and ADDRESS.search(sentence) \
            and not NEVER.search(sentence):  # "never send your password to ..." is guidance
        return "it asks staff to send their credentials to an address"
    return None


def planted_sentences(sentences: list[str]) -> list[tuple[str, str]]:
    """(sentence, why) for each sentence no answer may quote."""
    return [(s, why) for s in sentences if (why := planted(s))]


SENTENCE_OR_LABEL_END = re.compile(r"(?<=[.!?:])\s+")  # "NOTE TO THE AI: ..." splits
SHOWN = 80  # characters of a planted sentence quoted back to the trainer


def planted_in(text: str) -> list[tuple[str, str]]:
    """(sentence, why) for each planted sentence of a passage's text, line by line."""
    return planted_sentences([s.strip() for line in text.split("\n")
                              for s in SENTENCE_OR_LABEL_END.split(line) if s.strip()])


def planted_note(texts: list[str]) -> str | None:
    """What the trainer is told about a document's planted sentences, or None."""
    found = list(dict.fromkeys(s for text in texts for s, _ in planted_in(text)))
    if not found:
        return None
    first = found[0] if len(found[0]) <= SHOWN else found[0][:SHOWN] + "…"
    return (f"{len(found)} sentence{'s' if len(found) > 1 else ''} addressed to an AI assistant "
            f"or asking staff to send credentials to an address, never quoted in answers "
            f"(check the document): \u201c{first}\u201d")
