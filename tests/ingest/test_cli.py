"""The trainer CLI end to end, with the real bundled embedding model."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from bot import build_cli
from tests.conftest import SAMPLE
from tests.files import make_legacy_doc

pytestmark = pytest.mark.integration
runner = CliRunner()


def guide(*args: str):
    return runner.invoke(build_cli(), list(args), catch_exceptions=False,
                         env={"COLUMNS": "250"})


def test_ingest_sample_then_incremental_then_sources(tmp_path):
    docs = tmp_path / "kb"
    shutil.copytree(SAMPLE, docs)

    first = guide("ingest", str(docs), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert set(summary) >= {"added", "updated", "unchanged", "deleted", "failed",
                            "chunks_embedded", "seconds"}
    assert summary["added"] == 14 and summary["failed"] == []
    assert summary["chunks_embedded"] > 30

    again = json.loads(guide("ingest", str(docs), "--json").stdout)
    assert (again["unchanged"], again["chunks_embedded"]) == (14, 0)

    listed = json.loads(guide("sources", "list", "--json").stdout)
    by_id = {d["doc_id"]: d for d in listed}
    assert by_id["data-sharing-policy-v2"]["superseded_by"] == ["data-sharing-policy"]
    assert by_id["removable-media-policy"]["review_date"] < "2026-01-01"
    assert by_id["managers-escalation-guide"]["audience"] == ["managers"]
    assert by_id["sharing-with-police-procedure"]["pages"] == 2

    table = guide("sources", "list")
    assert "superseded by data-sharing-policy" in table.stdout
    assert "past review date" in table.stdout

    shown = guide("sources", "show", "sharing-with-police-procedure")
    assert shown.exit_code == 0
    assert "p.2 Procedure for Sharing Information with the Police > 4. Checking and sending" \
        in shown.stdout

    removed = guide("sources", "remove", "microsoft-teams-guide")
    assert removed.exit_code == 0 and "Removed microsoft-teams-guide" in removed.stdout
    missing = guide("sources", "show", "microsoft-teams-guide")
    assert missing.exit_code == 2 and "no indexed document matches" in missing.stderr

    (docs / "ai-tools-guidance.md").unlink()
    synced = json.loads(guide("ingest", str(docs), "--sync", "--json").stdout)
    assert synced["deleted"] == 1 and synced["added"] == 1  # teams guide comes back


def test_failures_exit_1_and_are_listed(tmp_path):
    make_legacy_doc(tmp_path / "isa.doc")
    (tmp_path / "ok.md").write_text("# OK\n\nFine.\n")
    result = guide("ingest", str(tmp_path))
    assert result.exit_code == 1
    assert "1 added" in result.stdout and "1 failed" in result.stdout
    assert "legacy Word 97 format: save as .docx" in result.stdout
    assert "Traceback" not in result.output


def test_audience_option(tmp_path):
    (tmp_path / "probation-only.md").write_text("# Note\n\nFor probation staff.\n")
    guide("ingest", str(tmp_path), "--audience", "probation", "--json")
    listed = json.loads(guide("sources", "list", "--json").stdout)
    assert listed[0]["audience"] == ["probation"]


def test_locked_data_dir_is_a_clear_message(tmp_path, settings):
    from filelock import FileLock

    (tmp_path / "a.md").write_text("# A\n\nText.\n")
    settings.ensure_dirs()
    with FileLock(str(settings.lock_path)):
        result = guide("ingest", str(tmp_path / "a.md"))
    assert result.exit_code == 2 and "another ingest is running" in result.stderr
