"""A Slack user's audiences: the audiences file names Slack user ids and user groups; a group's
members come from ``usergroups.users.list`` and are kept for a short while (a TTL), so an
answer does not wait on Slack every time, and someone taken out of a group loses its
documents within the TTL.

A lookup that fails leaves the person in ``all-staff`` only (deny by default) and is tried
again at the next question.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from config.audiences import STAFF, AudienceDirectory

log = logging.getLogger(__name__)


def is_group(slack_id: str) -> bool:
    return slack_id.startswith("S")


class SlackAudiences:
    def __init__(self, directory: AudienceDirectory, ttl_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = directory
        self.ttl_s = ttl_s
        self.clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, client: WebClient, group: str) -> frozenset[str] | None:
        """The user ids in a Slack user group (cached); None when Slack would not say."""
        now = self.clock()
        with self._lock:
            cached = self._members.get(group)
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        try:
            users = client.usergroups_users_list(usergroup=group).get("users") or []
        except SlackApiError as exc:
            log.warning("could not list the members of Slack user group %s (%s): its "
                        "audience is not given this time", group, exc.response.get("error"))
            return None
        members = frozenset(users)
        with self._lock:
            self._members[group] = (now, members)
        return members

    def of(self, client: WebClient, user: str | None) -> frozenset[str]:
        """The audiences ``user`` reads as: by their id or their user groups."""
        if not user:
            return STAFF
        groups = [g for g in self.directory.groups("slack") if is_group(g)
                  and user in (self.members(client, g) or ())]
        return self.directory.for_person("slack", user, groups)
