"""The container: every service of one workspace, built once per process by `build_container`
(stages.py); nothing connects at import."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import Redis

from app.adapters.identity_graph import IdentityGraph
from app.adapters.neo4j_db import Graph
from app.adapters.stores.changes import Neo4jOwnerProfiles
from app.adapters.valkey.changes import ValkeyChangeFeed
from app.adapters.valkey.keys import WorkspaceKeys
from app.adapters.valkey.stream import EventStream
from app.domain.identity import IdentityRules
from app.localservices.stack import effective_urls
from app.privacy import KeyStore
from app.privacy.ledger import PrivacyLedger
from app.services.access.apikeys import ApiKeyService
from app.services.changes.dispatcher import ChangeDispatcher
from app.services.changes.notices import ProfileNotifier
from app.services.engagement.actions import ConsentGate
from app.services.engagement.destinations import (
    DestinationService,
)
from app.services.engagement.journeys import JourneyService
from app.services.engagement.segments.engine import SegmentService
from app.services.identity.curation import CurationService
from app.services.identity.ingestion import IngestionService
from app.services.identity.rekeying import BlindIndexRotation
from app.services.identity.review.duplicates import DuplicateScan
from app.services.identity.review.queue import ReviewQueue
from app.services.identity.review.sweep import ConflictSweep
from app.services.integrations.exporting import ProfileExporter
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from app.services.privacy.erasure import ErasureService
from app.services.privacy.retention import RetentionService
from app.services.privacy.subject_export import SubjectExporter
from app.services.profiles.browse import ProfileBrowser
from app.services.profiles.devices import DeviceService
from app.services.profiles.redecision import GoldenRedecisions
from app.services.profiles.schema import TraitSchemaService
from app.services.profiles.service import ProfileService
from app.services.tracking.acceptance import AcceptanceService
from app.services.tracking.deadletters import DeadLetterService
from app.services.tracking.resolver import Resolver
from app.services.tracking.sending import MessageSender
from app.services.tracking.sources import SourceService
from app.settings import Settings


def arq_queue(ws: str) -> str:
    """The workspace's job queue: a worker runs only its own workspace's jobs (arq keeps job
    ids and cron ids global, so each workspace's names carry the workspace too)."""
    return WorkspaceKeys(ws).job_queue


@dataclass
class Container:
    """Everything a request or a job needs, built once per process."""

    settings: Settings
    graph: Graph
    #: The workspace's identity transactions (the stores of identity data are built on it).
    identity: IdentityGraph
    redis: Redis
    arq: ArqRedis
    keystore: KeyStore
    rules: IdentityRules
    ingestion: IngestionService
    curation: CurationService
    review: ReviewQueue
    conflict_sweep: ConflictSweep
    duplicate_scan: DuplicateScan
    profiles: ProfileService
    sources: SourceService
    redecisions: GoldenRedecisions
    stream: EventStream
    acceptance: AcceptanceService
    deadletters: DeadLetterService
    trait_schemas: TraitSchemaService
    audit: AuditLog
    consent: ConsentService
    ledger: PrivacyLedger
    erasure: ErasureService
    exporter: SubjectExporter
    retention: RetentionService
    gate: ConsentGate
    apikeys: ApiKeyService
    browser: ProfileBrowser
    notifier: ProfileNotifier
    sender: MessageSender
    segments: SegmentService
    journeys: JourneyService
    destinations: DestinationService
    rekeying: BlindIndexRotation
    devices: DeviceService

    def change_dispatcher(self, consumer: str = "segments-1") -> ChangeDispatcher:
        """The change-feed consumer: segment memberships, then journeys and destinations."""
        ws = self.settings.workspace
        return ChangeDispatcher(
            ValkeyChangeFeed(self.redis, ws),
            Neo4jOwnerProfiles(self.graph, ws),
            self.segments,
            consumer,
            journeys=self.journeys,
            destinations=self.destinations,
        )

    async def enqueue_erasure(self, request_id: str, defer_seconds: float = 0.0) -> None:
        """Hand an erasure to a worker (each attempt is its own arq job; the erasure's lease
        keeps two runners apart)."""
        await self.arq.enqueue_job(
            "erase_subject",
            request_id,
            _job_id=f"erasure:{request_id}:{uuid.uuid4().hex}",
            _defer_by=defer_seconds or None,
        )

    async def prepare_graph(self) -> int:
        """Constraints and indexes, then the configured consent purposes (idempotent)."""
        applied = await self.graph.apply_schema()
        await self.consent.ensure_purposes()
        return applied

    def profile_exporter(self) -> ProfileExporter:
        """Bulk export of profiles (`cdp export`); audits its decrypted exports itself."""
        return ProfileExporter(self.browser, self.profiles, self.trait_schemas, self.audit)

    def resolver(self, consumer: str | None = None) -> Resolver:
        """A stream consumer writing through this container's ingestion service."""
        s = self.settings
        return Resolver(
            self.stream,
            self.ingestion,
            consumer or s.resolver_name,
            batch_entries=s.resolver_batch_entries,
            batch_messages=s.resolver_batch_messages,
            max_attempts=s.resolver_max_attempts,
            claim_idle_ms=s.resolver_claim_idle_ms,
        )

    async def close(self) -> None:
        await self.arq.aclose()
        await self.redis.aclose()
        await self.graph.driver.close()
        await asyncio.to_thread(self.keystore.close)
        await asyncio.to_thread(self.ledger.close)


def redis_settings(settings: Settings) -> RedisSettings:
    _, redis_url = effective_urls(settings)
    return RedisSettings.from_dsn(redis_url)
