"""Build Guide's training corpus: public staff-guidance Markdown pages, chunked with Guide's own
loader and chunker, with every page that overlaps the evaluation data dropped.

Input: bare git mirrors (as the ``fetch`` tool leaves them: ``.../owner+name/repo``), each read
at a pinned commit (``DIR@COMMIT``; HEAD if none). Output under ``--out``:

- ``passages.jsonl``: one chunk a line (pid, doc, source, title, heading_path, text, context,
  sentences)
- ``excluded.jsonl``: pages dropped for sharing >5% of their 8-word shingles with an
  evaluation document
- ``sources.json``: per repo, commit, licence and page counts

Run from the repository root:
    .venv/bin/python training/build_corpus.py /work/.mirror/18F+handbook/repo@<sha> ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.errors import IngestError  # noqa: E402
from config.settings import Settings  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.loaders.markdown import TEMPLATE_TAGS, split_front_matter  # noqa: E402
from ingest.prepare import PrepareConfig, prepare  # noqa: E402
from knowledge.embeddings import model_info  # noqa: E402

MARKDOWN = (".md", ".md.erb", ".mdx", ".html.md")
# Files that are about the repository, not guidance (README and SECURITY only at the top: a
# docs site's folder readme.md is its section page, and code folders are skipped whole).
SKIP_NAMES = re.compile(
    r"^(changelog|changes|history|contributing|code_of_conduct|licen[cs]e|"
    r"pull_request_template|codeowners|support|authors)(\.[a-z]+)*$", re.I)
SKIP_DIRS = {".github", "terraform", "scripts", "tests", "test", "node_modules", "vendor",
             "partials", "templates", "template", "_includes", "includes", "_layouts",
             "early_development"}
TEMPLATE_NAME = re.compile(r"template|^_|^example", re.I)

MIN_PAGE_WORDS = 80  # prose words (not links, code or headings) a page needs
MAX_CODE_SHARE = 0.5  # of a page's non-blank lines
MAX_LINK_SHARE = 0.5  # of a page's prose lines that are nothing but links (navigation)
MIN_CHUNK_WORDS = 25
MAX_CHUNK_CODE = 0.3  # of a chunk's characters in code lines
MAX_CHUNK_SYMBOLS = 0.3  # of a chunk's tokens that look like code, paths or URLs
SHINGLE = 8
MAX_OVERLAP = 0.05

FENCE = re.compile(r"^\s*(```+|~~~+)\s*(\S*)")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|!?\[([^\]]*)\]\[[^\]]*\]|<https?://[^>]+>|"
                  r"https?://\S+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
NORM_WORD = re.compile(r"[a-z0-9]+")
SYMBOLIC = re.compile(r"[{}()<>=$;|\\]|::|/\w|\w_\w|^--?\w|\.\w{2,4}$|^\W+$")
# A sentence ends at . ! ? (after a word that is not a common abbreviation) before a capital,
# a digit or an opening quote/bracket; every line ends one (list items, table rows).
ABBREV = r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bMr\.)(?<!\bDr\.)(?<!\bNo\.)"
SENTENCE_END = re.compile(rf"(?<=[.!?])['\"”’)]?{ABBREV}\s+(?=[\"“'(\[]?[A-Z0-9])")


@dataclass
class Repo:
    gitdir: Path
    name: str  # owner/name
    commit: str
    licence: str = ""
    kept: int = 0
    overlap: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def git(gitdir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], check=True,
                          capture_output=True, text=True).stdout


def show(repo: Repo, path: str) -> str:
    return git(repo.gitdir, "show", f"{repo.commit}:{path}")


def open_repo(spec: str) -> Repo:
    """``DIR[@COMMIT]``; the name comes from the mirror folder (``owner+name``)."""
    where, _, commit = spec.partition("@")
    gitdir = Path(where)
    folder = gitdir.parent.name if gitdir.name == "repo" else gitdir.name
    owner, _, name = folder.partition("+")
    return Repo(gitdir, f"{owner}/{name}", git(gitdir, "rev-parse", commit or "HEAD").strip())


def licence_of(repo: Repo, files: list[str]) -> str:
    """The licence file's (top level), plus a README's note that the documentation is OGL."""
    def kind(text: str) -> str | None:
        low = text.lower()
        if "cc0" in low or "public domain" in low:
            return "CC0-1.0 (public domain)"
        if "open government licen" in low:
            return "OGL-3.0"
        if "mit license" in low or "permission is hereby granted" in low:
            return "MIT"
        return None

    top = [f for f in files if "/" not in f]
    found = [kind(show(repo, f)) for f in top if re.match(r"licen[cs]e", f, re.I)]
    licence = next(filter(None, found), None)
    readme = next((f for f in top if f.lower() == "readme.md"), None)
    text = show(repo, readme).lower() if readme else ""
    docs_ogl = "open government" in text and licence != "OGL-3.0"
    if licence and docs_ogl:
        return f"{licence} (code); documentation OGL-3.0 (per README)"
    if docs_ogl:
        return "OGL-3.0 (per README; no licence file)"
    return licence or "unknown"


def candidate(path: str) -> str | None:
    """Why a path is skipped before reading it, or None to read it."""
    parts = path.split("/")
    name = parts[-1]
    if not name.lower().endswith(MARKDOWN):
        return "not markdown"
    if any(p.lower() in SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
        return "repository folder"
    if SKIP_NAMES.match(name) or (
            len(parts) == 1 and name.lower().startswith(("readme", "security"))):
        return "repository file"
    if TEMPLATE_NAME.search(name):
        return "template"
    return None


@dataclass
class Shape:
    """A page's raw Markdown, measured: prose words, code lines, link-only lines."""
    prose_words: int = 0
    prose_lines: int = 0
    link_lines: int = 0
    code_lines: int = 0
    code: set[str] = field(default_factory=set)  # code lines, stripped
    links: set[str] = field(default_factory=set)  # link-only lines' text, stripped


