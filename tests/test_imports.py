"""Imports run one way: bot -> channels -> assistant -> knowledge <- ingest."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "knowledge": {"ingest", "assistant", "channels", "usage", "bot", "slack_bolt", "slack_sdk",
                  "microsoft_agents"},
    "ingest": {"assistant", "channels", "usage", "bot"},
    "assistant": {"channels", "bot", "ingest", "slack_bolt", "slack_sdk"},
    # a leaf: it is written to, and reads only its settings
    "usage": {"assistant", "channels", "ingest", "bot", "slack_bolt", "slack_sdk"},
    "channels": {"bot"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_import_direction():
    bad = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            wrong = imported_roots(path) & forbidden
            if wrong:
                bad.append(f"{path.relative_to(ROOT)} imports {sorted(wrong)}")
    assert bad == []


def test_no_module_reads_environment_except_settings():
    allowed = {"knowledge/settings.py", "knowledge/embeddings.py"}  # the model's offline flags
    offenders = [
        str(p.relative_to(ROOT)) for pkg in ("knowledge", "ingest", "assistant")
        for p in (ROOT / pkg).rglob("*.py")
        if "os.environ" in p.read_text() and str(p.relative_to(ROOT)) not in allowed
    ]
    assert offenders == []
