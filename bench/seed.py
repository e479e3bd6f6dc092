"""Bulk seeder: fill a workspace to N resolved profiles directly, in big UNWIND batches.

Seeding a million profiles through the HTTP API would take hours, and what the growth phases
need is only a graph of that size: so one Cypher statement (cypher/bench/seed_profiles.cypher)
creates a batch of profiles at once, each with five identifiers (two anonymous ids, a device,
an e-mail and a user id) with OF edges, six followed identify edges and two events owned by the
user id, all generated inside Neo4j: random 64-hex hashes, node keys shaped like the real ones
(`ws:type:kid:hash`) and one fixed dummy `enc` of realistic length. No plaintext, and no value
the traffic generator could ever produce, so seeded profiles never merge with measured traffic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction

from app.adapters.cypher import query

#: The identifiers of one seeded profile; the user id (last) owns the events.
SEED_TYPES: tuple[str, ...] = ("anonymous_id", "anonymous_id", "device_id", "email", "user_id")
#: Index pairs into SEED_TYPES, smaller key first (anonymous_id < device_id < email < user_id).
SEED_LINKS: tuple[tuple[int, int], ...] = ((0, 2), (1, 2), (0, 4), (1, 4), (2, 4), (3, 4))
EVENTS_PER_PROFILE = 2
#: Same length as a sealed identifier value (AES-GCM token of a ~35-character value).
IDENTIFIER_ENC = "v1." + "A" * 86
#: Same length as a sealed event payload of the generated traffic (about 520 characters).
EVENT_ENC = "v1." + "A" * 516
YEAR = 365 * 86_400.0


@dataclass(frozen=True)
class SeedResult:
    ws: str
    before: int
    after: int
    added: int
    seconds: float

    @property
    def profiles_per_second(self) -> float:
        return self.added / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "profiles_per_second": round(self.profiles_per_second, 1)}


async def count_profiles(driver: AsyncDriver, database: str, ws: str) -> int:
    records, _, _ = await driver.execute_query(
        query("bench/profile_count"), {"ws": ws}, database_=database, routing_="r"
    )
    return int(records[0]["profiles"])


async def seed_to(
    driver: AsyncDriver,
    database: str,
    ws: str,
    target: int,
    *,
    kid: str,
    batch: int = 2000,
    concurrency: int = 2,
    events: int = EVENTS_PER_PROFILE,
    at: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Add profiles until the workspace holds `target` active ones (never removes any).

    `concurrency` transactions of `batch` profiles run at once (2 suits two cores; a batch of
    about 2,000 profiles stays well inside the default transaction memory limit).
    """
    before = await count_profiles(driver, database, ws)
    missing = max(0, target - before)
    params: dict[str, Any] = {
        "ws": ws,
        "kid": kid,
        "types": list(SEED_TYPES),
        "links": [list(pair) for pair in SEED_LINKS],
        "events": events,
        "enc": IDENTIFIER_ENC,
        "event_enc": EVENT_ENC,
        "at": time.time() - 86_400.0 if at is None else at,
        "span": YEAR,
    }
    sizes = [min(batch, missing - start) for start in range(0, missing, batch)]
    done = 0

    async def write(tx: AsyncManagedTransaction, count: int) -> None:
        result = await tx.run(query("bench/seed_profiles"), {**params, "count": count})
        await result.consume()

    async def worker() -> None:
        nonlocal done
        async with driver.session(database=database) as session:
            while sizes:
                count = sizes.pop()
                await session.execute_write(write, count)
                done += count
                if progress is not None:
                    progress(done, missing)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    seconds = time.perf_counter() - started
    return SeedResult(ws, before, before + done, done, seconds)
