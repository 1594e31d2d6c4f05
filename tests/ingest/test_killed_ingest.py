"""An ingest killed with SIGKILL at several moments: the retriever never serves what the
catalogue does not list, parse workers die with their parent, and the next run (or
``guide index check --repair``) brings the vector store, the record manager and the catalogue
back into agreement."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import build_cli
from config.settings import Settings
from ingest.pipeline import Ingestor, fingerprint
from knowledge.base import KnowledgeBase
from knowledge.embeddings import BUNDLED_ID
from knowledge.retriever import HybridRetriever
from tests.fakes.embeddings import HashEmbeddings

pytestmark = pytest.mark.integration  # each moment starts (and kills) a process


def fake_model(settings: Settings) -> HashEmbeddings:
    """Recorded as the bundled model, so `guide index check` opens the store as built."""
    return HashEmbeddings(settings, model_id=BUNDLED_ID)


def stopping_ingest(data_dir: str, docs: str, stage: str, nth: int, conn) -> None:
    """An ingest that, right after the ``nth`` write of ``stage``, tells the test which
    worker processes it has and waits to be killed."""
    settings = Settings(data_dir=Path(data_dir), parse_workers=1)
    kb = KnowledgeBase(settings, fake_model(settings))
    owner, name = {"vectors": (kb.vector_store, "add_documents"),
                   "records": (kb.record_manager, "update"),
                   "cleanup": (kb.vector_store, "delete"),
                   "catalogue": (kb.catalog, "upsert")}[stage]
    real = getattr(owner, name)
    calls = 0

    def write(*args, **kwargs):
        nonlocal calls
        result = real(*args, **kwargs)
        calls += 1
        if calls == nth:
            conn.send([p.pid for p in multiprocessing.active_children()])
            time.sleep(3600)
        return result

    setattr(owner, name, write)
    Ingestor(settings, kb).run([Path(docs)])
    conn.send("finished")  # the moment never came: the test fails on this


def kill_at(settings: Settings, docs: Path, stage: str, nth: int = 1) -> list[int]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    proc = context.Process(target=stopping_ingest,
                           args=(str(settings.data_dir), str(docs), stage, nth, theirs))
    proc.start()
    assert ours.poll(180), "the ingest never reached the moment"
    workers = ours.recv()
    assert workers != "finished", f"the ingest finished before {stage} #{nth}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    return workers


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + 30  # a bound, not a measure: they go within a second
    while time.monotonic() < deadline and not all(gone(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if not gone(p)]


def agreement(kb: KnowledgeBase) -> dict:
    """The three parts, read directly."""
    got = kb.collection.get(include=["metadatas"])
    vectors = {cid: (m["source"], m["doc_hash"]) for cid, m in
               zip(got["ids"], got["metadatas"], strict=True)}
    records = set(kb.record_manager.list_keys())
    catalogue = {e.source: e for e in kb.catalog.all()}
    unlisted = [cid for cid, (src, h) in vectors.items()
                if src not in catalogue or catalogue[src].file_hash != h]
    return {"vectors": len(vectors), "records": len(records),
            "catalogued": sum(e.chunks for e in catalogue.values()),
            "same_ids": set(vectors) == records, "unlisted": len(unlisted)}


def agrees(kb: KnowledgeBase) -> bool:
    a = agreement(kb)
    return a["same_ids"] and a["vectors"] == a["catalogued"] and a["unlisted"] == 0


def served_sources(kb: KnowledgeBase) -> dict[str, set[str]]:
    """What the retriever would quote from: (source -> doc hashes) of every served chunk."""
    served: dict[str, set[str]] = {}
    for stored in HybridRetriever(kb).chunks().values():
        served.setdefault(stored.meta["source"], set()).add(stored.meta["doc_hash"])
    return served


def assert_serves_only_catalogued(kb: KnowledgeBase) -> None:
    catalogue = {e.source: e.file_hash for e in kb.catalog.all()}
    for source, hashes in served_sources(kb).items():
        assert hashes == {catalogue.get(source)}, source


def write(path: Path, topic: str, version: int = 1) -> None:
    path.write_text(f"# {topic.title()}\n\n" + "\n\n".join(
        f"Version {version} rule {i} on {topic}: staff record step {i} for {topic}. " * 3
        for i in range(8)) + "\n")


def assert_all_indexed(kb: KnowledgeBase, docs: Path) -> None:
    catalogue = {e.source: e.file_hash for e in kb.catalog.all()}
    for path in sorted(docs.iterdir()):
        assert catalogue.get(str(path.resolve())) == fingerprint(path, None), path
    assert agrees(kb), agreement(kb)
    assert set(served_sources(kb)) == set(catalogue)


def test_sigkill_at_several_moments_then_the_next_run_agrees(tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in "abcde":
        write(docs / f"{name}.md", f"topic {name}")
    kb = KnowledgeBase(settings, fake_model(settings))

    # 1. killed after b's chunks reached Chroma, before the record manager knew them; the
    #    trainer then edits b, so its first version's chunks would be orphans for ever
    workers = kill_at(settings, docs, "vectors", nth=2)
    assert workers, "the run had a parse worker"
    assert wait_gone(workers) == []  # parse workers do not outlive their parent
    assert not agrees(kb)
    assert_serves_only_catalogued(kb)  # nothing of b is quoted
    write(docs / "b.md", "topic b", version=2)
    assert Ingestor(settings, kb).run([docs]).ok
    assert_all_indexed(kb, docs)

    # 2. an edited file, killed after its new chunks were recorded, before the catalogue
    write(docs / "c.md", "topic c", version=2)
    kill_at(settings, docs, "records")
    assert_serves_only_catalogued(kb)
    write(docs / "c.md", "topic c", version=3)
    assert Ingestor(settings, kb).run([docs]).ok
    assert_all_indexed(kb, docs)

    # 3. an edited file, killed inside LangChain's clean-up: old vectors gone, records left
    write(docs / "d.md", "topic d", version=2)
    kill_at(settings, docs, "cleanup")
    assert_serves_only_catalogued(kb)
    assert Ingestor(settings, kb).run([docs]).ok
    assert_all_indexed(kb, docs)

    # 4. a new file, killed after Chroma; `guide index check` finds it, --repair mends it
    write(docs / "f.md", "topic f")
    kill_at(settings, docs, "vectors")
    (docs / "f.md").unlink()  # and the file is gone before anyone ingests again
    cli = build_cli()
    env = {"GUIDE_DATA_DIR": str(settings.data_dir)}
    found = CliRunner().invoke(cli, ["index", "check", "--json"], env=env)
    assert found.exit_code == 1, found.output
    figures = json.loads(found.output)
    assert figures["ok"] is False and figures["orphan_vectors"] > 0
    mended = CliRunner().invoke(cli, ["index", "check", "--repair", "--json"], env=env)
    assert mended.exit_code == 0, mended.output
    assert json.loads(mended.output)["ok_after"] is True
    assert_all_indexed(kb, docs)
