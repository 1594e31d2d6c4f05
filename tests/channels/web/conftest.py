"""The web app fixture of test_web (accounts, a fake Slack, TestClient), for every web test."""

from tests.channels.web.test_web import web  # noqa: F401 (a fixture)
