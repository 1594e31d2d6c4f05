"""The serving process's view of the embedded store follows ingests made by other processes
(``guide ingest`` beside ``guide serve``), with no failed question while it catches up."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from knowledge.retriever import HybridRetriever
from tests.fakes.embeddings import HashEmbeddings


def writer(data_dir: str, conn) -> None:
    """Another process (as `guide ingest` is) writing into the same data dir, one command at a
    time: ("ingest", path) or ("remove", source); answers "done" after each."""
    settings = Settings(data_dir=Path(data_dir))
    kb = KnowledgeBase(settings, HashEmbeddings(settings))
    while (command := conn.recv()) is not None:
        verb, arg = command
        if verb == "ingest":
            assert Ingestor(settings, kb).run([Path(arg)]).ok
        else:
            kb.remove_source(arg)
        conn.send("done")


class Elsewhere:
    def __init__(self, data_dir: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.proc = context.Process(target=writer, args=(str(data_dir), child))
        self.proc.start()

    def __call__(self, verb: str, arg: Path | str) -> None:
        self.conn.send((verb, str(arg)))
        assert self.conn.poll(120) and self.conn.recv() == "done"

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(30)
        assert self.proc.exitcode == 0


def doc(path: Path, topic: str, n: int = 12) -> Path:
    path.write_text(f"# {topic.title()}\n\n" + "\n\n".join(
        f"Rule {i} about {topic}: staff must follow step {i} when handling {topic}. " * 4
        for i in range(n)) + "\n")
    return path


def test_server_sees_another_process_ingest_and_removal(tmp_path, settings):
    kb = KnowledgeBase(settings, HashEmbeddings(settings))
    mfa = doc(tmp_path / "mfa.md", "mfa resets")
    assert Ingestor(settings, kb).run([mfa]).ok
    retriever = HybridRetriever(kb)
    assert retriever.search("mfa resets", k=1)[0].meta["doc_id"] == "mfa"

    elsewhere = Elsewhere(settings.data_dir)
    for round_ in range(3):  # several writes from outside, each seen at the next refresh
        usb = doc(tmp_path / f"usb{round_}.md", f"usb sticks {round_}")
        elsewhere("ingest", usb)
        retriever.refresh()
        for query in (f"usb sticks {round_}", "mfa resets"):
            for mode in ("hybrid", "dense", "keyword"):
                hits = retriever.search(query, k=3, mode=mode)
                assert hits, (round_, query, mode)
        assert retriever.search(f"usb sticks {round_}", k=1)[0].meta["doc_id"] == f"usb{round_}"
        assert len({s.meta["source"] for s in retriever.chunks().values()}) == round_ + 2

    elsewhere("remove", mfa.resolve())
    elsewhere.close()
    retriever.refresh()
    assert all(s.meta["source"] != str(mfa.resolve()) for s in retriever.chunks().values())
    assert all(h.meta["doc_id"] != "mfa" for h in retriever.search("mfa resets", k=5))