def unwrap_myst(markdown: str) -> str:
    """MyST directive fences (```{note}, ````{tabs}) hold prose: keep their contents, drop
    the fences and their ``:option:`` lines. Code fences ({code-block} too) stay as they are."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open fences: (fence, is a prose directive)
    options = False
    for line in markdown.splitlines(keepends=True):
        match = FENCE.match(line)
        in_code = bool(stack) and not stack[-1][1]
        top = stack[-1][0] if stack else ""
        if (match and stack and not match.group(2) and match.group(1)[0] == top[0]
                and len(match.group(1)) >= len(top)):
            if not stack.pop()[1]:
                out.append(line)
            continue
        if match and not in_code:
            info = match.group(2)
            directive = info.startswith("{") and not info.startswith("{code")
            stack.append((match.group(1), directive))
            options = directive
            if not directive:
                out.append(line)
            continue
        if options and re.match(r"\s*:[\w-]+:", line):
            continue
        options = False
        out.append(line)
    return "".join(out)


def shape(markdown: str) -> Shape:
    _, body = split_front_matter(markdown)
    body = TEMPLATE_TAGS.sub("", body)
    out, fence = Shape(), ""
    for line in body.splitlines():
        match = FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            elif line.strip():
                out.code_lines += 1
                out.code.add(line.strip())
            continue
        if match:
            fence = match.group(1)
            continue
        text = line.strip()
        if not text or text.startswith(("#", "<", "|-", "| -", "---", "[//]")):
            continue
        plain = LINK.sub(lambda m: m.group(1) or m.group(2) or "", text)
        rest = LINK.sub("", text)
        words = len(WORD.findall(plain))
        out.prose_lines += 1
        if LINK.search(text) and len(WORD.findall(rest)) < 3:
            out.link_lines += 1
            out.links.add(re.sub(r"^[-*+\d.)\s]+", "", plain).strip())
        else:
            out.prose_words += words
    return out


def page_problem(s: Shape) -> str | None:
    if s.code_lines > MAX_CODE_SHARE * (s.code_lines + s.prose_lines):
        return "code-heavy"
    if s.prose_lines and s.link_lines > MAX_LINK_SHARE * s.prose_lines:
        return "navigation"
    if s.prose_words < MIN_PAGE_WORDS:
        return "under 80 words"
    return None


def chunk_problem(body: str, s: Shape) -> str | None:
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    bare = [re.sub(r"^[•\-*\d.)\s]+", "", ln) for ln in lines]
    if len(WORD.findall(body)) < MIN_CHUNK_WORDS:
        return "short"
    code = sum(len(ln) for ln in lines if ln in s.code)
    if "```" in body or code > MAX_CHUNK_CODE * sum(len(ln) for ln in lines):
        return "code"
    if sum(b in s.links for b in bare) > 0.5 * len(lines):
        return "links"
    tokens = body.split()
    if sum(bool(SYMBOLIC.search(t)) for t in tokens) > MAX_CHUNK_SYMBOLS * len(tokens):
        return "code"
    return None


def shingles(text: str) -> set[int]:
    words = NORM_WORD.findall(text.lower())
    return {int.from_bytes(hashlib.blake2b(" ".join(words[i:i + SHINGLE]).encode(),
                                           digest_size=8).digest(), "big")
            for i in range(len(words) - SHINGLE + 1)}  # a stable hash: same drops every run


def doc_text(path: Path) -> str | None:
    try:
        return "\n".join(b.text for b in load_file(path).blocks)
    except IngestError:
        return None


def eval_index(roots: Iterable[Path]) -> dict[int, list[int]]:
    """Shingle -> the evaluation documents (by number) that hold it."""
    index: dict[int, list[int]] = {}
    n = 0
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            text = doc_text(path)
            if not text:
                continue
            for sh in shingles(text):
                index.setdefault(sh, []).append(n)
            n += 1
    print(f"evaluation: {n} documents, {len(index):,} shingles", file=sys.stderr)
    return index


def overlap(text: str, index: dict[int, list[int]]) -> float:
    """The largest share of the page's shingles that one evaluation document also has."""
    mine = shingles(text)
    hits = Counter(d for sh in mine for d in index.get(sh, ()))
    return max(hits.values()) / len(mine) if hits and mine else 0.0


