"""Everything the web pages say to people, in one place (Guide's answers are in
assistant/messages.py, Slack's in channels/slack/messages.py)."""

from __future__ import annotations

FAILED = "Sorry, something went wrong on Guide's side. Please try again in a minute."
RELOAD_AND_ASK = "Reload the page and ask again."
RELOAD_AND_RETRY = "Reload the page and try again."
SEND_JSON = 'Send JSON: {"question": "..."}'
TYPE_A_QUESTION = "Type a question first."
FEEDBACK_FIELDS = "record_id and helpful are needed"

NOT_FOR_YOUR_ROLE = ("Not for your role",
                     "This page is for another role: ask a manager for access.")
FORM_EXPIRED = ("Form expired", "That form was out of date or not from Guide. Go back, reload "
                "the page and try again.")
WRONG_PASSWORD = "That e-mail and password don't match an account."
LINK_SENT = ("If that address has an account with a Slack user, a sign-in link is on its way "
             "to you in Slack. It works once, for 15 minutes.")
LINK_EXPIRED = ("Link expired", "That sign-in link has been used or has expired. Ask for a new "
                "one.")
SIGN_IN_LINK = "Your sign-in link for Guide (works once, for 15 minutes): {url}"

CHECK_THE_DATES = "Check the dates"
NO_SUCH_EXPORT = ("No such export", "Exports are CSV or JSON.")

FILE_TOO_LARGE = "File too large"
CHOOSE_A_FILE = "Choose a file to upload."
NO_LONGER_INDEXED = "That document is no longer indexed."
REMOVED = "Removed {title} ({passages} passages)."
