"""What the Slack and Teams test harnesses share: a factory of running harnesses, each on its
own data dir (a fake of the platform, a usage log, the production app on a free port), all
closed when the test ends."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from knowledge.base import KnowledgeBase
from usage.log import UsageLog


@contextmanager
def harness_factory(tmp_path: Path, kb: KnowledgeBase, new_fake: Callable[[], Any],
                    settings_for: Callable[..., Any], build: Callable[..., Any], key: bytes
                    ) -> Iterator[Callable[..., Any]]:
    """``make(usage_url=None, fake=None, **settings)``: a harness with a new fake (or the one
    given) and a usage log at ``usage_url`` (default: one SQLite file for the test)."""
    numbers = itertools.count()
    with ExitStack() as opened:

        def make(usage_url: str | None = None, fake: Any = None, **overrides: Any) -> Any:
            if fake is None:
                fake = opened.enter_context(new_fake())
            usage = UsageLog.open(usage_url or f"sqlite:///{tmp_path / 'usage.sqlite3'}", key)
            opened.callback(usage.engine.dispose)
            settings = settings_for(tmp_path / f"data{next(numbers)}", fake, **overrides)
            harness = build(settings, kb, fake, usage)
            opened.callback(harness.server.__exit__, None, None, None)
            return harness

        yield make
