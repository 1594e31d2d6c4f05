"""Retries for the Bot Connector: a 429 or a 5xx is tried again after the connector's
Retry-After (or a short exponential backoff), a few times, then the error stands."""

from __future__ import annotations

import asyncio
import logging
import random

import httpx
from microsoft_teams.common.http.client import MiddlewareContext, MiddlewareNext

log = logging.getLogger(__name__)
ATTEMPTS = 4  # the first try and three retries
BASE_DELAY_S = 0.5
MAX_DELAY_S = 10.0


def retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before ``attempt`` (1 = the first retry)."""
    value = response.headers.get("Retry-After")
    try:
        return min(max(float(value), 0.0), MAX_DELAY_S) if value is not None else \
            min(BASE_DELAY_S * 2 ** (attempt - 1) * random.uniform(0.8, 1.2), MAX_DELAY_S)
    except ValueError:  # an HTTP date: rare here; wait the longest
        return MAX_DELAY_S


class ConnectorRetries:
    """Middleware for the SDK's HTTP client (``Client.use``)."""

    def __init__(self, attempts: int = ATTEMPTS) -> None:
        self.attempts = attempts

    async def send(self, context: MiddlewareContext, next: MiddlewareNext) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            try:
                return await next()
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                if attempt == self.attempts or not (status == 429 or status >= 500):
                    raise
                delay = retry_after(exc.response, attempt)
                log.warning("Teams connector answered %d to %s; retrying in %.1f s", status,
                            context.method, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
