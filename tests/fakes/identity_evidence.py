"""The in-memory identity transaction's evidence: LINKED edges between identifiers (the rule
that drew each, and whether clustering followed it) and the sticky NEVER pairs that no later
co-occurrence overrides, as cypher/identity/create_evidence, merge_evidence, set_link_states,
add_never, remove_never and remove_never_of store them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.ports.identity_rows import EvidenceRow, LinkRow, LinkStateRow
from tests.fakes.identity_state import IdentityState, StoredLink, StoredNever


class EvidenceQueries:
    """The evidence queries of `InMemoryIdentityTx`."""

    state: IdentityState

    def _call(self, name: str) -> None:
        raise NotImplementedError

    def _ends(self, row: Mapping[str, Any]) -> bool:
        return row["a"] in self.state.identifiers and row["b"] in self.state.identifiers

    async def create_evidence(self, rows: Sequence[LinkRow], at: float) -> None:
        self._call("create_evidence")
        for row in filter(self._ends, rows):
            self.state.links[(row["a"], row["b"], row["rule"])] = StoredLink(
                weight=row["weight"],
                count=row["count"],
                first_seen=row["first"],
                last_seen=row["last"],
                source=row["source"],
                followed=row["followed"],
                refusal=row["refusal"],
                decided_at=at,
            )

    async def merge_evidence(self, rows: Sequence[EvidenceRow]) -> set[str]:
        self._call("merge_evidence")
        keys: set[str] = set()
        for row in filter(self._ends, rows):
            edge = (row["a"], row["b"], row["rule"])
            link = self.state.links.get(edge)
            if link is None:
                link = StoredLink(
                    row["weight"], row["count"], row["first"], row["last"], row["source"]
                )
                self.state.links[edge] = link
            else:
                link.count += row["count"]
                link.first_seen = min(link.first_seen, row["first"])
                link.last_seen = max(link.last_seen, row["last"])
            if link.count == row["count"] or link.first_seen == row["first"] or row["late"]:
                keys |= {row["a"], row["b"]}
        return keys

    async def set_link_states(self, rows: Sequence[LinkStateRow], at: float) -> None:
        self._call("set_link_states")
        for row in rows:
            link = self.state.links.get((row["a"], row["b"], row["rule"]))
            if link is not None:
                link.followed, link.refusal, link.decided_at = row["followed"], row["refusal"], at

    async def add_never(
        self, pairs: Sequence[tuple[str, str]], at: float, by: str, reason: str
    ) -> None:
        self._call("add_never")
        for a, b in pairs:
            pair = (min(a, b), max(a, b))
            if self._ends({"a": pair[0], "b": pair[1]}) and pair not in self.state.never:
                self.state.never[pair] = StoredNever(at, by, reason)

    async def remove_never(self, pairs: Sequence[tuple[str, str]]) -> int:
        self._call("remove_never")
        removed = 0
        for a, b in pairs:
            for pair in {(a, b), (b, a)}:
                removed += self.state.never.pop(pair, None) is not None
        return removed

    async def remove_never_of(self, key: str) -> int:
        self._call("remove_never_of")
        gone = [(a, b) for a, b, _ in self.state.never_of(key)]
        for pair in gone:
            del self.state.never[pair]
        return len(gone)
