"""The one outbound HTTP sender (journey webhooks, destinations and plugins).

Every request is a JSON POST signed with HMAC-SHA256 over `<timestamp>.<body>`:

    X-CDP-Timestamp: 1767225600
    X-CDP-Signature: v1=<hex>[,v1=<hex under the previous secret>]
    Idempotency-Key: <run:step:visit>

During a secret rotation both live secrets sign, so a receiver accepts either. Timeouts are
short, transient failures (timeouts, connection errors, a name that does not resolve, 429,
5xx) are retried with exponential back-off, other 4xx are final.

A guard against server-side request forgery refuses (`OutboundRefused`, never retried):
- anything but `http`/`https`, and a host that is neither a DNS name nor an IP address in
  canonical form (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1` are refused, not guessed at);
- a target whose address, or any of the addresses its name resolves to, is not public:
  private, loopback, link-local, unspecified, multicast, reserved, shared, documentation,
  benchmarking, site-local or unique-local, and IPv6 addresses that carry an internal IPv4
  address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 `64:ff9b::/96` and the local
  `64:ff9b:1::/48`, 6to4 `2002::/16`, Teredo), unless the address is in a network allowed in
  configuration (`CDP_OUTBOUND_ALLOWED_NETWORKS`).

A name is resolved once, asynchronously, right before the first attempt; every address it
resolves to is checked, and the connection goes to a checked address itself (the `Host` header
and, for https, the TLS server name and certificate check stay on the name), so a second,
different DNS answer (rebinding) is never used. Redirects are not followed and proxy
settings from the environment are not used: the connection is always the direct one to the
checked address.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import orjson

from app.errors import CdpError

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: (host name, port) -> the addresses it resolves to, as text.
Resolve = Callable[[str, int], Awaitable[Sequence[str]]]

INTERNAL = (
    "url: the host resolves to an internal address; allow its network in "
    "CDP_OUTBOUND_ALLOWED_NETWORKS to call it"
)

NUMERIC = "url: a host that reads as a number must be an IPv4 address in dotted-decimal form"


class OutboundRefused(CdpError):
    """The target may not be called (scheme, host spelling, or an internal address); never
    retried. The message names the rule, never the URL."""


class _Unresolved(Exception):
    """The name did not resolve this time (a failed attempt, retried like a connect error)."""


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


# -- the address guard -------------------------------------------------------------------------

#: Not publicly reachable (IANA's special-purpose registries, and multicast), whatever the
#: running Python's `ipaddress` thinks of them.
REFUSED_NETWORKS: tuple[IpNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # the former 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, with the limited broadcast address
        "::/96",  # unspecified, loopback and the IPv4-compatible addresses
        "::ffff:0:0/96",  # IPv4-mapped (checked as the IPv4 address they map first)
        "::ffff:0:0:0/96",  # IPv4-translated
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing identifiers
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: IPv6 forms whose low 32 bits are an IPv4 address: NAT64's well-known prefix, and the
#: IPv4-compatible, IPv4-mapped and IPv4-translated addresses.
LOW_32_BITS_IPV4 = (
    NAT64,
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: NAT64 (well-known prefix), IPv4-compatible,
    IPv4-mapped and IPv4-translated forms (the low 32 bits), 6to4 (the gateway) and Teredo
    (server and client)."""
    found: list[ipaddress.IPv4Address] = []
    if any(address in n for n in LOW_32_BITS_IPV4):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def _internal(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or any(address in n for n in REFUSED_NETWORKS)
    )


def address_allowed(address: IpAddress, allowed: Sequence[IpNetwork] = ()) -> bool:
    """May a call connect to `address`? Public addresses may, and any address inside an
    allowed network; an IPv4-mapped address is judged as the IPv4 address it maps, and an
    IPv6 address carrying an IPv4 address (NAT64, 6to4, Teredo, ...) only if that IPv4
    address is public or allowed too. An address with a zone (`fe80::1%eth0`) never may."""

    def listed(a: IpAddress) -> bool:
        return any(a.version == n.version and a in n for n in allowed)

    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if listed(address):
        return True
    if _internal(address):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(listed(v4) or not _internal(v4) for v4 in embedded_ipv4(address))
    return True


#: A DNS label as URLs carry them (letters, digits, hyphens; underscores occur in practice).
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
#: A last label that URL parsers and `inet_aton` read as (part of) an IPv4 address.
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")


def _host_address(host: str) -> IpAddress | None:
    """The address a URL's host spells, None for a DNS name; refuses anything else, so that
    what is checked is what gets connected to (`http://2130706433/`, `http://0x7f.1/` and
    `http://127.1/` would reach 127.0.0.1 through the system resolver)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if str(address) != host and not isinstance(address, ipaddress.IPv6Address):
            raise OutboundRefused(NUMERIC)
        return address
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise OutboundRefused("url: the host is neither a DNS name nor an IP address")
    if _NUMBER.fullmatch(labels[-1]):
        raise OutboundRefused(NUMERIC)
    return None


@dataclass(frozen=True)
class Target:
    """A URL as httpx parsed it: what is checked is what gets connected to."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name or address, without brackets
    port: int
    address: IpAddress | None  # the address the URL is written with, if any

    def at(self, address: IpAddress) -> httpx.URL:
        return self.url.copy_with(host=str(address))

    @property
    def extensions(self) -> dict[str, Any]:
        """The TLS server name (and so the certificate check) stays on the URL's name."""
        if self.url.scheme == "https" and self.address is None:
            return {"sni_hostname": self.host.rstrip(".")}
        return {}


