"""Reading the identity graph back in tests: partitions, conflicts, profiles by identifier."""

from __future__ import annotations

from hypothesis import strategies as st

from app.bootstrap import Container
from app.domain.messages import MessageType, TrackedMessage
from tests.messages import message
from tests.support.profiles import profile_id as profile_id


async def partition(container: Container) -> frozenset[frozenset[str]]:
    """Identifier keys grouped by profile; fails if an identifier is not in exactly one."""
    rows = await container.graph.read("identity/partition", ws=container.settings.workspace)
    groups: dict[str, set[str]] = {}
    for row in rows:
        assert len(row["profiles"]) == 1, f"{row['type']} identifier in {row['profiles']}"
        groups.setdefault(row["profiles"][0], set()).add(row["key"])
    return frozenset(frozenset(g) for g in groups.values())


async def conflicts(container: Container) -> list[dict[str, object]]:
    return await container.graph.read(
        "identity/conflicts", ws=container.settings.workspace, limit=1000
    )


@st.composite
def small_worlds(
    draw: st.DrawFn,
    events: tuple[int, int] = (2, 9),
    users: int = 3,
    anons: int = 4,
    emails: int = 2,
    prefix: str = "prop",
) -> list[TrackedMessage]:
    """Small worlds with conflicts: few users sharing anonymous ids, e-mails and two devices
    (merges, and refusals by the caps: one user id per profile)."""
    count = draw(st.integers(min_value=events[0], max_value=events[1]))
    limit = 100 * events[1] * events[1]
    times = draw(st.lists(st.integers(0, limit), min_size=count, max_size=count, unique=True))
    found = []
    for i, at in enumerate(times):
        user = draw(st.one_of(st.none(), st.sampled_from([f"u-{n}" for n in range(users)])))
        anon = draw(st.sampled_from([f"a-{n}" for n in range(anons)]))
        email = draw(st.one_of(st.none(), st.sampled_from([f"e{n}@x.org" for n in range(emails)])))
        device = draw(st.one_of(st.none(), st.sampled_from(["d-0", "d-1"])))
        kind: MessageType = "identify" if user is not None and draw(st.booleans()) else "track"
        found.append(
            message(
                kind,
                user=user,
                anon=anon,
                email=email,
                device=device,
                at=float(at),
                message_id=f"{prefix}-{i}",
            )
        )
    return found
