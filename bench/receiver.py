"""The benchmark's webhook receiver: a loopback HTTP server that takes what the platform sends
(journey webhooks, destination batches) and counts it.

It answers 200 at once, checks each request's signature as a receiver would
(`app.services.engagement.outbound.verify`), and counts requests per path, destination items
per item type, journey calls per journey and step, repeated idempotency keys (a retry of
something already received) and bad signatures. It runs in threads of its own, so the
benchmark's event loop being busy posting traffic does not slow the platform's deliveries
down.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from app.services.engagement.outbound import verify


class WebhookReceiver:
    def __init__(self, secrets: Sequence[str]) -> None:
        self.secrets = list(secrets)
        self._lock = threading.Lock()
        self.paths: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.journey_calls: Counter[str] = Counter()
        self.repeated_keys = 0
        self.bad_signatures = 0
        self.unreadable = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._keys: set[str] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                outer._record(self.path, headers, body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> None:
        signed = verify(
            self.secrets,
            headers.get("x-cdp-timestamp", ""),
            body,
            headers.get("x-cdp-signature", ""),
        )
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            payload = None
        key = headers.get("idempotency-key", "")
        now = time.time()
        with self._lock:
            self.paths[path] += 1
            self.first_at = self.first_at or now
            self.last_at = now
            if not signed:
                self.bad_signatures += 1
            if key and key in self._keys:
                self.repeated_keys += 1
            elif key:
                self._keys.add(key)
            if not isinstance(payload, dict):
                self.unreadable += 1
            elif isinstance(payload.get("items"), list):
                for item in payload["items"]:
                    kind = item.get("type") if isinstance(item, dict) else None
                    self.items[str(kind)] += 1
            elif "journey" in payload:
                self.journey_calls[f"{payload['journey']}.{payload.get('step')}"] += 1

    @property
    def requests(self) -> int:
        with self._lock:
            return sum(self.paths.values())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": sum(self.paths.values()),
                "by_path": dict(sorted(self.paths.items())),
                "destination_items": sum(self.items.values()),
                "destination_items_by_type": dict(sorted(self.items.items())),
                "journey_calls": sum(self.journey_calls.values()),
                "journey_calls_by_step": dict(sorted(self.journey_calls.items())),
                "repeated_idempotency_keys": self.repeated_keys,
                "bad_signatures": self.bad_signatures,
                "unreadable": self.unreadable,
                "first_at": self.first_at,
                "last_at": self.last_at,
            }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
