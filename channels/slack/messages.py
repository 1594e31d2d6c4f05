"""What Guide says in Slack beyond the answer itself, in one place."""

from __future__ import annotations

FAILED = ("Sorry, something went wrong on my side and I couldn't answer that. Please try "
          "again in a minute; if it keeps happening, ask {contact}.")
EMPTY_QUESTION = ("Ask me a question about our policies and procedures, for example "
                  "`/guide Can I email a risk assessment to the council?`")
WORKING = "Looking through the guidance…"
STATUS_WORKING = "is looking through the guidance…"
SOURCES = "*Sources*"
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"
ASK_PERSON = "Ask a person"
SHARE = "Share in channel"
THANKS_HELPFUL = "Thanks, glad it helped."
REASON_TITLE = "What was wrong?"
REASON_LABEL = "Tell us what was missing or wrong (optional). No names or personal details."
SHARED_BY = "Shared by <@{user}>"
ESCALATION_NOTICE = (
    "<@{user}> asked Guide a question it could not settle for them{where}.\n"
    ">{question}\nGuide's reply was: _{status}_. Please get in touch with them."
)
ESCALATED_TO = "I've passed your question to {contact}. They'll get back to you."
NO_CONTACT = "Please contact {contact}: nobody is set up in Slack for this topic yet."
NOT_A_TRAINER = ("Thanks, but only trainers can add documents to Guide. If this document "
                 "belongs in Guide, please send it to your training team.")
INGESTING = "Adding {name} to the guidance…"
WELCOME = ("Hi, I'm Guide. Ask me about our policies, procedures and digital tools, and I'll "
           "answer from the documents, with sources. Please don't paste names, prison numbers "
           "or other personal details.")
SUGGESTED_PROMPTS = [
    ("Emailing a risk assessment", "Can I email a risk assessment to the council?"),
    ("Resetting MFA", "How do I reset my MFA?"),
    ("Sharing with the police", "How do I share information with the police?"),
]
HOME_INTRO = ("I answer questions about our policies, procedures and digital tools, quoting "
              "the documents word for word with their sources. When the guidance doesn't "
              "say, I tell you who to ask instead of guessing.")
HOME_HOW = ("*How to ask*: mention <@{bot}> in a channel (I answer in the thread), send me a "
            "direct message, use the assistant pane, or type `/guide your question`.")
HOME_PRIVACY = ("*Please don't paste personal details*: no names, prison or PNC numbers, "
                "dates of birth, addresses or contact details of prisoners, people on "
                "probation or anyone else. Ask the general question instead, e.g. \"Can I "
                "share a prisoner's medical information with the council?\"")
HOME_DOCUMENTS = "*What I can answer from* ({count} documents)"
HOME_EXAMPLES = "*Try asking*"
HOME_MANAGERS = "*Usage in the last {days} days* (managers only)"
PRIVATE_OFFER = ("This thread can be read by everyone in the channel, so I answered from the "
                 "guidance for all staff. {titles} is for a group you are in and may say more: "
                 "I can answer you privately from it.")
ANSWER_PRIVATELY = "Answer me privately"
NOT_SHAREABLE = ("This answer quotes guidance that not everyone in the channel may read, so "
                 "it can't be shared there.")

# -- walkthroughs -----------------------------------------------------------------------
WALK_HEADER = ":footprints: *{name}*: {steps} steps, from _{title}_"
WALK_STEP = "Step {n} of {steps}"
WALK_PROGRESS = ":white_check_mark: {done} of {steps} steps done"
WALK_DONE = "Done"
WALK_STUCK_BUTTON = "Stuck"
WALK_ESCALATED = ":busts_in_silhouette: You asked {contact} for help with this step."
WALK_OTHERS = "Also in the guidance: {names}. Ask me to walk you through one of them."
WALK_ESCALATION_NOTICE = (
    "<@{user}> is stuck at step {n} of {steps} of the walkthrough *{name}* (_{title}_) and "
    "asked for a person{where}.\n>{quote}\nPlease get in touch with them."
)
WALK_NOT_YOURS = ("That walkthrough is someone else's, so I've left it as it is. Ask me to walk "
                  "you through it and you'll get your own.")
