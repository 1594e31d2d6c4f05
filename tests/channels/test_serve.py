"""``guide serve`` as staff would run it: a real process on a free port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def start_serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    environ = {**os.environ, "GUIDE_DATA_DIR": str(tmp_path / "data"), **(env or {})}
    return subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "serve", "--port", "0", *args],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=environ, cwd=tmp_path)


def test_serve_without_slack_tokens_serves_the_web_app_and_says_so(tmp_path):
    process = start_serve(tmp_path)
    try:
        line = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "serving" not in line:
            line = process.stderr.readline()
            assert line or process.poll() is None, "guide serve exited"
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match and "Slack: not configured" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/healthz") as response:
            health = json.loads(response.read())
        assert health["status"] == "ok" and health["slack"].startswith("not configured")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_http_mode_without_a_signing_secret_is_refused_clearly(tmp_path):
    process = start_serve(tmp_path, "--slack-mode", "http",
                          env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""})
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2 and "SLACK_SIGNING_SECRET" in err
    assert "Traceback" not in err
