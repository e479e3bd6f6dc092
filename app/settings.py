"""Typed settings, read from the environment (prefix CDP_) and an optional `.env` file.

`NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD` and `REDIS_URL` are read without the prefix so the
usual names point the platform at any existing Neo4j (Enterprise, Aura) or Redis/Valkey.
When they are unset, the local services started by `cdp services up` are used.
"""

from __future__ import annotations

import base64
import binascii
import socket
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.errors import ConfigurationError

DEV_ADMIN_API_KEY = "dev-admin-key-change-me"
DEV_WRITE_KEY = "dev-write-key-change-me"
DEV_OUTBOUND_SECRET = "dev-webhook-secret-change-me"
#: Neo4j passwords production refuses: the server's and docker-compose.yml's defaults.
WEAK_NEO4J_PASSWORDS = frozenset({"", "neo4j", "password", "change-me-please", "changeme"})
DEV_HMAC_KEY = "ZGV2LWhtYWMta2V5LW5vdC1mb3ItcHJvZHVjdGlvbi11c2UhIQ"  # development only


class Settings(BaseSettings):
    """Every knob of the platform, with defaults that run on a laptop."""

    model_config = SettingsConfigDict(
        env_prefix="CDP_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Literal["development", "test", "production"] = "development"
    workspace: str = Field("default", pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    data_dir: Path = Path(".local")

    neo4j_uri: str | None = Field(None, validation_alias=AliasChoices("NEO4J_URI", "CDP_NEO4J_URI"))
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER", "CDP_NEO4J_USER"))
    neo4j_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "CDP_NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "CDP_NEO4J_DATABASE")
    )
    redis_url: str | None = Field(None, validation_alias=AliasChoices("REDIS_URL", "CDP_REDIS_URL"))

    # Local services (used when NEO4J_URI / REDIS_URL are unset).
    local_neo4j_bolt_port: int = 7687
    local_neo4j_http_port: int = 7474
    local_neo4j_heap: str = "768m"
    local_neo4j_pagecache: str = "256m"
    local_valkey_port: int = 6379

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    #: The built web console (`make console`), served at /console; unset: console/dist of
    #: the source tree.
    console_dir: Path | None = None
    log_level: str = "INFO"
    log_json: bool = True

    admin_api_key: SecretStr = SecretStr(DEV_ADMIN_API_KEY)
    default_write_key: SecretStr = SecretStr(DEV_WRITE_KEY)

    # Key hierarchy: the key-encryption key wraps one data key per identifier.
    kek: SecretStr | None = None
    #: Label of the current KEK (it is recorded beside each wrapped data key).
    kek_id: str = Field("local-1", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    #: During a KEK rotation, the previous KEKs as "id:base64[,id:base64]".
    kek_previous: SecretStr | None = None
    kek_file: Path | None = None
    keystore_path: Path | None = None
    # Blind-index keys as "kid:base64,kid2:base64"; the first is current.
    hmac_keys: SecretStr = SecretStr(f"k1:{DEV_HMAC_KEY}")

    identity_rules_file: Path = Path("config/identity.yaml")
    #: The record-linkage model behind likely-same-person suggestions (docs/identity.md, 12).
    linkage_file: Path = Path("config/linkage.yaml")
    #: How a recompute finds its evidence component: `breadth_first` (one query per hop) or
    #: `cypher` (one traversal query); the same result either way (docs/identity.md, 9.1).
    component_traversal: Literal["breadth_first", "cypher"] = "breadth_first"
    traits_file: Path = Path("config/traits.yaml")
    consent_file: Path = Path("config/consent.yaml")

    # Outbound HTTP (journey webhooks, destinations).
    #: Signing secrets, comma-separated, current first; during a rotation list two.
    outbound_secrets: SecretStr = SecretStr(DEV_OUTBOUND_SECRET)
    #: Networks outbound calls may reach although internal (e.g. '["10.0.0.0/8"]'); none by
    #: default, so webhooks cannot be aimed at the platform's own network.
    outbound_allowed_networks: list[str] = []
    outbound_timeout_seconds: float = Field(5.0, gt=0, le=60)

    #: Longest a GraphQL query or mutation may run (s) before it is answered with an error.
    graphql_time_limit_seconds: float = Field(10.0, gt=0)
    #: Bearer token a Prometheus scraper sends to read /metrics; without it /metrics is open
    #: in development and not served in production.
    metrics_token: SecretStr | None = None
    #: Largest GraphQL request body (HTTP) or subscription message (WebSocket), in bytes.
    graphql_body_limit_bytes: int = Field(1_048_576, ge=16_384, le=64 * 1_048_576)

    # Privacy operations.
    #: The ledger of suppressions and erasure receipts (outside Neo4j, see docs/privacy.md).
    ledger_path: Path | None = None
    #: Nodes an erasure deletes per transaction.
    erasure_batch_size: int = Field(1000, ge=1, le=100_000)
    #: How long (s) an erasure runner's claim lasts without renewal (a dead worker's runs out).
    erasure_lease_seconds: float = Field(30.0, gt=0)
    #: Events older than this many days are deleted by the retention job; 0 keeps them for
    #: ever. A source's own `retentionDays` wins over it.
    event_retention_days: int = Field(0, ge=0)

    # Tracking pipeline.
    #: Accepted-but-unresolved messages above which the API answers 429.
    stream_bound: int = 200_000
    #: Accepted messages wait in Valkey sealed under a key of the current period (s); a
    #: period's key is destroyed once nothing waiting uses it (docs/privacy.md).
    stream_key_period_seconds: int = Field(3600, ge=60, le=86_400)
    #: How long (s) a (source, messageId) pair is remembered to drop retried duplicates.
    dedup_window_seconds: int = 600
    retry_after_seconds: int = 2
    #: Stream entries a resolver reads at once (each entry is one HTTP request).
    resolver_batch_entries: int = Field(50, ge=1)
    #: Messages a resolver gathers into one transaction when a backlog waits: requests of a
    #: few events each (analytics.js sends one) are read on until the batch holds this many,
    #: so the fixed cost of a transaction is shared as widely as under batches of 100.
    resolver_batch_messages: int = Field(5000, ge=1)
    #: Attempts before a failing message goes to the dead-letter stream.
    resolver_max_attempts: int = 5
    #: A consumer silent this long (ms) is presumed dead; its entries are claimed.
    resolver_claim_idle_ms: int = 30_000
    #: The resolver's consumer name in the stream's group: stable across restarts (a restarted
    #: resolver takes up its own pending entries at once) and distinct per process (two
    #: processes under one name would read each other's pending entries). The default names
    #: the machine; a second resolver on one machine needs its own (`cdp resolver --name`).
    resolver_name: str = Field(default_factory=lambda: f"resolver-{socket.gethostname()}")
    worker_runs_resolver: bool = True
    #: The worker also consumes the change feed and keeps segment memberships current.
    worker_runs_segments: bool = True
    #: The worker also delivers to destinations.
    worker_runs_destinations: bool = True
    #: Jobs (journey steps, erasures...) one worker runs at once: they wait on Neo4j and
    #: webhooks far more than they compute, so many can share the event loop.
    worker_max_jobs: int = Field(10, ge=1, le=1000)
    #: How often (s) the worker looks for due jobs when it has room for more.
    worker_poll_seconds: float = Field(0.5, gt=0, le=5)
    #: How long (s) activating a segment evaluates it in the request before a worker job
    #: takes the rest over (the caller follows `segment(name) { evaluation }`).
    segment_evaluation_inline_seconds: float = Field(2.0, ge=0, le=60)
    #: How long (s) a process holds the trait schema and source trusts it read: an edit in
    #: another process reaches it within this, and re-decision runs wait this long first.
    trait_cache_seconds: float = Field(30.0, gt=0, le=3600)
    #: Client timestamps older than this (days) are kept but flagged.
    timestamp_horizon_days: int = 365
    #: Browser origins (scheme://host[:port]) allowed to call /v1/* by CORS, as a JSON list in
    #: CDP_TRACKING_CORS_ORIGINS, e.g. '["https://shop.example"]'; "*" allows any origin.
    tracking_cors_origins: list[str] = ["*"]

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env != "production":
            return self
        defaults = {
            "CDP_ADMIN_API_KEY": self.admin_api_key.get_secret_value() == DEV_ADMIN_API_KEY,
            "CDP_DEFAULT_WRITE_KEY": self.default_write_key.get_secret_value() == DEV_WRITE_KEY,
            "CDP_HMAC_KEYS": DEV_HMAC_KEY in self.hmac_keys.get_secret_value(),
            "CDP_KEK or CDP_KEK_FILE": self.kek is None and self.kek_file is None,
            "CDP_OUTBOUND_SECRETS": DEV_OUTBOUND_SECRET in self.outbound_secrets.get_secret_value(),
            "NEO4J_PASSWORD (not a default one)": self.neo4j_uri is not None
            and (
                self.neo4j_password is None
                or self.neo4j_password.get_secret_value() in WEAK_NEO4J_PASSWORDS
            ),
        }
        bad = [name for name, is_default in defaults.items() if is_default]
        if bad:
            raise ValueError("production refuses development secrets; set: " + ", ".join(bad))
        return self

    @property
    def is_development(self) -> bool:
        return self.env != "production"

    @property
    def local_dir(self) -> Path:
        return self.data_dir.resolve()

    @property
    def resolved_keystore_path(self) -> Path:
        return self.keystore_path or self.local_dir / "keys" / "datakeys.sqlite"

    @property
    def signing_secrets(self) -> list[str]:
        """Outbound signing secrets, current first."""
        return [s.strip() for s in self.outbound_secrets.get_secret_value().split(",") if s.strip()]

    @property
    def resolved_ledger_path(self) -> Path:
        return self.ledger_path or self.local_dir / "privacy" / "ledger.sqlite"

    @property
    def resolved_kek_file(self) -> Path:
        return self.kek_file or self.local_dir / "keys" / "kek.b64"

    @property
    def neo4j_auth(self) -> tuple[str, str] | None:
        if self.neo4j_password is None:
            return None
        return (self.neo4j_user, self.neo4j_password.get_secret_value())

    @property
    def previous_keks(self) -> dict[str, bytes]:
        """{kek id: key} from CDP_KEK_PREVIOUS (empty outside a rotation)."""
        if self.kek_previous is None:
            return {}
        return _keyring("CDP_KEK_PREVIOUS", self.kek_previous.get_secret_value())

    @property
    def hmac_keyring(self) -> tuple[str, dict[str, bytes]]:
        """(current kid, {kid: key bytes}) parsed from CDP_HMAC_KEYS; the first is current."""
        keys = _keyring("CDP_HMAC_KEYS", self.hmac_keys.get_secret_value())
        return next(iter(keys)), keys


def _keyring(name: str, text: str) -> dict[str, bytes]:
    """Keys written as "id:base64[,id:base64]", in their order."""
    keys: dict[str, bytes] = {}
    for part in text.split(","):
        kid, sep, encoded = part.strip().partition(":")
        if not sep or not kid:
            raise ConfigurationError(f"{name} must look like 'id:base64[,id:base64]'")
        try:
            keys[kid] = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ConfigurationError(f"{name}: key {kid!r} is not base64") from exc
    return keys


def load_settings() -> Settings:
    """Read settings, turning validation errors into one ConfigurationError."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(str(exc)) from exc
