"""The composition root's stages: what every capability is built on, then engagement and
privacy on top of it, then the container; every object is built whole, in its constructor."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from arq.connections import ArqRedis, create_pool
from redis.asyncio import Redis

from app.adapters.identity_graph import IdentityGraph
from app.adapters.neo4j_db import Graph, create_driver
from app.adapters.stores.actions import Neo4jActionRecordStore
from app.adapters.stores.apikeys import Neo4jApiKeyStore
from app.adapters.stores.audit import Neo4jAuditStore
from app.adapters.stores.browsing import Neo4jProfileBrowseStore
from app.adapters.stores.consent import Neo4jConsentStore
from app.adapters.stores.curation import Neo4jCurationStore
from app.adapters.stores.destinations import Neo4jDestinationStore
from app.adapters.stores.devices import Neo4jDeviceStore
from app.adapters.stores.erasure import Neo4jErasureGraphStore, Neo4jErasureRecordStore
from app.adapters.stores.journeys import neo4j_journey_storage
from app.adapters.stores.profiles import Neo4jProfileStore
from app.adapters.stores.redecisions import Neo4jRedecisionStore
from app.adapters.stores.rekeying import Neo4jRekeyStore
from app.adapters.stores.retention import Neo4jRetentionStore
from app.adapters.stores.review import Neo4jSuggestionStore
from app.adapters.stores.segments import neo4j_segment_storage
from app.adapters.stores.sending import Neo4jResolvedEvents
from app.adapters.stores.sources import Neo4jSourceStore
from app.adapters.stores.subject import Neo4jSubjectStore
from app.adapters.stores.trait_schema import Neo4jTraitSchemaStore
from app.adapters.valkey.changes import ValkeyChangeFeed
from app.adapters.valkey.outbox import ValkeyOutbox
from app.adapters.valkey.stream import EventStream
from app.bootstrap.container import Container, arq_queue, redis_settings
from app.configuration import (
    load_consent_policy,
    load_rules,
    load_trait_schema,
    open_keystore,
)
from app.domain.consent import ConsentPolicy
from app.domain.identity import IdentityRules
from app.localservices.stack import effective_urls
from app.privacy import BlindIndex, LocalKeyStore
from app.privacy.ledger import PrivacyLedger
from app.privacy.stream_seal import StreamSeal
from app.services.access.apikeys import ApiKeyService
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
from app.services.identity.review.duplicates import DuplicateScan
from app.services.identity.review.queue import ReviewQueue
from app.services.identity.review.sweep import ConflictSweep
from app.services.integrations.plugins import load_plugins
from app.services.privacy.audit import AuditLog
from app.services.privacy.consent import ConsentService
from app.services.privacy.erasure import ErasureService
from app.services.privacy.retention import RetentionService
from app.services.privacy.subject_export import SubjectExporter
from app.services.profiles.browse import ProfileBrowser
from app.services.profiles.devices import DeviceService
from app.services.profiles.redecision import SETTLE_MARGIN_SECONDS, GoldenRedecisions
from app.services.profiles.schema import TraitSchemaService
from app.services.profiles.service import ProfileService
from app.services.profiles.traits import GoldenRecords, TraitObserver
from app.services.tracking.acceptance import AcceptanceService
from app.services.tracking.deadletters import DeadLetterService
from app.services.tracking.sending import MessageSender
from app.services.tracking.sources import SourceService
from app.settings import Settings


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
    trait_schemas: TraitSchemaService
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
    sources = SourceService(Neo4jSourceStore(graph, settings.workspace))
    trait_schemas = TraitSchemaService(
        Neo4jTraitSchemaStore(graph, settings.workspace), load_trait_schema(settings.traits_file)
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
        identity=IdentityGraph(
            driver, settings.neo4j_database, settings.workspace, settings.component_traversal
        ),
        sealer=sealer,
        redis=redis,
        arq=await create_pool(
            redis_settings(settings), default_queue_name=arq_queue(settings.workspace)
        ),
        stream=EventStream(redis, settings.workspace, settings.dedup_window_seconds, seal),
        notifier=ProfileNotifier(ValkeyChangeFeed(redis, settings.workspace)),
        policy=load_consent_policy(settings.consent_file),
        sources=sources,
        trait_schemas=trait_schemas,
        observer=TraitObserver(sealer),
        golden=GoldenRecords(
            trait_schemas.current,
            source_trusts,
            cache_seconds=settings.trait_cache_seconds,
            rules=rules,
        ),
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

    async def enqueue_steps(runs: Sequence[tuple[str, int]], defer_seconds: float) -> None:
        # The same runs at the same positions are one job, whoever queues them again.
        named = hashlib.sha256("|".join(f"{r}:{s}" for r, s in sorted(runs)).encode())
        await arq.enqueue_job(
            "journey_steps",
            [list(pair) for pair in runs],
            _job_id=f"journeys:{named.hexdigest()[:32]}",
            _defer_by=defer_seconds or None,
        )

    segments = SegmentService(
        neo4j_segment_storage(f.graph, f.identity, f.redis, settings.workspace),
        f.golden.effective_schema,
        f.policy,
        consent.defaults,
        f.notifier,
        enqueue_evaluation=enqueue_evaluation,
        inline_seconds=settings.segment_evaluation_inline_seconds,
    )
    gate = ConsentGate(Neo4jActionRecordStore(f.identity), consent)
    sender = WebhookSender(
        settings.signing_secrets,
        parse_networks(settings.outbound_allowed_networks),
        timeout=settings.outbound_timeout_seconds,
    )
    destinations = DestinationService(
        Neo4jDestinationStore(f.identity),
        ValkeyOutbox(f.redis, settings.workspace),
        f.sealer,
        consent,
        sender,
        load_plugins([WebhookDestination(), SegmentDestination()]),
        profiles.plain_traits_of,
    )
    journeys = JourneyService(
        neo4j_journey_storage(f.identity),
        segments,
        gate,
        sender,
        profiles,
        f.sealer,
        f.notifier,
        enqueue_steps,
        destinations=destinations,
        plugins=destinations.plugins,
        #: Plugin actions write only below the operator's data dir, one directory per kind.
        plugin_data_dir=settings.local_dir / "plugins" / settings.workspace,
    )
    return _Engagement(segments, gate, destinations, journeys)


@dataclass
class _Privacy:
    erasure: ErasureService
    exporter: SubjectExporter
    retention: RetentionService


def _privacy(
    f: _Foundations,
    curation: CurationService,
    ingestion: IngestionService,
    consent: ConsentService,
    profiles: ProfileService,
    audit: AuditLog,
    engagement: _Engagement,
) -> _Privacy:
    settings, identity = f.settings, f.identity
    erasure = ErasureService(
        identity,
        Neo4jErasureRecordStore(identity),
        Neo4jErasureGraphStore(identity, f.rules.contended_types),
        curation,
        f.sealer,
        f.stream,
        f.ledger,
        audit,
        f.golden,
        f.rules,
        ingestion.identifier_keys,
        f.notifier,
        forward=engagement.destinations.forward_erasure,
        batch_size=settings.erasure_batch_size,
        lease_seconds=settings.erasure_lease_seconds,
    )
    exporter = SubjectExporter(
        Neo4jSubjectStore(identity),
        settings.workspace,
        f.sealer,
        curation,
        profiles,
        consent,
        audit,
        devices=DeviceService(Neo4jDeviceStore(identity)),
    )
    retention = RetentionService(
        Neo4jRetentionStore(f.graph, settings.workspace),
        settings.event_retention_days,
        audit=audit,
    )
    return _Privacy(erasure, exporter, retention)


def _redecisions(f: _Foundations, profiles: ProfileService) -> GoldenRedecisions:
    async def enqueue(run_id: str, defer_seconds: float) -> None:
        # Each attempt is its own job: the run's stored cursor keeps two runners apart.
        await f.arq.enqueue_job(
            "redecide_golden_records",
            run_id,
            _job_id=f"redecision:{run_id}:{uuid.uuid4().hex}",
            _defer_by=defer_seconds or None,
        )

    return GoldenRedecisions(
        Neo4jRedecisionStore(f.graph, f.settings.workspace),
        f.sources,
        f.trait_schemas.current,
        profiles.redecide,
        f.golden.forget,
        enqueue,
        settle_seconds=f.golden.cache_seconds + SETTLE_MARGIN_SECONDS,
    )


async def build_container(settings: Settings) -> Container:
    f = await _foundations(settings)
    identity, sealer, rules, golden, notifier = f.identity, f.sealer, f.rules, f.golden, f.notifier
    curation = CurationService(
        identity, Neo4jCurationStore(identity), sealer, rules, golden, notifier
    )
    acceptance = AcceptanceService(f.stream, settings.stream_bound, settings.retry_after_seconds)
    ingestion = IngestionService(
        identity, sealer, rules, f.observer, golden, f.policy, Neo4jRekeyStore(identity), notifier
    )
    audit = AuditLog(Neo4jAuditStore(f.graph, settings.workspace))
    consent = ConsentService(
        identity, Neo4jConsentStore(identity), curation, f.policy, audit, notifier
    )
    profiles = ProfileService(
        identity, Neo4jProfileStore(identity), sealer, curation, f.observer, golden, notifier
    )
    engagement = _engagement(f, consent, profiles)
    privacy = _privacy(f, curation, ingestion, consent, profiles, audit, engagement)
    review, conflict_sweep, duplicate_scan = _review(f, curation, profiles)
    return Container(
        settings=settings,
        graph=f.graph,
        identity=identity,
        redis=f.redis,
        arq=f.arq,
        keystore=f.keystore,
        rules=rules,
        ingestion=ingestion,
        curation=curation,
        review=review,
        conflict_sweep=conflict_sweep,
        duplicate_scan=duplicate_scan,
        profiles=profiles,
        sources=f.sources,
        redecisions=_redecisions(f, profiles),
        stream=f.stream,
        acceptance=acceptance,
        deadletters=DeadLetterService(f.stream, ingestion),
        trait_schemas=f.trait_schemas,
        audit=audit,
        consent=consent,
        ledger=f.ledger,
        erasure=privacy.erasure,
        exporter=privacy.exporter,
        retention=privacy.retention,
        gate=engagement.gate,
        browser=ProfileBrowser(Neo4jProfileBrowseStore(identity), sealer, golden.effective_schema),
        notifier=notifier,
        sender=MessageSender(acceptance, Neo4jResolvedEvents(identity)),
        segments=engagement.segments,
        journeys=engagement.journeys,
        apikeys=_apikeys(f, audit),
        destinations=engagement.destinations,
        rekeying=_rekeying(f, audit, ingestion),
        devices=DeviceService(Neo4jDeviceStore(identity)),
    )


def _apikeys(f: _Foundations, audit: AuditLog) -> ApiKeyService:
    s = f.settings
    store = Neo4jApiKeyStore(f.graph, s.workspace)
    return ApiKeyService(store, s.admin_api_key.get_secret_value(), audit=audit)


def _review(
    f: _Foundations, curation: CurationService, profiles: ProfileService
) -> tuple[ReviewQueue, ConflictSweep, DuplicateScan]:
    """The review queue, the sweep that files conflicts and the likely-same-person scan."""
    suggestions = Neo4jSuggestionStore(f.identity)
    scan = DuplicateScan(
        suggestions,
        profiles.active_ids,
        lambda ids, read: profiles.traits_of(ids, only=read),
        f.settings.linkage_file,
        f.rules,
    )
    return ReviewQueue(suggestions, curation), ConflictSweep(suggestions, curation, f.rules), scan


def _rekeying(f: _Foundations, audit: AuditLog, ingestion: IngestionService) -> BlindIndexRotation:
    """Blind-index key rotation, checked again by ingestion once every process moved on."""
    return BlindIndexRotation(
        f.identity,
        Neo4jRekeyStore(f.identity),
        f.sealer,
        f.rules,
        f.golden,
        audit=audit,
        settled=ingestion.recheck_rotation,
    )
