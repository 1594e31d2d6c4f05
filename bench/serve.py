"""``guide bench serve``: web answers under load, idle and while the index changes, from real
``guide serve`` processes over HTTP.

Four phases, each N questions from C concurrent clients (each client its own browser session,
through ``/api/ask``): idle; during a ``guide ingest`` of another corpus into the same data
dir; during a trainer's web upload of a large PDF; and against two replicas sharing
PostgreSQL and a ``chroma run`` server, with a document uploaded on one and waited for on the
other. Targets: no errors anywhere; p95 during the ingest within 1.5x the idle p95.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.figures import latency
from config.errors import GuideError
from config.settings import Settings

GUIDE = Path(sys.executable).parent / "guide"  # the installed command, as operators run it
SAMPLE = Path(__file__).resolve().parent.parent / "knowledge" / "sample"
EVALDATA_DOCS = Path("../shared/evaldata/docs")
BASE_FOLDERS = ("gds-way", "ncsc-zero-trust", "moj-technical-guidance")
INGEST_FOLDER = "govuk-html"
LARGE_PDF = "eu-data-protection/pdf/GDPR-Regulation-EU-2016-679.pdf"
TRAINER = ("trainer@bench.invalid", "bench-password-1234")
START_S = 180.0  # a server (model load, index) or chroma must answer within this
QUESTIONS = [
    "how do I report a data breach", "can I share information with the police",
    "who do I ask about a security incident", "what should I do if I lose my laptop",
    "how do I reset my password", "can I use a personal email account for work",
    "what is a data protection impact assessment", "how long do we keep records",
    "how should I send sensitive information", "what is zero trust",
    "can I use a usb stick", "what do I do about phishing emails",
]
MARKER = "bench-replica-marker"


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    url: str
    log: Path


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {**latency(self.latencies), "questions": len(self.latencies) + len(self.errors),
                "errors": len(self.errors), "first_errors": self.errors[:3]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, settings: Settings, root: Path) -> None:
        self.settings = settings
        self.root = root
        self.started: list[subprocess.Popen] = []

    def env(self, data_dir: Path, **extra: str) -> dict[str, str]:
        """A child's whole environment: hermetic, from this run's settings (the model and
        its dtype) and the bench's own data dir and keys."""
        env = {"PATH": os.defpath, "HOME": str(self.root), "HF_HUB_OFFLINE": "1",
               "GUIDE_DATA_DIR": str(data_dir),
               "GUIDE_EMBEDDING_MODEL": self.settings.embedding_model,
               "GUIDE_EMBEDDING_DTYPE": self.settings.embedding_dtype,
               "GUIDE_SESSION_SECRET": "bench-session-secret-" + "x" * 32,
               "GUIDE_PSEUDONYM_KEY": "bench-pseudonym-key-" + "x" * 32}
        env.update(extra)
        return env

    def guide(self, *args: str, env: dict[str, str], stdin: str | None = None) -> None:
        done = subprocess.run([str(GUIDE), *args], env=env, input=stdin,
                              capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise GuideError(f"guide {' '.join(args)} failed: {done.stderr.strip()[-500:]}")

    def spawn(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        proc = subprocess.Popen(args, env=env, cwd=self.root, stdout=log.open("wb"),
                                stderr=subprocess.STDOUT)
        self.started.append(proc)
        return proc

    def serve(self, name: str, env: dict[str, str]) -> Server:
        port = free_port()
        log = self.root / f"{name}.log"
        proc = self.spawn([str(GUIDE), "serve", "--port", str(port)], env, log)
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz", proc, log)
        return Server(name, proc, url, log)

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


def wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise GuideError(f"{url} exited: {log.read_text(errors='replace')[-800:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise GuideError(f"{url} did not answer within {START_S:.0f} s")


def chat_session(url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=120)
    page = client.get("/").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    if token is None:
        raise GuideError(f"no CSRF token on {url}/")
    return client, token.group(1)


def ask_many(urls: list[str], questions: int, clients: int) -> Phase:
    """``questions`` questions from ``clients`` sessions, spread over ``urls`` (as a load
    balancer would)."""
    phase = Phase()
    lock = threading.Lock()
    counter = iter(range(questions))

    def client(n: int) -> None:
        session, token = chat_session(urls[n % len(urls)])
        with contextlib.closing(session):
            for i in counter:
                question = QUESTIONS[(i + n) % len(QUESTIONS)]
                started = time.perf_counter()
                try:
                    r = session.post("/api/ask", json={"question": question},
                                     headers={"X-CSRF-Token": token})
                    ok = r.status_code == 200 and "status" in r.json()
                    why = f"{r.status_code}: {r.text[:120]}"
                except (httpx.HTTPError, ValueError) as exc:
                    ok, why = False, f"{type(exc).__name__}: {exc}"
                with lock:
                    if ok:
                        phase.latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        phase.errors.append(why)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return phase


def ask_while(urls: list[str], questions: int, clients: int, running: Any) -> Phase:
    """Rounds of ``questions`` questions for as long as ``running()`` (at least one round),
    so every moment of the background work is asked through."""
    phase = ask_many(urls, questions, clients)
    while running():
        more = ask_many(urls, questions, clients)
        phase.latencies += more.latencies
        phase.errors += more.errors
    return phase


def sign_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=900, follow_redirects=False)
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    if token is None:
        raise GuideError("no CSRF field on the sign-in page")
    r = client.post("/login", data={"email": TRAINER[0], "password": TRAINER[1],
                                    "csrf": token.group(1), "next": "/documents"})
    if r.status_code != 303:
        raise GuideError(f"the bench trainer could not sign in: {r.status_code}")
    return client


def upload(url: str, path: Path) -> tuple[bool, float, str]:
    """A trainer's web upload; (accepted, seconds, what the page said)."""
    with contextlib.closing(sign_in(url)) as client:
        page = client.get("/documents").text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        if token is None:
            raise GuideError("no CSRF field on the documents page")
        started = time.perf_counter()
        with path.open("rb") as f:
            r = client.post("/documents/upload", data={"csrf": token.group(1)},
                            files={"file": (path.name, f, "application/octet-stream")})
        seconds = time.perf_counter() - started
        said = client.get("/documents").text
        flash = re.search(r'class="flash[^"]*"[^>]*>(.*?)<', said, re.S)
        message = flash.group(1).strip() if flash else f"HTTP {r.status_code}"
        return r.status_code == 303 and "couldn" not in message, seconds, message


class Background:
    """``work()`` in a thread; ``running`` is set until it returns; ``result`` after."""

    def __init__(self, work: Any) -> None:
        self.running = threading.Event()
        self.running.set()
        self.result: Any = None
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self.thread.start()

    def _run(self, work: Any) -> None:
        try:
            self.result = work()
        except Exception as exc:  # reported in the figures, not raised from a thread
            self.result = exc
        finally:
            self.running.clear()

    def join(self) -> Any:
        self.thread.join()
        return self.result


def copy_corpus(folders: list[Path], into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        shutil.copytree(folder, into / folder.name, dirs_exist_ok=True)
    return into


def run(settings: Settings, questions: int = 200, clients: int = 10,
        docs: Path = EVALDATA_DOCS, replicas: bool = True,
        database_url: str = "postgresql://postgres@127.0.0.1:5432/test") -> dict[str, Any]:
    if not docs.is_dir():
        raise GuideError(f"no documents at {docs}: pass --docs (a folder like "
                         "../shared/evaldata/docs)")
    figures: dict[str, Any] = {"questions": questions, "clients": clients}
    with tempfile.TemporaryDirectory(prefix="guide-bench-serve-") as tmp:
        root = Path(tmp)
        bench = Bench(settings, root)
        try:
            figures.update(single_server(bench, root, docs, questions, clients))
            if replicas:
                figures["replicas"] = two_replicas(bench, root, docs, questions, clients,
                                                   database_url)
        finally:
            bench.stop_all()
    idle, ingest = figures["idle"]["p95"], figures["during_ingest"]["p95"]
    figures["p95_ingest_over_idle"] = round(ingest / idle, 2) if idle else None
    figures["targets"] = {"errors": 0, "p95_ingest_over_idle_at_most": 1.5}
    return figures


def single_server(bench: Bench, root: Path, docs: Path, questions: int,
                  clients: int) -> dict[str, Any]:
    data = root / "data"
    env = bench.env(data)
    base = copy_corpus([SAMPLE, *(docs / f for f in BASE_FOLDERS if (docs / f).is_dir())],
                       root / "base")
    bench.guide("ingest", str(base), env=env)
    bench.guide("users", "add", TRAINER[0], "--role", "trainer", env=env,
                stdin=TRAINER[1] + "\n")
    server = bench.serve("server", env)
    ask_many([server.url], clients * 2, clients)  # warm: every session, every path
    out: dict[str, Any] = {"idle": ask_many([server.url], questions, clients).figures()}

    ingest_corpus = copy_corpus([docs / INGEST_FOLDER], root / "more")
    log = root / "ingest.log"
    started = time.perf_counter()
    proc = bench.spawn([str(GUIDE), "ingest", str(ingest_corpus)], env, log)
    phase = ask_while([server.url], questions, clients, lambda: proc.poll() is None)
    out["during_ingest"] = {**phase.figures(), "ingest_exit": proc.wait(),
                            "ingest_seconds": round(time.perf_counter() - started, 1),
                            "ingest_files": sum(1 for p in ingest_corpus.rglob("*")
                                                if p.is_file())}

    pdf = docs / LARGE_PDF
    if pdf.is_file():
        work = Background(lambda: upload(server.url, pdf))
        phase = ask_while([server.url], questions, clients, work.running.is_set)
        result = work.join()
        ok, seconds, said = result if isinstance(result, tuple) else (False, 0.0, str(result))
        out["during_upload"] = {**phase.figures(), "upload": pdf.name,
                                "upload_mb": round(pdf.stat().st_size / 1e6, 1),
                                "upload_ok": ok, "upload_seconds": round(seconds, 1),
                                "upload_said": said[:160]}
    bench.stop(server.proc)
    return out


def two_replicas(bench: Bench, root: Path, docs: Path, questions: int, clients: int,
                 database_url: str) -> dict[str, Any]:
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        return {"skipped": "the chroma command (chromadb) is not installed"}
    schema = f"guide_bench_{uuid.uuid4().hex[:10]}"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(Settings(database_url=database_url).usage_db_url)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        return {"skipped": f"PostgreSQL not reachable at {database_url}: {exc}"}
    try:
        port = free_port()
        log = root / "chroma.log"
        proc = bench.spawn([str(chroma), "run", "--path", str(root / "chroma-server"),
                            "--host", "127.0.0.1", "--port", str(port)], self_env(bench), log)
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, log)
        shared = {"GUIDE_CHROMA_URL": f"http://127.0.0.1:{port}",
                  "GUIDE_DATABASE_URL": f"{database_url}?options=-csearch_path%3D{schema}"}
        envs = [bench.env(root / f"replica-{n}", **shared) for n in "ab"]
        base = copy_corpus([SAMPLE, *(docs / f for f in BASE_FOLDERS if (docs / f).is_dir())],
                           root / "base")
        bench.guide("ingest", str(base), env=envs[0])
        bench.guide("users", "add", TRAINER[0], "--role", "trainer", env=envs[0],
                    stdin=TRAINER[1] + "\n")
        servers = [bench.serve(f"replica-{n}", env) for n, env in zip("ab", envs, strict=True)]
        urls = [s.url for s in servers]
        ask_many(urls, clients * 2, clients)
        note = root / "replica-note.md"
        note.write_text(f"# Replica check\n\nThe {MARKER} passphrase is tangerine-falcon.\n")
        work = Background(lambda: seen_elsewhere(servers, note))
        phase = ask_many(urls, questions, clients)
        seen = work.join()
        return {**phase.figures(), "replicas": len(servers),
                "upload_on_a_seen_on_b_s": seen if isinstance(seen, float) else str(seen)}
    finally:
        with contextlib.suppress(Exception):
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


def self_env(bench: Bench) -> dict[str, str]:
    return {"PATH": os.defpath, "HOME": str(bench.root)}


def seen_elsewhere(servers: list[Server], note: Path) -> float:
    """Upload ``note`` on the first replica; seconds until the second answers from it."""
    ok, _, said = upload(servers[0].url, note)
    if not ok:
        raise GuideError(f"the upload on replica a failed: {said}")
    started = time.monotonic()
    session, token = chat_session(servers[1].url)
    with contextlib.closing(session):
        while time.monotonic() - started < 60:
            r = session.post("/api/ask", json={"question": f"what is the {MARKER} passphrase"},
                             headers={"X-CSRF-Token": token})
            if r.status_code == 200 and ("tangerine-falcon" in r.text
                                         or "Replica check" in r.text):
                return round(time.monotonic() - started, 2)
            time.sleep(0.25)
    raise GuideError("replica b did not answer from the upload within 60 s")
