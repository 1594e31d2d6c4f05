"""Two trainers upload "policy.md" at the same moment, through one channel or two (Slack and
the web each have their own worker): both uploads are kept and indexed, each reply tells of
its own file, and the later one is the current version."""

from __future__ import annotations

import threading

import pytest

from channels.uploads import DocumentUploads, Outcome
from knowledge.store import forget_clients

NAME = "policy.md"


def version(label: str) -> str:
    return f"# Printing policy\n\nVersion {label}: print case files on the {label} printer only.\n"


@pytest.mark.parametrize("channels", [1, 2], ids=["one-channel", "two-channels"])
def test_two_uploads_of_one_name_at_once_both_land_and_the_later_is_current(
        settings, kb, channels):
    uploads = [DocumentUploads(settings, kb) for _ in range(channels)]
    both_written = threading.Barrier(2)
    outcomes: dict[str, Outcome] = {}

    def upload(label: str, through: DocumentUploads) -> None:
        incoming = through.incoming(NAME)
        incoming.write_text(version(label))
        both_written.wait(30)  # the second file is on disk before either is checked
        outcomes[label] = through.accept(incoming)

    threads = [threading.Thread(target=upload, args=(label, uploads[n % channels]))
               for n, label in enumerate(["alpha", "bravo"])]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for channel in uploads:
            channel.worker.close()

    assert all(o.ok for o in outcomes.values()), {k: o.reason for k, o in outcomes.items()}
    assert sorted(o.status for o in outcomes.values()) == ["added", "updated"]
    later = next(label for label, o in outcomes.items() if o.status == "updated")
    assert all(o.name == NAME for o in outcomes.values())

    target = settings.uploads_dir / NAME
    assert target.read_text() == version(later)
    forget_clients(settings)  # read what the workers wrote
    chunks = kb.collection.get(where={"source": str(target.resolve())})["documents"]
    assert chunks and all(f"Version {later}:" in chunk for chunk in chunks)
    assert kb.chunk_count() == len(chunks)  # the earlier version's chunks are gone
    assert not [p for p in (settings.uploads_dir / ".incoming").iterdir() if p.is_dir()]
