"""What the Teams test modules share beyond the harness."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bench.fakes.teams import FakeMicrosoft
from tests.channels.teams.harness import TeamsHarness


@pytest.fixture
def trusting_teams(make_teams: Callable[..., TeamsHarness]) -> Iterator[TeamsHarness]:
    """A harness that may download files from its loopback fake, because the test names the
    fake's origin in ``teams_download_hosts`` (nothing else on loopback is allowed)."""
    with FakeMicrosoft() as fake:
        yield make_teams(fake=fake, teams_download_hosts=[fake.url])
