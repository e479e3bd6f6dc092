"""An example destination plugin: every delivered batch is appended to an NDJSON file.

A destination kind is a class with `kind`, `validate(config)` (raise ValueError for a bad
configuration) and `async deliver(batch, config, ctx)` (raise to fail the batch: the platform
retries it, then dead-letters it). `ctx.idempotency_key` is the same for every attempt of one
batch; `ctx.sender` is the platform's signed HTTP sender for plugins that call out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: The file NoteAction appends to, in the directory the platform gives it.
NOTES_FILE = "notes.ndjson"
MAX_NOTE = 1000


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


class NoteAction:
    """A journey action: `{"kind": "example_note", "note": "..."}` records a note (a stand-in
    for a call to another system); it says what it did for the run's history.

    Where the note goes is the operator's choice, never the journey's: the file
    `notes.ndjson` in the directory the platform gives the action (`ctx.data_dir`, under the
    platform's data dir). A definition gives only the note; any other field is refused.
    """

    kind = "example_note"
    #: The definition fields it takes (besides `kind` and `purpose`); the platform refuses
    #: any other.
    fields = ("note",)
    #: Who may save or activate a journey using it: it writes on the worker's disk, so only
    #: admins (the platform's default for plugin actions, declared here to be explicit).
    capability = "admin"

    def validate(self, params: Mapping[str, Any]) -> None:
        unknown = sorted(str(k)[:40] for k in params if k not in self.fields)
        if unknown:
            raise ValueError(f"{unknown[0]}: not a field of {self.kind} (it takes note)")
        note = params.get("note")
        if not isinstance(note, str) or not note or len(note) > MAX_NOTE:
            raise ValueError(f"note: a non-empty text of at most {MAX_NOTE} characters")

    async def run(self, profile_id: str, params: Mapping[str, Any], ctx: Any) -> dict[str, Any]:
        directory = getattr(ctx, "data_dir", None)
        if directory is None:
            raise RuntimeError("no data directory: the platform did not configure one")
        line = json.dumps(
            {"profile": profile_id, "note": str(params["note"]), "key": ctx.idempotency_key}
        )
        # A fixed name in the operator's directory, never followed through a symbolic link.
        path = Path(directory) / NOTES_FILE
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line + "\n")
        return {"noted": True}


class SimpleOrdersSource:
    """A source format: `{"orders": [{"customer": "u-1", "total": 12.5}, ...]}` posted to
    /v1/sources/simple_orders becomes one `Order Completed` track per order."""

    kind = "simple_orders"

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[dict[str, Any]]:
        try:
            data = json.loads(body)
        except ValueError:
            raise ValueError("body: not JSON") from None
        orders = data.get("orders") if isinstance(data, dict) else None
        if not isinstance(orders, list):
            raise ValueError("orders: a list is required")
        messages = []
        for n, order in enumerate(orders):
            if not isinstance(order, dict) or not isinstance(order.get("customer"), str):
                raise ValueError(f"orders[{n}].customer: required")
            messages.append(
                {
                    "type": "track",
                    "event": "Order Completed",
                    "userId": order["customer"],
                    "messageId": str(order.get("id") or f"order-{n}"),
                    "properties": {"total": order.get("total")},
                }
            )
        return messages
