"""The house's import rules, checked over every module Guide installs.

Imports run one way: ``bot.py -> channels -> assistant -> knowledge <- ingest``; ``usage`` is
a leaf that assistant and channels write to; ``config`` (settings and errors) sits under all of
them and imports nothing of ours; ``bench`` measures everything and nothing imports it but the
command line. Nothing installed imports ``tests``, and only Settings reads the environment.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"config", "usage", "knowledge", "ingest", "assistant", "channels", "bench", "bot",
        "tests"}
# what each part of Guide may import of ours (itself always)
ALLOWED = {
    "config": set(),
    "usage": {"config"},
    "knowledge": {"config"},
    "ingest": {"config", "knowledge"},
    "assistant": {"config", "knowledge", "usage"},
    "channels": {"config", "knowledge", "ingest", "assistant", "usage"},
    "bench": {"config", "knowledge", "ingest", "assistant", "usage", "channels"},
    # the relevance model's data and training scripts (dev-only, never installed)
    "training": {"config", "knowledge", "ingest"},
    "bot": {"config", "knowledge", "ingest", "assistant", "usage", "channels", "bench"},
}
# chat platforms belong to their adapters (and the benchmarks that drive them)
CHAT_SDKS = {"slack_bolt", "slack_sdk", "microsoft_teams", "microsoft_agents", "botbuilder"}
NO_CHAT_SDK = {"config", "usage", "knowledge", "ingest", "assistant"}
READS_ENVIRONMENT = {"config/settings.py"}
SETS_MODEL_FLAGS = {"knowledge/embeddings.py"}  # HF_HUB_OFFLINE before the model loads


def modules() -> list[tuple[str, Path]]:
    found = [("bot", ROOT / "bot.py")]
    for package in ALLOWED:
        if package != "bot":
            found += [(package, p) for p in sorted((ROOT / package).rglob("*.py"))]
    return found


def imports(path: Path) -> list[tuple[str, int]]:
    """(top-level module, line) of every import in the file, inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((".", node.lineno))
            elif node.module:
                found.append((node.module.split(".")[0], node.lineno))
    return found


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_every_package_imports_only_what_lies_below_it():
    bad = [f"{where(path, line)} ({package}) imports {name}"
           for package, path in modules() for name, line in imports(path)
           if name in OURS and name != package and name not in ALLOWED[package]]
    assert bad == []


def test_no_relative_imports():
    assert [where(p, line) for _, p in modules() for name, line in imports(p) if name == "."] == []


@pytest.mark.parametrize("package", sorted(NO_CHAT_SDK))
def test_the_core_knows_no_chat_platform(package):
    bad = [f"{where(path, line)} imports {name}" for pkg, path in modules() if pkg == package
           for name, line in imports(path) if name in CHAT_SDKS]
    assert bad == []


def test_only_settings_read_the_environment():
    offenders = []
    for _, path in modules():
        rel = str(path.relative_to(ROOT))
        text = path.read_text()
        reads = any(s in text for s in ("os.environ", "os.getenv", "getenv(", "environ.get"))
        if reads and rel not in READS_ENVIRONMENT | SETS_MODEL_FLAGS:
            offenders.append(rel)
        if rel in SETS_MODEL_FLAGS:  # it may set the model's offline flags, never read
            assert "os.environ.get" not in text and "os.getenv" not in text, rel
    assert offenders == []


def test_the_rules_see_every_package():
    on_disk = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"tests"}
    assert on_disk == set(ALLOWED) - {"bot"}
