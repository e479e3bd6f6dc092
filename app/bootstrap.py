"""The composition root: the one place that builds drivers, stores and services.

FastAPI's lifespan and arq's on_startup both call `build_container`; nothing connects at import.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis

from app.adapters.identity_graph import IdentityGraph
from app.adapters.neo4j_db import Graph, create_driver
from app.adapters.valkey.keys import WorkspaceKeys
from app.adapters.valkey.stream import EventStream
from app.domain.consent import ConsentError, ConsentPolicy
from app.domain.identity import IdentityRules, RulesError
from app.domain.traits import TraitError, TraitSchema
from app.errors import ConfigurationError
from app.localservices.stack import effective_urls
from app.privacy import BlindIndex, KeyStore, LocalKeyStore, load_kek
from app.privacy.ledger import PrivacyLedger
from app.privacy.stream_seal import StreamSeal
from app.services.access.apikeys import ApiKeyService
from app.services.changes.dispatcher import ChangeDispatcher
from app.services.changes.notices import ProfileNotifier
from app.services.engagement.actions import ConsentGate
from app.services.engagement.destinations import (
    DestinationService,
    SegmentDestination,
    WebhookDestination,
)
from app.services.engagement.journeys import JourneyService
from app.services.engagement.outbound import WebhookSender, parse_networks
from app.services.engagement.segments.engine import SegmentService
from app.services.identity.curation import CurationService
from app.services.identity.ingestion import IngestionService
from app.services.identity.keys import Sealer
from app.services.identity.rekeying import BlindIndexRotation
from app.services.integrations.plugins import load_plugins
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from app.services.privacy.erasure import ErasureService
from app.services.privacy.retention import RetentionService
from app.services.privacy.subject_export import SubjectExporter
from app.services.profiles.browse import ProfileBrowser
from app.services.profiles.schema import TraitSchemaStore
from app.services.profiles.service import ProfileService
from app.services.profiles.traits import GoldenRecords, TraitObserver
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


T = TypeVar("T")


@dataclass
class Container:
    """Everything a request or a job needs, built once per process."""

    settings: Settings
    graph: Graph
    redis: Redis
    arq: ArqRedis
    keystore: KeyStore
    rules: IdentityRules
    ingestion: IngestionService
    curation: CurationService
    profiles: ProfileService
    sources: SourceService
    stream: EventStream
    acceptance: AcceptanceService
    deadletters: DeadLetterService
    trait_schemas: TraitSchemaStore
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

    def change_dispatcher(self, consumer: str = "segments-1") -> ChangeDispatcher:
        """The change-feed consumer: segment memberships, then journeys and destinations."""
        return ChangeDispatcher(
            self.redis,
            self.segments.graph,
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


def _load_yaml(
    path: Path, parse: Callable[[Any], T], default: Callable[[], T], errors: type[Exception]
) -> T:
    """A configuration object from YAML; its default when the file does not exist."""
    if not path.exists():
        return default()
    try:
        return parse(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, errors) as exc:
        raise ConfigurationError(f"{path}: {exc}") from exc


def load_rules(path: Path) -> IdentityRules:
    """Identity rules (config/identity.yaml)."""
    return _load_yaml(path, IdentityRules.from_mapping, IdentityRules, RulesError)


def load_trait_schema(path: Path) -> TraitSchema:
    """The trait schema (config/traits.yaml)."""
    return _load_yaml(path, TraitSchema.from_mapping, TraitSchema, TraitError)


def load_consent_policy(path: Path) -> ConsentPolicy:
    """Consent purposes and category aliases (config/consent.yaml)."""
    return _load_yaml(path, ConsentPolicy.from_mapping, ConsentPolicy, ConsentError)


def open_keystore(settings: Settings) -> LocalKeyStore:
    kek = load_kek(
        settings.kek.get_secret_value() if settings.kek else None,
        settings.resolved_kek_file,
        allow_generate=settings.is_development,
    )
    return LocalKeyStore(
        settings.resolved_keystore_path,
        kek,
        settings.kek_id,
        previous=settings.previous_keks,
    )


@dataclass
class _Foundations:
    """What every capability is built on: stores, clients, configuration, the identity core."""

    settings: Settings
    rules: IdentityRules
    keystore: LocalKeyStore
    graph: Graph
    identity: IdentityGraph
    sealer: Sealer
    redis: Redis
    arq: ArqRedis
    stream: EventStream
    notifier: ProfileNotifier
    policy: ConsentPolicy
    sources: SourceService
    trait_schemas: TraitSchemaStore
    observer: TraitObserver
    golden: GoldenRecords
    ledger: PrivacyLedger


async def _foundations(settings: Settings) -> _Foundations:
    rules = load_rules(settings.identity_rules_file)
    current_kid, hmac_keys = settings.hmac_keyring
    keystore = await asyncio.to_thread(open_keystore, settings)
    neo4j_uri, redis_url = effective_urls(settings)
    driver = create_driver(neo4j_uri, settings.neo4j_auth)
    graph = Graph(driver, settings.neo4j_database)
    sealer = Sealer(settings.workspace, BlindIndex(hmac_keys, current_kid), keystore)
    sources = SourceService(graph, settings.workspace)
    trait_schemas = TraitSchemaStore(
        graph, settings.workspace, load_trait_schema(settings.traits_file)
    )

    async def source_trusts() -> dict[str, float]:
        return {s.id: s.trust for s in await sources.list()}

    redis = Redis.from_url(redis_url)
    seal = StreamSeal(keystore, settings.workspace, settings.stream_key_period_seconds)
    return _Foundations(
        settings=settings,
        rules=rules,
        keystore=keystore,
        graph=graph,
        identity=IdentityGraph(driver, settings.neo4j_database, settings.workspace),
        sealer=sealer,
        redis=redis,
        arq=await create_pool(
            redis_settings(settings), default_queue_name=arq_queue(settings.workspace)
        ),
        stream=EventStream(redis, settings.workspace, settings.dedup_window_seconds, seal),
        notifier=ProfileNotifier(redis, settings.workspace),
        policy=load_consent_policy(settings.consent_file),
        sources=sources,
        trait_schemas=trait_schemas,
        observer=TraitObserver(sealer),
        golden=GoldenRecords(trait_schemas.current, source_trusts),
        ledger=await asyncio.to_thread(PrivacyLedger, settings.resolved_ledger_path),
    )


@dataclass
class _Engagement:
    segments: SegmentService
    gate: ConsentGate
    destinations: DestinationService
    journeys: JourneyService


def _engagement(f: _Foundations, consent: ConsentService, profiles: ProfileService) -> _Engagement:
    settings, arq = f.settings, f.arq

    async def enqueue_evaluation(name: str, run: str) -> None:
        await arq.enqueue_job("evaluate_segment", name, run, _job_id=f"segment:{name}:{run}")

    async def enqueue_step(run_id: str, seq: int, defer_seconds: float) -> None:
        await arq.enqueue_job(
            "journey_step",
            run_id,
            seq,
            _job_id=f"journey:{run_id}:{seq}",
            _defer_by=defer_seconds or None,
        )

    segments = SegmentService(
        f.identity,
        f.golden.effective_schema,
        f.policy,
        consent,
        f.redis,
        f.notifier,
        enqueue_evaluation=enqueue_evaluation,
        inline_seconds=settings.segment_evaluation_inline_seconds,
    )
    gate = ConsentGate(f.identity, consent)
    sender = WebhookSender(
        settings.signing_secrets,
        parse_networks(settings.outbound_allowed_networks),
        timeout=settings.outbound_timeout_seconds,
    )
    destinations = DestinationService(
        f.identity,
        f.redis,
        f.sealer,
        consent,
        sender,
        load_plugins([WebhookDestination(), SegmentDestination()]),
        profiles.plain_traits_of,
    )
    journeys = JourneyService(
        f.identity,
        segments,
        gate,
        sender,
        profiles,
        f.sealer,
        f.notifier,
        enqueue_step,
        destinations=destinations,
        plugins=destinations.plugins,
        #: Plugin actions write only below the operator's data dir, one directory per kind.
        plugin_data_dir=settings.local_dir / "plugins" / settings.workspace,
    )
    return _Engagement(segments, gate, destinations, journeys)


async def build_container(settings: Settings) -> Container:
    f = await _foundations(settings)
    identity, sealer, rules, golden, notifier = f.identity, f.sealer, f.rules, f.golden, f.notifier
    curation = CurationService(identity, sealer, rules, golden, notifier)
    acceptance = AcceptanceService(f.stream, settings.stream_bound, settings.retry_after_seconds)
    ingestion = IngestionService(identity, sealer, rules, f.observer, golden, f.policy, notifier)
    audit = AuditLog(f.graph, settings.workspace)
    consent = ConsentService(identity, curation, f.policy, audit, notifier)
    profiles = ProfileService(identity, sealer, curation, f.observer, golden, notifier)
    engagement = _engagement(f, consent, profiles)
    erasure = ErasureService(
        identity,
        curation,
        sealer,
        f.stream,
        f.ledger,
        audit,
        golden,
        rules,
        ingestion.identifier_keys,
        notifier,
        forward=engagement.destinations.forward_erasure,
        batch_size=settings.erasure_batch_size,
        lease_seconds=settings.erasure_lease_seconds,
    )
    return Container(
        settings=settings,
        graph=f.graph,
        redis=f.redis,
        arq=f.arq,
        keystore=f.keystore,
        rules=rules,
        ingestion=ingestion,
        curation=curation,
        profiles=profiles,
        sources=f.sources,
        stream=f.stream,
        acceptance=acceptance,
        deadletters=DeadLetterService(f.stream, ingestion),
        trait_schemas=f.trait_schemas,
        audit=audit,
        consent=consent,
        ledger=f.ledger,
        erasure=erasure,
        exporter=SubjectExporter(identity, sealer, curation, profiles, consent, audit),
        retention=RetentionService(
            f.graph, settings.workspace, settings.event_retention_days, audit=audit
        ),
        gate=engagement.gate,
        browser=ProfileBrowser(identity, sealer, golden.effective_schema),
        notifier=notifier,
        sender=MessageSender(acceptance, identity),
        segments=engagement.segments,
        journeys=engagement.journeys,
        apikeys=ApiKeyService(
            f.graph, settings.workspace, settings.admin_api_key.get_secret_value(), audit=audit
        ),
        destinations=engagement.destinations,
        rekeying=BlindIndexRotation(
            identity, sealer, rules, golden, audit=audit, settled=ingestion.recheck_rotation
        ),
    )
