"""Profile change notices: published to `profileUpdated` subscribers and to the change feed.

A notice says which profile changed and how: `merged` (others were merged into it),
`merged_into` (it was merged into another), `split` (identifiers left it for new profiles),
`created`, `identifiers` (identifiers moved in or out), `traits` (fields whose golden value
changed, in `related`), `consent`, `segment_entered`, `segment_left`, `erased`. Notices carry ids
only. Live delivery is best effort by design: a subscriber that is not connected misses notices
and re-reads the profile when it comes back; the feed keeps them for the change dispatcher.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping
from contextlib import aclosing

from app.domain.identity import Merge, Split
from app.ports.changes import ChangeFeed
from app.ports.changes import ProfileNotice as ProfileNotice


def lineage_notices(
    merges: Iterable[Merge],
    splits: Iterable[Split],
    changed: Iterable[str] = (),
    traits: Mapping[str, Iterable[str]] | None = None,
    created: Iterable[str] = (),
    joined: Mapping[str, Iterable[str]] | None = None,
) -> list[ProfileNotice]:
    """Notices for what a recomputation decided: lineage, `created` profiles, for other
    `changed` profiles `joined` (only identifiers seen for the first time joined it; the
    notice names their types) or `identifiers` (identifiers moved in or out), and `traits`
    with the names of the fields whose golden value changed."""
    notices: list[ProfileNotice] = []
    into: dict[str, list[str]] = {}
    for m in merges:
        into.setdefault(m.into_id, []).append(m.from_id)
        notices.append(ProfileNotice(m.from_id, "merged_into", (m.into_id,)))
    notices += [ProfileNotice(k, "merged", tuple(sorted(v))) for k, v in sorted(into.items())]
    out: dict[str, list[str]] = {}
    for s in splits:
        out.setdefault(s.from_id, []).append(s.new_id)
        notices.append(ProfileNotice(s.new_id, "created", (s.from_id,)))
    notices += [ProfileNotice(k, "split", tuple(sorted(v))) for k, v in sorted(out.items())]
    noted = {n.profile_id for n in notices}
    notices += [ProfileNotice(pid, "created") for pid in sorted(set(created) - noted)]
    noted |= set(created)
    first_seen = joined or {}
    notices += [
        ProfileNotice(pid, "joined", tuple(sorted(first_seen[pid])))
        if pid in first_seen
        else ProfileNotice(pid, "identifiers")
        for pid in sorted(set(changed) - noted)
    ]
    for pid, fields in sorted((traits or {}).items()):
        notices.append(ProfileNotice(pid, "traits", tuple(sorted(fields))))
    return notices


class ProfileNotifier:
    """Publishes notices to subscribers and to the change feed (which the change dispatcher
    consumes with a consumer group, so it misses nothing while it runs)."""

    def __init__(self, feed: ChangeFeed) -> None:
        self.feed = feed

    async def publish(
        self, notices: Iterable[ProfileNotice], events: Iterable[tuple[str, str | None]] = ()
    ) -> None:
        """Best effort: a lost notice never fails the change it describes. `events` are
        (owner identifier key, event name) of newly stored events, for the change feed."""
        batch = list(notices)
        stored = list(events)
        if batch or stored:
            await self.feed.publish(batch, stored)

    async def listen(self, profile_id: str) -> AsyncGenerator[ProfileNotice, None]:
        """Notices about one profile, as they come, until the caller stops iterating."""
        async with aclosing(self.feed.listen()) as notices:
            async for notice in notices:
                if notice.profile_id == profile_id:
                    yield notice
