"""An example destination plugin: every delivered batch is appended to an NDJSON file.

A destination kind is a class with `kind`, `validate(config)` (raise ValueError for a bad
configuration) and `async deliver(batch, config, ctx)` (raise to fail the batch: the platform
retries it, then dead-letters it). `ctx.idempotency_key` is the same for every attempt of one
batch; `ctx.sender` is the platform's signed HTTP sender for plugins that call out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class NdjsonFileDestination:
    kind = "ndjson_file"

    def validate(self, config: Mapping[str, Any]) -> None:
        path = config.get("path")
        if not isinstance(path, str) or not path:
            raise ValueError("config.path: the file to append to")

    async def deliver(
        self, batch: Sequence[Mapping[str, Any]], config: Mapping[str, Any], ctx: Any
    ) -> None:
        path = Path(str(config["path"]))
        seen = path.with_name(path.name + ".keys")
        done = set(seen.read_text().split()) if seen.exists() else set()
        if ctx.idempotency_key in done:
            return  # a retried batch that was written before: nothing twice
        with path.open("a", encoding="utf-8") as out:
            for item in batch:
                out.write(json.dumps(item, sort_keys=True) + "\n")
        with seen.open("a", encoding="utf-8") as keys:
            keys.write(ctx.idempotency_key + "\n")
