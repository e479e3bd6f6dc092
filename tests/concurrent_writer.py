"""A second resolver process for the concurrency test: `python -m tests.concurrent_writer`.

It ingests identify calls that link its anonymous ids to its own users, one small batch at a
time, starting at an agreed moment, so that two such processes race on the same clusters.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from app.bootstrap import build_container
from app.settings import load_settings
from tests.messages import message


async def run(side: str, count: int, base_time: float, start_at: float) -> None:
    container = await build_container(load_settings())
    try:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        for i in range(count):
            await container.ingestion.ingest(
                [
                    message(
                        "identify",
                        anon=f"race-{side}-anon-{i}",
                        user=f"{side}-user-{i}",
                        at=base_time + i,
                        message_id=f"{side}-{i}",
                    )
                ]
            )
    finally:
        await container.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", required=True)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--base-time", type=float, required=True)
    parser.add_argument("--start-at", type=float, required=True)
    args = parser.parse_args()
    asyncio.run(run(args.side, args.count, args.base_time, args.start_at))


if __name__ == "__main__":
    main()
