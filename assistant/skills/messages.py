"""What Guide says to staff about their skills check, in one place (all surfaces)."""

from __future__ import annotations

SKILLS_MESSAGES_VERSION = "skills-messages-1"

PRIVACY = ("Your skills check is private: only you can see your ratings. You can export your "
           "record or delete it at any time. Managers and trainers see only figures over groups "
           "of at least {min_group} people, never yours.")
INTRO = ("Rate each statement twice: where you are now, and where your job needs you to be. "
         "Guide then shows your biggest gaps, with the guidance that helps.")
NOW = "Where I am now"
NEED = "Where I need to be"
SAVED = "Saved your ratings for {count} statements."
NO_GAPS = "No gaps: where you are meets where you need to be on everything you rated."
NO_RECORD = "You have no skills check on record yet."
DELETED = "Your skills check record has been deleted."
NOTHING_TO_DELETE = "There was no skills check record to delete."
TOP_GAPS = "Your top gaps"
ASK_GUIDE = "Ask Guide"
MISSING_DOCUMENT = "(not in the knowledge base yet: tell a trainer)"
MODAL_TITLE = "Your skills check"
MODAL_MORE = ("The rest of the statements are on the web page /skills: a Slack form holds only "
              "so many.")
SLACK_RECORD_HELP = ("`/guide skills` opens your private skills check; `/guide skills record` "
                     "shows what you have rated; `/guide skills delete` deletes your record.")
