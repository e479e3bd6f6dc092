"""The one outbound HTTP sender (journey webhooks now, destinations later).

Every request is a JSON POST signed with HMAC-SHA256 over `<timestamp>.<body>`:

    X-CDP-Timestamp: 1767225600
    X-CDP-Signature: v1=<hex>[,v1=<hex under the previous secret>]
    Idempotency-Key: <run:step:visit>

During a secret rotation both live secrets sign, so a receiver accepts either. Timeouts are
short, transient failures (timeouts, connection errors, 429, 5xx) are retried with exponential
back-off, other 4xx are final. A guard against server-side request forgery refuses targets
that resolve to private, loopback, link-local or otherwise internal addresses unless the
network is allowed in configuration (`CDP_OUTBOUND_ALLOWED_NETWORKS`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from app.errors import CdpError

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundRefused(CdpError):
    """The target may not be called (scheme, or an internal address); never retried."""


@dataclass(frozen=True)
class Delivery:
    status: int | None  # None when no response came back
    attempts: int
    ok: bool
    error: str | None = None  # the kind of failure, never a body


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secrets: Sequence[str], timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does: any listed signature made with any of its secrets."""
    offered = [part.strip() for part in header.split(",")]
    return any(
        hmac.compare_digest(signature(s, timestamp, body), o) for s in secrets for o in offered
    )


def parse_networks(raw: Sequence[str]) -> list[IpNetwork]:
    return [ipaddress.ip_network(n.strip(), strict=False) for n in raw if n.strip()]


class WebhookSender:
    def __init__(
        self,
        secrets: Sequence[str],
        allowed_networks: Sequence[IpNetwork] = (),
        timeout: float = 5.0,
        attempts: int = 4,
        backoff: float = 0.5,
        resolve: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        if not secrets:
            raise ValueError("at least one signing secret")
        self.secrets = list(secrets)
        self.allowed = list(allowed_networks)
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.resolve = resolve or _resolve

    def check_target(self, url: str, *, resolve: bool = True) -> None:
        """Refuse anything but http(s) to public addresses (or explicitly allowed ones).
        Without `resolve` (checking a definition), only an address written in the URL is
        checked; every call resolves and checks again."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused("url: only http and https URLs with a host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            ipaddress.ip_address(parts.hostname)
            literal = True
        except ValueError:
            literal = False
        if not resolve and not literal:
            return
        try:
            addresses = [parts.hostname] if literal else self.resolve(parts.hostname, port)
        except OSError:
            raise OutboundRefused("url: the host does not resolve") from None
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            if any(address in network for network in self.allowed):
                continue
            if not address.is_global or address.is_multicast:
                raise OutboundRefused(
                    "url: the host resolves to an internal address; allow its network in "
                    "CDP_OUTBOUND_ALLOWED_NETWORKS to call it"
                )

    def _headers(self, body: bytes, idempotency_key: str) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            "content-type": "application/json",
            "user-agent": "graph-cdp-webhook/1",
            "x-cdp-timestamp": timestamp,
            "x-cdp-signature": ",".join(signature(s, timestamp, body) for s in self.secrets),
            "idempotency-key": idempotency_key,
        }

    async def post(
        self,
        url: str,
        payload: Any,
        idempotency_key: str,
        headers: dict[str, str] | None = None,
    ) -> Delivery:
        """`headers` are added to the signed ones (e.g. a receiver's own authorisation)."""
        self.check_target(url)
        body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        status: int | None = None
        error: str | None = None
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            for attempt in range(1, self.attempts + 1):
                try:
                    response = await client.post(
                        url,
                        content=body,
                        headers={**self._headers(body, idempotency_key), **(headers or {})},
                    )
                    status, error = response.status_code, None
                    if 200 <= status < 300:
                        return Delivery(status, attempt, True)
                    if status != 429 and status < 500:
                        return Delivery(status, attempt, False, f"http_{status}")
                    error = f"http_{status}"
                except httpx.HTTPError as exc:
                    status, error = None, type(exc).__name__
                if attempt < self.attempts:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return Delivery(status, self.attempts, False, error)


def _resolve(host: str, port: int) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port)})