async def system_resolve(host: str, port: int) -> list[str]:
    """The system resolver, off the event loop; addresses in its order of preference."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class WebhookSender:
    def __init__(
        self,
        secrets: Sequence[str],
        allowed_networks: Sequence[IpNetwork] = (),
        timeout: float = 5.0,
        attempts: int = 4,
        backoff: float = 0.5,
        resolve: Resolve | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not secrets:
            raise ValueError("at least one signing secret")
        self.secrets = list(secrets)
        self.allowed = list(allowed_networks)
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.resolve: Resolve = resolve or system_resolve
        self._ssl_context = ssl_context

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """Made once: building one (loading the CA bundle) costs more than a local call."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
        return self._ssl_context

    def target(self, url: str) -> Target:
        """Everything that can be checked without resolving: the scheme, the host's spelling
        and an address written in the URL."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise OutboundRefused("url: not a valid URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.raw_host:
            raise OutboundRefused("url: only http and https URLs with a host")
        try:
            host = parsed.raw_host.decode("ascii")
        except UnicodeDecodeError:
            raise OutboundRefused("url: the host is neither a DNS name nor an IP address") from None
        address = _host_address(host)
        if address is not None and not address_allowed(address, self.allowed):
            raise OutboundRefused(INTERNAL)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        return Target(parsed, host, port, address)

    def check_target(self, url: str, *, resolve: Literal[False] = False) -> None:
        """A definition's check (a journey or destination being saved): `target` without
        resolving. Names are resolved and checked right before each call (`pin`)."""
        self.target(url)

    async def pin(self, target: Target) -> list[IpAddress]:
        """The addresses a call to `target` may connect to: every address the name resolves to
        (once), all checked; refused if any is internal."""
        if target.address is not None:
            return [target.address]
        try:
            async with asyncio.timeout(self.timeout):
                answers = await self.resolve(target.host, target.port)
        except (OSError, TimeoutError, UnicodeError):
            raise _Unresolved from None
        addresses: list[IpAddress] = []
        for text in answers:
            try:
                addresses.append(ipaddress.ip_address(text))
            except ValueError:
                raise OutboundRefused(INTERNAL) from None
        if not addresses:
            raise _Unresolved
        if not all(address_allowed(a, self.allowed) for a in addresses):
            raise OutboundRefused(INTERNAL)
        return list(dict.fromkeys(addresses))

    def _headers(self, body: bytes, idempotency_key: str) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            "content-type": "application/json",
            "user-agent": "graph-cdp-webhook/1",
            "x-cdp-timestamp": timestamp,
            "x-cdp-signature": ",".join(signature(s, timestamp, body) for s in self.secrets),
            "idempotency-key": idempotency_key,
        }

    async def _send(
        self,
        client: httpx.AsyncClient,
        target: Target,
        addresses: Sequence[IpAddress],
        body: bytes,
        headers: dict[str, str],
    ) -> httpx.Response:
        """One attempt: the checked addresses in order until one accepts the connection, each
        with the URL's own `Host` header."""
        headers = {k.lower(): v for k, v in headers.items()}
        headers["host"] = target.url.netloc.decode("ascii")
        failure: httpx.ConnectError | None = None
        for address in addresses:
            request = client.build_request(
                "POST",
                target.at(address),
                content=body,
                headers=headers,
                extensions=target.extensions,
            )
            try:
                return await client.send(request)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def post(
        self,
        url: str,
        payload: Any,
        idempotency_key: str,
        headers: dict[str, str] | None = None,
    ) -> Delivery:
        """`headers` are added to the signed ones (e.g. a receiver's own authorisation).
        Raises `OutboundRefused` before anything is sent to a refused target."""
        target = self.target(url)
        body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        addresses: list[IpAddress] | None = None
        status: int | None = None
        error: str | None = None
        transport = httpx.AsyncHTTPTransport(verify=self.ssl_context)
        async with httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=False, transport=transport
        ) as client:
            for attempt in range(1, self.attempts + 1):
                try:
                    if addresses is None:
                        addresses = await self.pin(target)
                    sent = {**self._headers(body, idempotency_key), **(headers or {})}
                    response = await self._send(client, target, addresses, body, sent)
                    status, error = response.status_code, None
                    if 200 <= status < 300:
                        return Delivery(status, attempt, True)
                    if status != 429 and status < 500:
                        return Delivery(status, attempt, False, f"http_{status}")
                    error = f"http_{status}"
                except _Unresolved:
                    status, error = None, "unresolved"
                except httpx.HTTPError as exc:
                    status, error = None, type(exc).__name__
                if attempt < self.attempts:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return Delivery(status, self.attempts, False, error)
