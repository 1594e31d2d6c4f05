"""Everything Guide says to staff, in one place, versioned (the version is logged)."""

from __future__ import annotations

MESSAGES_VERSION = "messages-3"

BLOCKED_PERSONAL_DATA = (
    "I can't help with a question that contains personal details ({kinds}). Please don't "
    "paste names, prison or PNC numbers, dates of birth or contact details into Guide. "
    "Ask the general question instead, for example: \"Can I share a prisoner's risk "
    "assessment with the council?\""
)
BLOCKED_REQUEST = (
    "I can't help with that: {reason}. {where}"
)
CANNOT_ANSWER = (
    "The guidance I have doesn't answer this, so I won't guess. Please ask {contact}."
)
NOT_A_GUIDANCE_QUESTION = (
    "I answer questions about the guidance; I can't write or complete documents for you. "
    "Ask me what the guidance says about it, or ask {contact}."
)
TALK_TO_A_PERSON = (
    "This is one for a person rather than the guidance. Please contact {contact}."
)
NEED_MORE_DETAIL_VAGUE = (
    "Could you tell me a bit more: what do you want to do, and with what information or tool?"
)
TOO_LONG = (
    "That message is {length:,} characters long. Please ask one question in under {limit:,} "
    "characters, and don't paste documents or case notes into Guide: ask about the rule you "
    "need instead."
)
NEED_MORE_DETAIL_WHICH = "The guidance says different things for {options}. Which do you mean?"
PAST_REVIEW = "This document was due for review on {date}: check it is still current."
FALLBACK_NOTICE = "The language model was not available, so this answer is quoted directly " \
    "from the guidance."
DEFAULT_CONTACT = "your line manager"
