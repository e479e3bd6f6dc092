"""The outbound guard against real receivers: DNS rebinding cannot reach loopback, https keeps
the name for TLS while connecting to the checked address, and a refused target is tried once
and recorded as refused (destinations and journeys).

Regressions: the target's name was resolved for the check and again by the HTTP client when it
connected, so a name answering a public address first and 127.0.0.1 next reached loopback; a
destination whose target was refused was tried five times before its batch was dead-lettered.
"""

from __future__ import annotations

import datetime
import ssl
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.bootstrap import Container
from app.domain.access import Principal, Role
from app.services.changes.profile_changes import ProfileChanges
from app.services.engagement.journeys import JourneyService
from app.services.engagement.outbound import OutboundRefused, WebhookSender, parse_networks
from tests.messages import message
from tests.support.journey_jobs import JourneyJobs
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.integration

PUBLIC = "93.184.215.14"
ADMIN = Principal("test-admin", "tester", Role.ADMIN)


class Rebinding:
    """A resolver answering a public address the first time and loopback after, counting calls
    (what a rebinding DNS server with a zero TTL does)."""

    def __init__(self, first: str = PUBLIC, then: str = "127.0.0.1") -> None:
        self.answers = [first, then]
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append((host, port))
        return [self.answers[min(len(self.calls), len(self.answers)) - 1]]


async def test_dns_rebinding_cannot_reach_a_loopback_receiver(receiver: Receiver) -> None:
    # The receiver works: a sender allowed to reach loopback delivers to it by name, with the
    # name in the Host header.
    control = WebhookSender(
        ["s"], parse_networks(["127.0.0.0/8"]), resolve=Rebinding("127.0.0.1"), backoff=0.01
    )
    url = f"http://localhost:{receiver.port}/hook"
    assert (await control.post(url, {"n": 0}, "k0")).ok
    (request,) = receiver.requests
    assert request["headers"]["host"] == f"localhost:{receiver.port}"
    receiver.requests.clear()

    # Loopback not allowed: the first answer is public, every later one is 127.0.0.1 (and the
    # system resolver, which the client used to consult on connecting, says 127.0.0.1 too).
    resolver = Rebinding()
    sender = WebhookSender(["s"], resolve=resolver, timeout=1.0, attempts=3, backoff=0.01)
    delivery = await sender.post(url, {"n": 1}, "k1")
    assert not delivery.ok and delivery.status is None and delivery.attempts == 3
    assert resolver.calls == [("localhost", receiver.port)]  # once, for all three attempts
    assert receiver.requests == []

    # The next call resolves again, gets loopback, and is refused before connecting.
    with pytest.raises(OutboundRefused, match="internal address"):
        await sender.post(url, {"n": 2}, "k2")
    assert len(resolver.calls) == 2
    assert receiver.requests == []


