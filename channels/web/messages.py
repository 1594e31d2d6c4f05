"""Everything the web pages say to people, in one place (Guide's answers are in
assistant/messages.py, Slack's in channels/slack/messages.py)."""

from __future__ import annotations

FAILED = "Sorry, something went wrong on Guide's side. Please try again in a minute."
RELOAD_AND_ASK = "Reload the page and ask again."
RELOAD_AND_RETRY = "Reload the page and try again."
SEND_JSON = 'Send JSON: {"question": "..."}'
TYPE_A_QUESTION = "Type a question first."
QUESTION_TOO_LONG = "That message is too long: ask one short question, under {most:,} characters."
FEEDBACK_FIELDS = "record_id and helpful are needed"

NOT_FOR_YOUR_ROLE = ("Not for your role",
                     "This page is for another role: ask a manager for access.")
FORM_EXPIRED = ("Form expired", "That form was out of date or not from Guide. Go back, reload "
                "the page and try again.")
WRONG_PASSWORD = "That e-mail and password don't match an account."
TOO_MANY_TRIES = ("Too many failed sign-ins for this account or from this computer. Wait 15 "
                  "minutes and try again, or ask for a sign-in link in Slack.")
LINK_SENT = ("If that address has an account with a Slack user, a sign-in link is on its way "
             "to you in Slack. It works once, for 15 minutes.")
LINK_EXPIRED = ("Link expired", "That sign-in link has been used or has expired. Ask for a new "
                "one.")
SIGN_IN_LINK = "Your sign-in link for Guide (works once, for 15 minutes): {url}"

CHECK_THE_DATES = "Check the dates"
DATES_OUT_OF_RANGE = "Those dates are out of range: use real dates, such as 2026-01-31."
NOT_TEXT = "The question has characters that are not text: retype it and ask again."
NO_SUCH_EXPORT = ("No such export", "Exports are CSV or JSON.")

CHOOSE_A_FILE = "Choose a file to upload."
UPLOAD_FAILED = ("Guide could not add this file because of a problem on its side; nothing was "
                 "changed. Try again, or tell whoever runs Guide.")
NO_LONGER_INDEXED = "That document is no longer indexed."
REMOVED = "Removed {title} ({passages} passages)."
