"""The curation store's reads (app/ports/curation.py) over the in-memory identity graph."""

from __future__ import annotations

from app.domain.identity import IdentityRules
from app.ports.curation import GenericIdentifier
from tests.fakes import identity_rows
from tests.fakes.identity_graph import InMemoryIdentityGraph


class InMemoryCurationStore:
    """The curation store's reads over the in-memory graph."""

    def __init__(self, graph: InMemoryIdentityGraph) -> None:
        self.graph = graph

    async def identifier_keys(self, after: str, limit: int) -> list[str]:
        keys = sorted(
            k
            for k, i in self.graph.state.identifiers.items()
            if i.ws == self.graph.ws and k > after
        )
        return keys[:limit]

    async def generic_identifiers(
        self, limit: int, rules: IdentityRules, unfiled: bool = False
    ) -> list[GenericIdentifier]:
        if unfiled:
            raise AssertionError("the in-memory graph keeps no review queue")
        state, uncounted = self.graph.state, sorted(rules.session_types)
        found = [i for i in state.identifiers.values() if i.ws == self.graph.ws and i.generic]
        links = {i.key: sum(1 for _ in state.linked(i.key)) for i in found}
        found.sort(key=lambda i: (-links[i.key], i.key))
        caught = []
        for i in found[:limit]:
            shared, rivals = (
                identity_rows.rivalry(state, i, uncounted)
                if i.type in rules.contended_types
                else (0, 0)
            )
            cap = rules.generic_rivals + 1
            caught.append(
                GenericIdentifier(
                    key=i.key,
                    type=i.type,
                    links=links[i.key],
                    degree=identity_rows.degree(state, i.key, uncounted),
                    shared=min(shared, cap),
                    rivals=min(rivals, cap),
                    profile=i.profile,
                    first_seen=i.first_seen,
                )
            )
        return caught
