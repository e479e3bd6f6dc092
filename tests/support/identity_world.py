"""Identity resolution over the in-memory graph: the real ingestion and curation services, the
rules, trait schema and consent policy of config/, a real sealer over a key store in a
temporary file, and an in-memory change feed. Each test of tests/unit/services/identity/ runs in
milliseconds; tests/integration/contracts/test_identity_graph.py runs the same scenarios on
Neo4j to prove the in-memory graph answers as it does."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.configuration import load_consent_policy, load_rules, load_trait_schema
from app.domain.consent import ConsentPolicy
from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.domain.traits import TraitSchema
from app.ports.identity_rows import FoundIdentifier
from app.ports.rekeying import RekeyStore
from app.services.changes.notices import ProfileNotifier
from app.services.identity.curation import CurationService
from app.services.identity.ingestion import IngestionService
from app.services.identity.ingestion.report import IngestReport
from app.services.identity.keys import Sealer
from app.services.profiles.traits import GoldenRecords, TraitObserver
from tests.fakes.changes import InMemoryChangeFeed
from tests.fakes.curation import InMemoryCurationStore
from tests.fakes.identity_graph import InMemoryIdentityGraph
from tests.fakes.unused import unused

CONFIG = Path(__file__).resolve().parents[2] / "config"


@dataclass
class IdentityWorld:
    """Ingestion and curation over one workspace's graph, and ways to read it back."""

    ingestion: IngestionService
    curation: CurationService
    sealer: Sealer
    rules: IdentityRules

    async def ingest(self, *messages: TrackedMessage, unseen: bool = False) -> IngestReport:
        return await self.ingestion.ingest(list(messages), unseen=unseen)

    def key(self, type: str, value: str) -> str:
        """The node key of an identifier (as the platform keys it)."""
        return self.sealer.key_of(self.curation.normalised(type, value)).key

    async def found(self, type: str, value: str) -> FoundIdentifier | None:
        return await self.curation.find(type, value)

    async def profile(self, type: str, value: str) -> str | None:
        found = await self.found(type, value)
        return found["profile"] if found else None

    async def profile_id(self, type: str, value: str) -> str:
        """The profile of a stored identifier; fails the test when there is none (as
        tests/support/profiles.profile_id does on Neo4j)."""
        found = await self.profile(type, value)
        assert found is not None, f"no profile for that {type}"
        return found

    async def grouping(self, identifiers: Sequence[tuple[str, str]]) -> list[list[str]]:
        """The identifiers as their profiles group them (each group as `type:value`, in the
        order given; missing identifiers in a group of their own named `missing`)."""
        groups: dict[str, list[str]] = {}
        for type, value in identifiers:
            profile = await self.profile(type, value)
            groups.setdefault(profile or f"missing:{type}:{value}", []).append(f"{type}:{value}")
        return sorted(groups.values())

    def under(self, rules: IdentityRules) -> IdentityWorld:
        """The same graph, keys, golden records and change feed under other rules (a rule
        change, or the rules of an older configuration); works on Neo4j's services too."""
        base, curation = self.ingestion, self.curation
        ingestion = IngestionService(
            base.graph,
            base.sealer,
            rules,
            base.builder.observer,
            base.golden,
            base.builder.consent,
            base.rotation.store,
            base.notifier,
        )
        return IdentityWorld(
            ingestion,
            CurationService(
                curation.graph,
                curation.store,
                curation.sealer,
                rules,
                curation.golden,
                curation.notifier,
            ),
            self.sealer,
            rules,
        )


@functools.cache
def config_rules() -> IdentityRules:
    return load_rules(CONFIG / "identity.yaml")


@functools.cache
def config_schema() -> TraitSchema:
    return load_trait_schema(CONFIG / "traits.yaml")


@functools.cache
def config_consent() -> ConsentPolicy:
    return load_consent_policy(CONFIG / "consent.yaml")


def identity_world(
    graph: InMemoryIdentityGraph,
    sealer: Sealer,
    rules: IdentityRules | None = None,
    feed: InMemoryChangeFeed | None = None,
) -> IdentityWorld:
    """The services over the in-memory `graph` (an integration test builds its world from
    the container's own services)."""
    rules = rules or config_rules()
    schema = config_schema()

    async def current() -> TraitSchema:
        return schema

    async def trusts() -> dict[str, float]:
        return {"src-test": 1.0}

    golden = GoldenRecords(current, trusts, rules=rules)
    notifier = ProfileNotifier(feed or InMemoryChangeFeed())
    store = InMemoryCurationStore(graph)
    curation = CurationService(graph, store, sealer, rules, golden, notifier)
    ingestion = IngestionService(
        graph,
        sealer,
        rules,
        TraitObserver(sealer),
        golden,
        config_consent(),
        unused(RekeyStore),  # type: ignore[type-abstract]
        notifier,
    )
    return IdentityWorld(ingestion, curation, sealer, rules)