def _ca_certificate(ca_key: ec.EllipticCurvePrivateKey, now: datetime.datetime) -> x509.Certificate:
    """A self-signed CA certificate for `ca_key`, valid for the next hour."""
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "outbound guard test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _server_certificate(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    now: datetime.datetime,
) -> x509.Certificate:
    """A certificate for the server `name` holding `key`, signed by the CA."""
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _tls(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for `name` from a fresh CA, and a client context
    trusting that CA only."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _ca_certificate(ca_key, now)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _server_certificate(name, key, ca_key, ca, now)
    cert_file, key_file = tmp_path / "leaf.pem", tmp_path / "leaf.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


async def test_https_connects_to_the_checked_address_with_the_name_for_tls(
    tmp_path: Path,
) -> None:
    server, client = _tls(tmp_path, "hooks.example.test")
    names: list[str | None] = []
    server.sni_callback = lambda _sock, name, _ctx: names.append(name)
    tls = Receiver(server)
    try:
        resolver = Rebinding("127.0.0.1")
        sender = WebhookSender(
            ["s"],
            parse_networks(["127.0.0.0/8"]),
            resolve=resolver,
            ssl_context=client,
            attempts=1,
        )
        delivery = await sender.post(f"https://hooks.example.test:{tls.port}/hook", {}, "k")
        assert delivery.ok
        (request,) = tls.requests
        assert request["headers"]["host"] == f"hooks.example.test:{tls.port}"
        assert names == ["hooks.example.test"]
        # The certificate is checked against the URL's name, not the address connected to.
        other = await sender.post(f"https://other.example.test:{tls.port}/hook", {}, "k")
        assert (other.ok, other.error) == (False, "ConnectError")
        assert len(tls.requests) == 1
        assert [host for host, _ in resolver.calls] == ["hooks.example.test", "other.example.test"]
    finally:
        tls.close()


async def test_a_refused_destination_target_is_tried_once_and_dead_lettered(
    container: Container, receiver: Receiver
) -> None:
    destinations = container.destinations
    resolver = Rebinding("127.0.0.1")
    destinations.sender = WebhookSender(["dest-secret"], resolve=resolver, backoff=0.01)
    await destinations.save(
        {
            "name": "crm",
            "kind": "webhook",
            "config": {"url": f"http://localhost:{receiver.port}/hook"},
            "topics": ["events"],
        },
        "tester",
    )
    await destinations.set_active("crm", True)
    await container.ingestion.ingest([message(user="r-1", event="E")])
    view = await container.profiles.profile_by_identifier("user_id", "r-1")
    assert view is not None
    assert await destinations.enqueue(ProfileChanges(events={view.id: {"E"}}), []) == 1
    assert await destinations.deliver_all() == 1
    assert resolver.calls == [("localhost", receiver.port)]
    assert receiver.requests == []
    stats = await destinations.stats("crm")
    assert stats["waiting"] == 0
    assert (stats["dead_letters"], stats["dead_lettered"], stats["refused"]) == (1, 1, 1)
    assert stats.get("failed_attempts", 0) == 0
    [letter] = await destinations.outbox.dead_letters("crm")
    assert letter.reason == "OutboundRefused"
    assert letter.detail is not None and "internal address" in letter.detail
    assert letter.item["event"] == "E"
    # Nothing left to try: no second attempt comes.
    destinations._retry_at.clear()
    assert await destinations.deliver_all() == 0
    assert len(resolver.calls) == 1


def _journeys_sending_through(
    container: Container, resolver: Rebinding, jobs: JourneyJobs
) -> JourneyService:
    """The container's journeys, with webhooks sent through `resolver` and jobs kept in
    `jobs` (run when drained)."""
    base = container.journeys
    journeys = JourneyService(
        base.storage,
        base.segments,
        base.gate,
        WebhookSender(["jsecret"], resolve=resolver, backoff=0.01),
        base.profiles,
        base.sealer,
        base.notifier,
        jobs.enqueue,
    )
    jobs.runner = journeys.step_many
    return journeys


async def _profile_consenting_to_marketing(container: Container, user: str) -> str:
    """The id of `user`'s profile (ingested), which consents to marketing."""
    await container.ingestion.ingest([message(user=user)])
    view = await container.profiles.profile_by_identifier("user_id", user)
    assert view is not None
    await container.consent.set_consent(
        profile_id=view.id,
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=None,
        source=None,
        by="tester",
    )
    return view.id


def _webhook_journey(url: str) -> dict[str, Any]:
    """A journey calling the webhook `url` and then tagging the profile."""
    return {
        "name": "hello",
        "trigger": {"event": "Signed Up"},
        "start": "hook",
        "steps": {
            "hook": {
                "type": "action",
                "action": {
                    "kind": "webhook",
                    "url": url,
                    "purpose": "marketing",
                },
                "next": "tag",
            },
            "tag": {"type": "action", "action": {"kind": "add_tag", "tag": "hooked"}},
        },
    }


async def test_a_refused_journey_webhook_is_tried_once_and_recorded_as_refused(
    container: Container, receiver: Receiver
) -> None:
    jobs = JourneyJobs(time.time())
    resolver = Rebinding("127.0.0.1")
    journeys = _journeys_sending_through(container, resolver, jobs)
    profile_id = await _profile_consenting_to_marketing(container, "j-1")
    definition = _webhook_journey(f"http://localhost:{receiver.port}/hook")
    await journeys.save(definition, ADMIN)
    await journeys.set_active("hello", True, ADMIN)
    assert await journeys.on_changes(ProfileChanges(events={profile_id: {"Signed Up"}}), []) == 1
    assert await jobs.drain() == ["failed"]
    assert resolver.calls == [("localhost", receiver.port)]
    assert receiver.requests == []
    [run] = await journeys.runs_of(profile_id)
    assert (run.status, run.exit_reason) == ("failed", "hook failed")
    assert [(s["step"], s["outcome"], s["reason"]) for s in run.steps] == [
        ("hook", "failed", "OutboundRefused")
    ]
    [record] = await container.journeys.gate.history(profile_id)
    assert (record.outcome, record.reason) == ("failed", "OutboundRefused")
    # A job run again (arq retrying) does not try the target again.
    assert await journeys.step(run.id, 0) == "stale"
    assert len(resolver.calls) == 1
    assert await container.browser.tags(profile_id) == []
