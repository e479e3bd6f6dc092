"""The outbound sender against a real local HTTP server: signatures that receivers can check
(with either secret during a rotation), retries after failures, and the SSRF guard."""

from __future__ import annotations

import json

import pytest

from app.services.engagement.outbound import OutboundRefused, WebhookSender, parse_networks, verify
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.integration


LOOPBACK = parse_networks(["127.0.0.0/8"])


async def test_a_signed_post_verifies_with_either_live_secret(receiver: Receiver) -> None:
    sender = WebhookSender(["new-secret", "old-secret"], LOOPBACK, backoff=0.01)
    delivery = await sender.post(receiver.url, {"profile": "p-1"}, "run-1:s1:1")
    assert delivery.ok and delivery.attempts == 1
    (request,) = receiver.requests
    headers = request["headers"]
    assert json.loads(request["body"]) == {"profile": "p-1"}
    assert headers["idempotency-key"] == "run-1:s1:1"
    stamp, header = headers["x-cdp-timestamp"], headers["x-cdp-signature"]
    assert verify(["old-secret"], stamp, request["body"], header)
    assert verify(["new-secret"], stamp, request["body"], header)
    assert not verify(["other"], stamp, request["body"], header)
    assert not verify(["new-secret"], stamp, request["body"] + b" ", header)


async def test_transient_failures_are_retried_and_client_errors_are_not(
    receiver: Receiver,
) -> None:
    sender = WebhookSender(["s"], LOOPBACK, attempts=4, backoff=0.01)
    receiver.statuses = [503, 500, 200]
    delivery = await sender.post(receiver.url, {}, "k")
    assert (delivery.ok, delivery.attempts, delivery.status) == (True, 3, 200)
    receiver.statuses = [400]
    refused = await sender.post(receiver.url, {}, "k2")
    assert (refused.ok, refused.attempts, refused.error) == (False, 1, "http_400")
    receiver.statuses = [503] * 4
    failed = await sender.post(receiver.url, {}, "k3")
    assert (failed.ok, failed.attempts, failed.error) == (False, 4, "http_503")
    # All requests of one delivery carry the same idempotency key.
    keys = [r["headers"]["idempotency-key"] for r in receiver.requests]
    assert keys == ["k", "k", "k", "k2", "k3", "k3", "k3", "k3"]


async def test_internal_targets_are_refused_unless_allowed(receiver: Receiver) -> None:
    guarded = WebhookSender(["s"])
    for url in (
        receiver.url,
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "ftp://example.com/x",
    ):
        with pytest.raises(OutboundRefused):
            await guarded.post(url, {}, "k")
    assert receiver.requests == []

    async def sneaky_dns(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "192.168.0.10"]

    sneaky = WebhookSender(["s"], resolve=sneaky_dns)
    sneaky.check_target("https://innocent.example/hook")  # a name passes a definition's check
    with pytest.raises(OutboundRefused, match="internal address"):
        await sneaky.post("https://innocent.example/hook", {}, "k")
