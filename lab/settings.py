"""The lab's one settings object. Nothing else in the code base reads the environment.

Every setting can be given as an environment variable named `LAB_<NAME>` (for example
`LAB_HOME`, `LAB_DATABASE_URL`, `LAB_MASTER_KEY`) or in a `.env` file in the working
directory. No secret has a default: the master key comes from `LAB_MASTER_KEY` or from the
key file that `lab init` writes into the lab home with mode 0600.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".lab"


def _source_root() -> Path:
    return Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LAB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default_factory=_default_home,
        description="Folder holding the metastore (SQLite), keys and encrypted storage.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the metastore; default: SQLite file in the lab home. "
        "Use postgresql+psycopg://user@host/db to scale out.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 (urlsafe) encoding of 32 random bytes; overrides the key file.",
    )
    zones_dir: Path = Field(
        default_factory=lambda: _source_root() / "zones",
        description="Folder of zone definitions (*.yaml), validated at start-up.",
    )
    token: SecretStr | None = Field(
        default=None,
        description="CLI only: act as this token's user instead of as the operator console.",
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8700, ge=1, le=65535)
    api_processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Processes `lab serve` answers requests in (one per core is a good start): "
            "Python runs one thread at a time per process. Each has `api_threads` threads "
            "and its own pools; workers and the scheduler run once, in the parent."
        ),
    )
    api_threads: int = Field(
        default=16,
        ge=1,
        le=256,
        description=(
            "Requests `lab serve` works on at once: the size of its request thread pool. "
            "Everything else follows from it: each metastore pool holds this many "
            "connections plus one per background thread (`metastore_pool_size`), so a "
            "request thread never waits for a connection; up to 16 requests per thread "
            "may wait for a thread, beyond that uvicorn answers 503 at once "
            "(`api_connection_limit`)."
        ),
    )
    api_access_log: bool = Field(
        default=False,
        description=(
            "Log one line per HTTP request (uvicorn's access log). Off by default: the audit "
            "trail already records every request's decision under its X-Request-ID, and "
            "formatting a second line per request costs CPU under load."
        ),
    )
    token_ttl_days: int = Field(default=90, ge=1, le=3650)
    policy_refresh_seconds: float = Field(
        default=1.0,
        ge=0.0,
        description="How often a process checks whether another process changed the policy.",
    )
    audit_checkpoint_every: int = Field(default=1000, ge=1)
    audit_checkpoint_seconds: float = Field(default=300.0, gt=0)
    decision_cache_size: int = Field(default=100_000, ge=0)
    workers: int = Field(
        default=1, ge=0, le=64, description="Worker threads inside `lab serve` (0: none)."
    )
    max_upload_bytes: int = Field(
        default=4 << 30, ge=1, description="Largest file an import may upload through the API."
    )
    max_json_body_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Largest request body the API reads that is not an upload (JSON).",
    )
    requeue_expired_work: bool = Field(
        default=False,
        description="When a worker dies, requeue its item (true) or fail it (false).",
    )
    scheduler_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often the scheduler looks for items to destroy."
    )
    spark_cluster: str | None = Field(
        default=None,
        description=(
            "Spark Connect server (sc://host:port) in front of a Spark cluster: Spark jobs "
            "then run their work there. Unset: local[N] inside each job's sandbox."
        ),
    )

    @field_validator("spark_cluster", mode="after")
    @classmethod
    def _connect_url(cls, value: str | None) -> str | None:
        from jobs.engines.spark_cluster import connect_endpoint  # the engine's own rule

        if value is not None and connect_endpoint(value) is None:
            raise ValueError("must be sc://host:port (a Spark Connect server), nothing more")
        return value

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def metastore_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'metastore.db'}"

    @property
    def metastore_pool_size(self) -> int:
        """Connections per metastore pool (read and write each): one per request thread,
        one per worker thread, and three for the scheduler, the audit appender and start-up
        or CLI work in the same process."""
        return self.api_threads + self.workers + 3

    @property
    def api_connection_limit(self) -> int:
        """Connections and requests uvicorn admits before answering 503 (see api_threads)."""
        return self.api_threads * 16

    @property
    def master_key_file(self) -> Path:
        return self.home / "keys" / "master.key"
