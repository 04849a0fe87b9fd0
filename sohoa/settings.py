"""All configuration, from SOHOA_* environment variables into one object.

Read once by the faces and handed down: nothing deeper reads the environment.
Defaults give the embedded mode: everything under SOHOA_HOME, no servers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from sohoa.home import DEFAULT_HOME
from sohoa.ocr.options import OcrOptions
from sohoa.scanner_profiles import Profile
from sohoa.secret_files import SecretFilesSource, password_problem, with_password
from sohoa.workers.queue_config import QueueConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    #: Embedded data directory: local object store, SQLite catalog, work files.
    home: Path = DEFAULT_HOME
    #: file:///path (local directory) or s3://host[:port]/bucket (s3+http:// for plain HTTP).
    storage_url: str | None = None
    #: SQLAlchemy URL: sqlite:///path (default) or postgresql+psycopg://user@host/db.
    database_url: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str | None = None
    #: Default scanner profile (a bundled name or a YAML path).
    profile: str = "generic"
    #: Tesseract languages; overrides the profile's when set.
    languages: str | None = None
    #: Tesseract data directory (e.g. for the larger tessdata_best models).
    tessdata_dir: Path | None = None
    max_pages: int | None = Field(default=None, ge=1)
    max_megapixels: float = Field(default=120.0, gt=0)
    #: The scans' resolution (dpi) when the clerk knows better than the files' headers.
    assume_dpi: float | None = Field(default=None, gt=0, le=4800)
    #: Page workers (tesseract processes); 0 = one per core.
    jobs: int = Field(default=0, ge=0)
    #: When a command finds no `sohoa standby`, start one for the next commands: `auto`
    #: when run from a terminal, `always` (scripts too), `never`. Read by sohoa.launcher.
    standby: Literal["auto", "always", "never"] = "auto"
    tesseract_timeout: float = Field(default=180.0, gt=0)
    #: Language of messages for people: vi (default) or en.
    lang: Literal["vi", "en"] = "vi"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "WARNING"
    #: SANE device for `sohoa scan` when --device is not given (see `scanimage -L`).
    scan_device: str | None = None
    #: Seconds one `scanimage` batch may take before it is stopped (a full ADF at 300 dpi).
    scan_timeout: float = Field(default=900.0, gt=0)
    #: The scanimage program (sane-utils); a path when it is not on PATH.
    scanimage: str = "scanimage"
    #: Where rejected scans wait for a clerk (default $SOHOA_HOME/quarantine).
    quarantine_dir: Path | None = None
    #: Hot folders (YAML, the file `sohoa watch --config` reads): `sohoa watch` without
    #: folders watches these, and the counter page lists each folder's files to the clerks
    #: of the folder's ``unit``.
    watch_config: Path | None = None
    #: Hot folders: a file is taken once its size and mtime are unchanged this long.
    watch_settle_seconds: float = Field(default=2.0, ge=0)
    #: Hot folders: full rescan period, the safety net for events network shares miss.
    watch_rescan_seconds: float = Field(default=30.0, gt=0)
    #: Hot folders: a file still unreadable after being unchanged this long is quarantined.
    watch_incomplete_seconds: float = Field(default=120.0, gt=0)
    #: HTTP API (`sohoa api`): address and port uvicorn binds.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    #: Lifetime of the presigned S3 download URLs the API redirects to (1 s to 7 days).
    api_presign_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    #: Largest upload the API accepts, in MiB (the whole multipart request body).
    api_max_upload_mb: float = Field(default=100.0, gt=0)
    #: Server-side secret mixed into API key hashes (HMAC-SHA256); changing it revokes every key.
    api_key_pepper: SecretStr | None = None
    #: Documents the API digitises at once in the embedded mode (no queue broker).
    api_workers: int = Field(default=1, ge=1)
    #: Where uploads wait until they are digitised (default $SOHOA_HOME/inbox).
    inbox_dir: Path | None = None
    #: Queue broker of the deployment: amqp://… (RabbitMQ) or redis://…; unset = embedded mode.
    broker_url: SecretStr | None = None
    #: Prefix of the queue names (and Redis namespace); one per deployment sharing a broker.
    queue_prefix: str = "sohoa"
    #: Retries of a failed queue step (with exponential backoff) before the job is failed.
    queue_max_retries: int = Field(default=5, ge=0)
    queue_min_backoff: float = Field(default=5.0, gt=0)
    queue_max_backoff: float = Field(default=300.0, gt=0)
    #: dramatiq time limits of one page and of one assembly, in seconds.
    page_time_limit: float = Field(default=900.0, gt=0)
    assemble_time_limit: float = Field(default=1800.0, gt=0)
    #: Queued work that has not moved for this many seconds is re-sent by the reconciler.
    stuck_after: float = Field(default=900.0, ge=0)
    #: Each worker runs the reconciler this often (seconds; 0 = only `sohoa reconcile`).
    reconcile_every: float = Field(default=60.0, ge=0)
    #: Redis broker: seconds before a dead worker's messages are redelivered.
    redis_heartbeat_timeout: float = Field(default=60.0, gt=0)
    redis_dead_message_ttl: float = Field(default=7 * 86400.0, gt=0)
    #: Redis broker: fetches per million that also requeue dead workers' messages.
    redis_maintenance_chance: int = Field(default=10_000, ge=1, le=1_000_000)
    #: Seconds a worker told to stop (SIGTERM) waits for the page in hand.
    worker_shutdown_timeout: float = Field(default=60.0, ge=0)
    #: `sohoa worker`: Prometheus /metrics on this port (process n of `-n N` on port + n);
    #: unset = no endpoint. Bound to worker_metrics_host (loopback unless set).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "127.0.0.1"
    #: Where outside systems reach the S3 server (http(s)://host[:port]) when it differs from
    #: the storage URL's host (a compose network name): presigned download links use it.
    s3_public_url: str | None = None
    #: Downloads from an S3 store: `redirect` (307 to a presigned URL) or `stream` (the API
    #: sends the bytes itself, for clients that cannot reach the S3 server at all).
    api_download: Literal["redirect", "stream"] = "redirect"
    #: Files and directories sohoa creates (objects, SQLite catalog, quarantine, inbox,
    #: reports): false = owner only (0600/0700); true = readable by the service group
    #: (0640/0750), for a watcher, API and backup running as different accounts of one group.
    shared_group: bool = False
    #: Password put into SOHOA_DATABASE_URL / SOHOA_BROKER_URL (after their user name), so it
    #: can come from a secret file (SOHOA_DATABASE_PASSWORD_FILE) while the URL stays plain.
    database_password: SecretStr | None = None
    broker_password: SecretStr | None = None
    #: Dossier register: keep applicants' names (personal data, NĐ 13/2023); the report
    #: does not need them, so by default they are not stored.
    register_keep_applicant: bool = False
    #: Web app (`sohoa serve`): session cookies carry `Secure` (set true behind HTTPS).
    web_secure_cookies: bool = False
    #: Web app: addresses of the reverse proxy whose X-Forwarded-For/-Proto are believed
    #: (comma-separated, e.g. 127.0.0.1); unset = forwarded headers are ignored.
    web_trust_proxy: str | None = None
    #: Web app: a sign-in lasts at most this many hours, and ends after this many idle minutes.
    web_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    web_idle_minutes: float = Field(default=120.0, gt=0)
    #: Web archive page: server folders archive staff may start a backlog batch on
    #: (comma-separated; ``UNIT=PATH`` limits a root to that unit and the units below it).
    archive_roots: str | None = None
    #: Per-agency signing (YAML: units → what to sign, key, level); unset: nothing signed.
    signing_config: Path | None = None
    #: Second copy of every stored object (same URL forms as SOHOA_STORAGE_URL, on another
    #: disk or server); unset = one copy only. Credentials: SOHOA_REPLICA_ACCESS_KEY/_SECRET_KEY
    #: (default: the primary's).
    replica_url: str | None = None
    replica_access_key: SecretStr | None = None
    replica_secret_key: SecretStr | None = None
    #: `sohoa audit` reads at most this many MB/s and objects/s (0 = unlimited).
    audit_max_mb_per_s: float = Field(default=20.0, ge=0)
    audit_max_objects_per_s: float = Field(default=50.0, ge=0)
    #: Retention in years of intake components and of results; 0 = permanent (the default:
    #: the legal periods are [open], see README "Keeping").
    retention_intake_years: int = Field(default=0, ge=0, le=200)
    retention_result_years: int = Field(default=0, ge=0, le=200)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Every setting may also come from a file: SOHOA_<NAME>_FILE (Docker secrets)."""
        files = SecretFilesSource(settings_cls)
        return init_settings, env_settings, files, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _passwords_fit_their_urls(self) -> Settings:
        broker = self.broker_url.get_secret_value() if self.broker_url else None
        for name, password, url in (
            ("SOHOA_DATABASE_PASSWORD", self.database_password, self.database_url),
            ("SOHOA_BROKER_PASSWORD", self.broker_password, broker),
        ):
            problem = password_problem(name, url) if password is not None else None
            if problem:
                raise ValueError(problem)
        return self

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or (self.home / "objects").resolve().as_uri()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return with_password(self.database_url, self.secret("database_password"))
        return f"sqlite:///{(self.home / 'catalog.sqlite3').resolve()}"

    @property
    def resolved_quarantine_dir(self) -> Path:
        return self.quarantine_dir or self.home / "quarantine"

    @property
    def resolved_inbox_dir(self) -> Path:
        return self.inbox_dir or self.home / "inbox"

    def queue_config(self) -> QueueConfig | None:
        """The deployment's queue, or None for the embedded mode (no broker configured)."""
        if self.broker_url is None or not self.broker_url.get_secret_value().strip():
            return None
        return QueueConfig(
            broker_url=with_password(
                self.broker_url.get_secret_value().strip(), self.secret("broker_password")
            ),
            prefix=self.queue_prefix,
            max_retries=self.queue_max_retries,
            min_backoff=self.queue_min_backoff,
            max_backoff=self.queue_max_backoff,
            page_time_limit=self.page_time_limit,
            assemble_time_limit=self.assemble_time_limit,
            stuck_after=self.stuck_after,
            reconcile_every=self.reconcile_every,
            redis_heartbeat_timeout=self.redis_heartbeat_timeout,
            redis_dead_message_ttl=self.redis_dead_message_ttl,
            redis_maintenance_chance=self.redis_maintenance_chance,
            shutdown_timeout=self.worker_shutdown_timeout,
        )

    def ocr_options(self, profile: Profile) -> OcrOptions:
        """The page pipeline's knobs: the profile's, with explicit settings winning."""
        return OcrOptions(
            languages=self.languages or profile.languages,
            tessdata_dir=self.tessdata_dir,
            min_dpi=profile.min_dpi,
            max_pages=self.max_pages or profile.max_pages,
            max_megapixels=self.max_megapixels,
            assume_dpi=self.assume_dpi,
            deskew=profile.deskew,
            fix_orientation=profile.fix_orientation,
            duplex=profile.duplex,
            drop_blank_backs=profile.drop_blank_backs,
            tesseract_timeout=self.tesseract_timeout,
        )

    def secret(
        self,
        name: Literal[
            "s3_access_key",
            "s3_secret_key",
            "api_key_pepper",
            "database_password",
            "broker_password",
            "replica_access_key",
            "replica_secret_key",
        ],
    ) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None
