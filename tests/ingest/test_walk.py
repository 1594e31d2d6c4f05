"""What ``guide ingest`` walks: never the working directory by accident, never a tool's folder
(issue 14, defect 10)."""

from __future__ import annotations

from typer.testing import CliRunner

from bot import build_cli
from ingest.pipeline import discover


def test_hidden_and_tool_folders_are_not_walked(tmp_path):
    for rel in ("policies/visits.md", "policies/old/rota.txt", ".git/notes.md",
                ".venv/lib/readme.md", "node_modules/pkg/readme.md", "policies/__pycache__/x.md",
                "policies/.obsidian/workspace.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("# Note\n\nSome text.\n")
    files, missing = discover([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "policies/old/rota.txt", "policies/visits.md"]
    assert missing == []
    # a folder the trainer names is walked, hidden or not
    named, _ = discover([tmp_path / ".git"])
    assert [f.name for f in named] == ["notes.md"]


def test_an_empty_path_is_refused_not_read_as_the_working_directory(tmp_path):
    (tmp_path / "secret.md").write_text("# Not guidance\n\nA file beside the command.\n")
    result = CliRunner().invoke(build_cli(), ["ingest", ""])
    assert result.exit_code != 0
    assert "an empty path was given" in result.output + (result.stderr or "")
    assert not (tmp_path / "data" / "chroma").exists()
