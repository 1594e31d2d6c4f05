"""What Guide says in Teams beyond the answer itself, in one place."""

from __future__ import annotations

TEAMS_MESSAGES_VERSION = "teams-messages-1"

WORKING = "Looking through the guidance…"
FAILED = ("Sorry, something went wrong on my side and I couldn't answer that. Please try "
          "again in a minute; if it keeps happening, ask {contact}.")
WELCOME = ("Hi, I'm Guide. Ask me about our policies, procedures and digital tools, and I'll "
           "answer from the documents, with sources. Ask me to walk you through a procedure "
           "step by step, or send **skills** for your private skills check. In a channel, "
           "@mention me. Please don't paste names, prison numbers or other personal details.")
HELPFUL = "👍 Helpful"
NOT_HELPFUL = "👎 Not helpful"
REASON_LABEL = "What was missing or wrong? (optional; no names or personal details)"
SEND = "Send"
ASK_PERSON = "Ask a person"
THANKS_HELPFUL = "Thanks, glad it helped."
THANKS_UNHELPFUL = "Thanks for telling us; that helps us improve the guidance."
SOURCES_TITLE = "Source"
RESTRICTED = ("I found an answer, but it draws on guidance that is not for everyone here "
              "({titles}). Please ask me in a 1:1 chat instead.")
MORE_IN_CHAT = ("About your question in the channel: there is more for you in guidance not "
                "everyone there may read ({titles}). Ask me here and I'll answer from it.")
BLOCKED_PRIVATELY = ("I can't answer that here. I've sent you the reason in our 1:1 chat.")
ESCALATION_NOTICE = ("{user} asked Guide a question it could not settle for them.\n\n"
                     "> {question}\n\nGuide's reply was: *{status}*. Please get in touch "
                     "with them.")
ESCALATED_TO = "I've passed your question to the {topic} contacts. They'll get back to you."
NO_CONTACT = "Please contact {contact}: nobody is set up in Teams for this topic yet."
NOT_A_TRAINER = ("Thanks, but only trainers can add documents to Guide. If this document "
                 "belongs in Guide, please send it to your training team.")
FILES_ONLY_IN_CHAT = "Please send documents to me in a 1:1 chat, not here."
INGESTING = "Adding {name} to the guidance…"
NO_DOWNLOAD = "Teams did not give me a download link for {name}"

# -- walkthroughs -----------------------------------------------------------------------
WALK_HEADER = "👣 **{name}**: {steps} steps, from *{title}*"
WALK_STEP = "Step {n} of {steps}"
WALK_PROGRESS = "✅ {done} of {steps} steps done"
WALK_DONE = "Done"
WALK_STUCK_BUTTON = "Stuck"
WALK_ESCALATED = "👥 You asked {contact} for help with this step. They'll get in touch."
WALK_OTHERS = "Also in the guidance: {names}. Ask me to walk you through one of them."
WALK_ESCALATION_NOTICE = (
    "{user} is stuck at step {n} of {steps} of the walkthrough **{name}** (*{title}*) and "
    "asked for a person.\n\n“{quote}”\n\nPlease get in touch with them.")
WALK_START = "Walk me through: {name}"
WALK_NOT_YOURS = ("That walkthrough is someone else's, so I've left it as it is. Ask me to walk "
                  "you through it and you'll get your own.")

# -- the private skills check -------------------------------------------------------------
SKILLS_SAVE = "Save and show my gaps"
SKILLS_CHOOSE = "Choose"
SKILLS_PART = "Part {n} of {parts}: save each part on its own."
SKILLS_ONLY_IN_CHAT = ("Your skills check is private, so I only do it in a 1:1 chat: send me "
                       "**skills** there.")
SKILLS_HELP = ("Send me **skills** for your private skills check, **skills record** to see "
               "what you have rated, and **skills delete** to delete your record.")
SKILLS_NOT_SAVED = "I haven't saved anything: {problem}."
SKILLS_READ = "Read: {titles}"
SKILLS_RATED = "**What you have rated**"
