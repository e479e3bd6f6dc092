"""The outbound guard's address and host rules, on a corpus of the spellings and embeddings that
reach internal addresses; no network (resolvers here are stand-ins, nothing connects)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pytest

from app.services.engagement.outbound import (
    OutboundRefused,
    WebhookSender,
    address_allowed,
    embedded_ipv4,
    parse_networks,
    system_resolve,
)

#: Addresses no call may reach without an allowed network.
REFUSED_ADDRESSES = [
    # IPv4 internal, reserved and special ranges
    "0.0.0.0",
    "0.1.2.3",
    "10.1.2.3",
    "100.64.0.1",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6 internal, reserved and special ranges
    "::",
    "::1",
    "100::1",
    "2001:db8::1",
    "3fff::1",
    "5f00::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    # IPv4-compatible
    "::127.0.0.1",
    "::7f00:1",
    "::8.8.8.8",
    # IPv4-mapped
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    # IPv4-translated
    "::ffff:0:7f00:1",
    "::ffff:0:808:808",
    # NAT64: the well-known prefix carrying an internal address, and the local-use prefix
    "64:ff9b::7f00:1",
    "64:ff9b::127.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::a00:1",
    "64:ff9b:1::808:808",
    "64:ff9b:1:ffff::1",
    # 6to4 with an internal gateway
    "2002:7f00:1::",
    "2002:7f00:1::1",
    "2002:a00:1::1",
    "2002:a9fe:a9fe::1",
    "2002::1",
    # Teredo (server 65.54.227.120, client 192.0.2.45 / 127.0.0.1)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",
]

#: Public addresses: allowed.
PUBLIC_ADDRESSES = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",  # mapped: judged as 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 through 8.8.8.8
]


@pytest.mark.parametrize("text", REFUSED_ADDRESSES)
def test_internal_and_embedded_internal_addresses_are_refused(text: str) -> None:
    assert not address_allowed(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(text: str) -> None:
    assert address_allowed(ipaddress.ip_address(text))


def test_embedded_ipv4_addresses_are_found() -> None:
    def found(text: str) -> list[str]:
        return [str(a) for a in embedded_ipv4(ipaddress.IPv6Address(text))]

    assert found("64:ff9b::7f00:1") == ["127.0.0.1"]
    assert found("::7f00:1") == ["127.0.0.1"]
    assert found("::ffff:0:7f00:1") == ["127.0.0.1"]
    assert found("2002:7f00:1::") == ["127.0.0.1"]
    assert found("2001:0:4136:e378:8000:63bf:80ff:fffe") == ["65.54.227.120", "127.0.0.1"]
    assert found("2606:4700:4700::1111") == []


def test_allowed_networks_open_exactly_their_addresses() -> None:
    loopback = parse_networks(["127.0.0.0/8"])
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), loopback)
    assert address_allowed(ipaddress.ip_address("127.8.9.10"), loopback)
    assert address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), loopback)
    assert not address_allowed(ipaddress.ip_address("::1"), loopback)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), loopback)
    assert not address_allowed(ipaddress.ip_address("169.254.169.254"), loopback)

    office = parse_networks(["10.20.0.0/16", "fd00:20::/32"])
    assert address_allowed(ipaddress.ip_address("10.20.3.4"), office)
    assert address_allowed(ipaddress.ip_address("fd00:20::5"), office)
    assert address_allowed(ipaddress.ip_address("64:ff9b::a14:304"), office)  # NAT64 of 10.20.3.4
    assert address_allowed(ipaddress.ip_address("2002:a14:304::1"), office)  # 6to4 via 10.20.3.4
    assert not address_allowed(ipaddress.ip_address("10.21.0.1"), office)
    assert not address_allowed(ipaddress.ip_address("64:ff9b::a15:1"), office)
    assert not address_allowed(ipaddress.ip_address("fd00:21::1"), office)

    link_local = parse_networks(["fe80::/10"])
    assert address_allowed(ipaddress.ip_address("fe80::1"), link_local)
    assert not address_allowed(ipaddress.ip_address("fe80::1%eth0"), link_local)  # never zoned


SENDER = WebhookSender(["secret"])

#: Hosts that are not a DNS name nor a canonical IP literal, or are internal literals.
REFUSED_URLS = [
    "http://2130706433/",  # decimal 127.0.0.1
    "http://017700000001/",  # octal
    "http://0x7f000001/",  # hex
    "http://0x7f.1/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://0177.0.0.1/",  # octal dotted
    "http://127.1/",  # short form
    "http://127.0.1/",
    "http://127.0.0.1./",  # trailing dot
    "http://0/",
    "http://127%2e0.0.1/",  # percent-encoded
    "http://a.b.0x10/",  # a last label that reads as a number
    "http://example.123/",
    "http://-bad.example/",
    "http://bad-.example/",
    "http://ex ample.com/",
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/x",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::]/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::7f00:1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://[fe80::1%25eth0]/",
    "http://[ff02::1]/",
    "ftp://example.com/x",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http:///no-host",
    "https://exa mple.com/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_hosts_that_are_not_names_or_canonical_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(OutboundRefused):
        SENDER.target(url)
    with pytest.raises(OutboundRefused):
        SENDER.check_target(url)


@pytest.mark.parametrize(
    ("url", "host", "port", "address", "host_header"),
    [
        ("https://hooks.example.com/x", "hooks.example.com", 443, None, "hooks.example.com"),
        ("http://HOOKS.Example.com:8080/x", "hooks.example.com", 8080, None,
         "hooks.example.com:8080"),
        ("https://bücher.example/x", "xn--bcher-kva.example", 443, None, "xn--bcher-kva.example"),
        ("http://123.example/x", "123.example", 80, None, "123.example"),
        ("http://my_host.example/", "my_host.example", 80, None, "my_host.example"),
        ("http://8.8.8.8/x", "8.8.8.8", 80, "8.8.8.8", "8.8.8.8"),
        ("https://[2606:4700::1111]:8443/", "2606:4700::1111", 8443, "2606:4700::1111",
         "[2606:4700::1111]:8443"),
    ],
)  # fmt: skip
def test_names_and_canonical_public_addresses_pass(
    url: str, host: str, port: int, address: str | None, host_header: str
) -> None:
    target = SENDER.target(url)
    assert (target.host, target.port, target.url.netloc.decode()) == (host, port, host_header)
    assert target.address == (ipaddress.ip_address(address) if address else None)


def test_https_keeps_the_name_as_tls_server_name_when_connecting_to_an_address() -> None:
    named = SENDER.target("https://hooks.example.com./x?y=1")
    pinned = named.at(ipaddress.ip_address("93.184.215.14"))
    assert str(pinned) == "https://93.184.215.14/x?y=1"
    assert named.extensions == {"sni_hostname": "hooks.example.com"}
    six = named.at(ipaddress.ip_address("2606:4700::1111"))
    assert six.host == "2606:4700::1111" and six.netloc == b"[2606:4700::1111]"
    assert SENDER.target("http://hooks.example.com/").extensions == {}
    assert SENDER.target("https://8.8.8.8/").extensions == {}


def _answers(*addresses: str) -> tuple[list[tuple[str, int]], WebhookSender]:
    calls: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        calls.append((host, port))
        return list(addresses)

    return calls, WebhookSender(["secret"], resolve=resolve, backoff=0.0)


async def test_every_resolved_address_is_checked() -> None:
    calls, sender = _answers("93.184.215.14", "2606:4700::1111")
    target = sender.target("https://hooks.example.com/x")
    assert [str(a) for a in await sender.pin(target)] == ["93.184.215.14", "2606:4700::1111"]
    assert calls == [("hooks.example.com", 443)]
    for internal in ("127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "fe80::1%eth0"):
        _, mixed = _answers("93.184.215.14", internal)
        with pytest.raises(OutboundRefused, match="internal address"):
            await mixed.pin(target)
    _, garbage = _answers("not-an-address")
    with pytest.raises(OutboundRefused):
        await garbage.pin(target)


async def test_a_refused_name_sends_nothing_and_is_resolved_once() -> None:
    calls, sender = _answers("169.254.169.254")
    with pytest.raises(OutboundRefused, match="internal address"):
        await sender.post("http://metadata.example/latest", {}, "k")
    assert calls == [("metadata.example", 80)]


async def test_a_name_that_does_not_resolve_is_a_failed_attempt_not_a_refusal() -> None:
    calls: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        raise OSError("no such name")

    sender = WebhookSender(["secret"], resolve=resolve, attempts=3, backoff=0.0)
    delivery = await sender.post("https://nowhere.example/x", {}, "k")
    assert (delivery.ok, delivery.status, delivery.attempts, delivery.error) == (
        False,
        None,
        3,
        "unresolved",
    )
    assert calls == ["nowhere.example"] * 3


async def test_the_system_resolver_is_asynchronous() -> None:
    assert "127.0.0.1" in await system_resolve("localhost", 80)
