"""Everything Guide says to staff, in one place, versioned (the version is logged)."""

from __future__ import annotations

MESSAGES_VERSION = "messages-4"

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
CANNOT_ANSWER_CLOSEST = (
    "I couldn't find the answer in the guidance I have, so I won't guess. These sections come "
    "closest, if you want to look yourself: {places}. To be sure, please ask {contact}."
)
NOT_MENTIONED = (
    "The guidance I have doesn't mention the {name}, so I won't guess what it says. Please "
    "ask {contact}."
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
UNCHECKED_NOTICE = "The language model's answer did not match the guidance word for word, " \
    "so this answer is quoted directly from the guidance."

# -- walkthroughs -----------------------------------------------------------------------
WALK_NOT_FOUND = (
    "I couldn't find step-by-step instructions for that in the guidance, so I won't make "
    "them up. Ask me the question instead, or ask {contact}."
)
WALK_WHICH = (
    "What would you like me to walk you through? For example: \"walk me through resetting "
    "my MFA\"."
)
WALK_CHANGED = (
    "That procedure has changed in the guidance since you started, or it has been removed. "
    "Ask me to walk you through it again to get the current steps."
)
WALK_STUCK = "Here is what the guidance adds for this step:"
WALK_NO_GUIDANCE = "The guidance has nothing more on this step."
WALK_FINISHED = "All done: you have finished every step of \"{name}\"."
WALK_ASK_PERSON = "Still stuck? {contact} can help you with this step."
WALK_TELL_CONTACT = (
    "Please contact {contact} and tell them you are stuck at step {n} of \u201c{name}\u201d."
)