def sentences(text: str) -> list[str]:
    """Every line is a sentence (list items, table rows) and is split further at sentence
    ends; each sentence is a verbatim slice of ``text``."""
    out: list[str] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end in [*(m.start() for m in SENTENCE_END.finditer(line.group())),
                    len(line.group())]:
            piece = text[start:line.start() + end].strip()
            if piece:
                out.append(piece)
            start = line.start() + end
    return out


def temp_name(path: str) -> str:
    """A ``.md`` name Guide's loader reads; an index page is named after its folder (the
    loader's last-resort title)."""
    parts = path.split("/")
    stem = re.sub(r"(\.html)?\.(md|mdx|md\.erb)$", "", parts[-1])
    if stem == "index" and len(parts) > 1:
        stem = parts[-2]
    return f"{stem}.md"


def pages(repo: Repo, cap: int) -> Iterator[tuple[str, str]]:
    files = git(repo.gitdir, "ls-tree", "-r", "--name-only", repo.commit).splitlines()
    repo.licence = licence_of(repo, files)
    taken = 0
    for path in sorted(files):
        why = candidate(path)
        if why == "not markdown":
            continue
        if why:
            repo.skipped[why] += 1
        elif cap and taken >= cap:
            repo.skipped["over the per-repo cap"] += 1
        else:
            taken += 1
            yield path, show(repo, path)


