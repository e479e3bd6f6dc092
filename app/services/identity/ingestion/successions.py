"""An alias that came before the old account's own events.

An alias reads its previousId as a user id only when that user id is stored (or named in the
same batch); otherwise as the anonymous id from before a login, which the alias links to the
new user id. When a user id spelled like such an anonymous id appears later, the batch that
carries it links it to the same new user id, as if the alias had come after it: the edge
takes the alias's rule, times and source, so the graph decides as it would have in the other
order (docs/identity.md 4.4). No user id is made up: the tie waits for a message that names
the user id itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence

from app.domain.identity import ANONYMOUS_ID, USER_ID, BlockList, NormalisedIdentifier
from app.domain.messages import classify_identifier
from app.ports.identity_rows import SuccessionRow
from app.services.identity.ingestion.prepare import PreparedMessage, Succession
from app.services.identity.keys import Sealer


def twin_keys(
    prepared: Sequence[PreparedMessage], sealer: Sealer, blocklist: BlockList
) -> dict[str, tuple[str, ...]]:
    """Each user id the batch carries (by node key) with the keys, under every listed kid, of
    the anonymous id spelled like it."""
    twins: dict[str, tuple[str, ...]] = {}
    for p in prepared:
        for ident in p.identity.identifiers:
            key = p.keys[(ident.type, ident.value)]
            if ident.type != USER_ID or key in twins:
                continue
            twin = classify_identifier(ANONYMOUS_ID, ident.value, None, blocklist)
            if isinstance(twin, NormalisedIdentifier):
                twins[key] = tuple(sealer.candidate_keys(twin))
    return twins


def waiting(twins: Mapping[str, tuple[str, ...]], present: Collection[str]) -> dict[str, str]:
    """Stored anonymous-id twins of user ids not stored yet: twin key -> user id key."""
    found: dict[str, str] = {}
    for user_key, candidates in twins.items():
        if user_key in present:
            continue
        for candidate in candidates:
            if candidate in present:
                found[candidate] = user_key
    return found


def tied(
    prepared: Sequence[PreparedMessage],
    twins: Mapping[str, str],
    rows: Sequence[SuccessionRow],
) -> list[PreparedMessage]:
    """The messages carrying a user id whose twin was aliased (`rows`), each with the
    successions of its user id."""
    of_user: dict[str, list[Succession]] = {}
    for r in rows:
        user_key = twins[r["previous"]]
        if r["successor"] == user_key:
            continue
        of_user.setdefault(user_key, []).append(
            Succession(user_key, r["successor"], r["rule"], r["first"], r["last"], r["source"])
        )
    if not of_user:
        return list(prepared)
    found = []
    for p in prepared:
        mine = {k for k in p.keys.values() if k in of_user}
        if mine:
            extra = tuple(s for k in sorted(mine) for s in of_user[k])
            p = dataclasses.replace(p, successions=(*p.successions, *extra))
        found.append(p)
    return found