def build(args: argparse.Namespace) -> None:
    settings = Settings.load()
    config = PrepareConfig(model_info(settings), settings.chunk_tokens,
                           settings.max_upload_mb * 1_000_000)
    index = eval_index(args.eval)
    repos = sorted((open_repo(s) for s in args.mirrors), key=lambda r: r.name.lower())
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    passages, excluded, seen = [], [], set()
    chunk_drops: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for repo in repos:
            for path, raw in pages(repo, args.max_pages_per_repo):
                raw = unwrap_myst(raw)
                s = shape(raw)
                if why := page_problem(s):
                    repo.skipped[why] += 1
                    continue
                file = Path(tmp) / temp_name(path)
                file.write_text(raw, encoding="utf-8")
                source = f"{repo.name}@{repo.commit}:{path}"
                try:
                    prepared = prepare(file, source, hashlib.sha256(raw.encode()).hexdigest(),
                                       None, config)
                except IngestError as exc:
                    repo.skipped[f"loader: {exc}"] += 1
                    continue
                except RecursionError:  # Guide's chunker: one word longer than a chunk
                    print(f"chunker failed: {source}", file=sys.stderr)
                    repo.skipped["chunker: RecursionError"] += 1
                    continue
                finally:
                    file.unlink()
                text = "\n".join(c.page_content[c.metadata["body_offset"]:]
                                 for c in prepared.chunks)
                if (share := overlap(text, index)) > MAX_OVERLAP:
                    repo.overlap += 1
                    excluded.append({"doc": f"{repo.name}:{path}", "source": source,
                                     "title": prepared.meta.title, "overlap": round(share, 4)})
                    continue
                kept = 0
                for chunk in prepared.chunks:
                    body = chunk.page_content[chunk.metadata["body_offset"]:]
                    why = chunk_problem(body, s) or ("duplicate" if body in seen else None)
                    if why:
                        chunk_drops[why] += 1
                        continue
                    seen.add(body)
                    kept += 1
                    passages.append({
                        "pid": f"p{len(passages) + 1:05d}", "doc": f"{repo.name}:{path}",
                        "source": source, "title": chunk.metadata["title"],
                        "heading_path": chunk.metadata.get("heading_path", ""), "text": body,
                        "context": chunk.page_content[:chunk.metadata["body_offset"] - 2],
                        "sentences": sentences(body),
                    })
                if kept:
                    repo.kept += 1
                else:
                    repo.skipped["no usable chunks"] += 1
            print(f"{repo.name}: {repo.kept} kept, {repo.overlap} overlap, "
                  f"{sum(repo.skipped.values())} skipped", file=sys.stderr)

    def lines(rows: list[dict[str, object]]) -> str:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    (out / "passages.jsonl").write_text(lines(passages), encoding="utf-8")
    (out / "excluded.jsonl").write_text(lines(excluded), encoding="utf-8")
    sources = {
        "chunker": {"model": config.model.model_id, "target_tokens": config.target_tokens,
                    "max_tokens": config.model.max_tokens},
        "filters": {"min_page_words": MIN_PAGE_WORDS, "min_chunk_words": MIN_CHUNK_WORDS,
                    "shingle_words": SHINGLE, "max_eval_overlap": MAX_OVERLAP,
                    "max_pages_per_repo": args.max_pages_per_repo},
        "passages": len(passages),
        "chunks_dropped": dict(sorted(chunk_drops.items())),
        "repos": {r.name: {"commit": r.commit, "licence": r.licence, "pages_kept": r.kept,
                           "pages_dropped_overlap": r.overlap,
                           "pages_skipped": sum(r.skipped.values()),
                           "skipped_by_reason": dict(sorted(r.skipped.items()))}
                  for r in repos},
    }
    (out / "sources.json").write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    print(f"{len(passages)} passages from {sum(r.kept for r in repos)} pages; "
          f"{len(excluded)} pages excluded for overlap", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mirrors", nargs="+", help="bare git dir, optionally @COMMIT")
    parser.add_argument("--eval", type=Path, nargs="+", default=[
        Path("/work/shared/evaldata/docs"),
        Path("/work/shared/evaldata/qa/defra-ai-toolkit/corpus")],
        help="evaluation documents no page may overlap")
    parser.add_argument("--out", type=Path, default=ROOT / "training" / "corpus")
    parser.add_argument("--max-pages-per-repo", type=int, default=300,
                        help="read at most this many candidate pages a repo, by path (0: all)")
    build(parser.parse_args())


if __name__ == "__main__":
    main()
