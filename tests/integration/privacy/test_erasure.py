"""Erasure through graph deletion: nothing of the subject stays, and nothing comes back.

A mother and her son share a family tablet. Erasing the mother deletes her profile,
identifiers, events, traits and consents, destroys her data keys, purges her messages still
waiting in the stream and the dead letters, and suppresses her identifiers; the tablet is
unlinked, not suppressed, and keeps working for the son.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.domain.messages import TrackedMessage
from app.services.engagement.actions import ActionRecord, Attempt
from app.services.privacy.erasure import ErasureStatus
from app.services.tracking.acceptance import encode_message
from app.settings import Settings
from tests.messages import message
from tests.services import REPO
from tests.subprocess_env import process_env
from tests.support.profiles import profile_id_or_none

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
MUM = {
    "user": "mum-user-7731",
    "anon": "mum-anon-5521",
    "email": "Mum.Private@Family.example",
    "phone": "+44 20 7946 0777",
}
MUM_SECRETS = [
    "mum-user-7731",
    "mum-anon-5521",
    "mum.private@family.example",
    "+442079460777",
    "Margaret-Secret",
    "mum-secret-basket",
]
SUPPRESSION_PROPS = {"key", "ws", "type", "at", "request"}


def mum_messages(n_tracks: int = 3, at: float = T0) -> list[TrackedMessage]:
    identify = message(
        "identify",
        user=MUM["user"],
        anon=MUM["anon"],
        email=MUM["email"],
        phone=MUM["phone"],
        device="family-tablet",
        traits={"first_name": "Margaret-Secret"},
        at=at,
    )
    identify = dataclasses.replace(
        identify,
        context={**identify.context, "consent": {"categoryPreferences": {"marketing": True}}},
    )
    tracks = [
        message(anon=MUM["anon"], properties={"basket": "mum-secret-basket"}, at=at + 1 + i)
        for i in range(n_tracks)
    ]
    return [identify, *tracks]


def son_messages(at: float = T0 + 100) -> list[TrackedMessage]:
    return [
        message(
            "identify", user="son-1", email="son@family.example", device="family-tablet", at=at
        ),
        message(user="son-1", at=at + 1),
    ]


async def _mum_keys(container: Container) -> list[str]:
    keys = [
        await container.curation.find_key(t, v)
        for t, v in [
            ("user_id", MUM["user"]),
            ("anonymous_id", MUM["anon"]),
            ("email", MUM["email"]),
            ("phone", MUM["phone"]),
        ]
    ]
    assert all(keys)
    return [k for k in keys if k]


async def _no_enqueue(request_id: str) -> None:
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [str(value)]


async def _leftovers(container: Container, needles: list[str]) -> list[tuple[str, str]]:
    rows = await container.graph.read("admin/all_properties")
    return [
        (key, needle)
        for row in rows
        if set(row["props"]) != SUPPRESSION_PROPS
        for key, value in row["props"].items()
        for text in _strings(value)
        for needle in needles
        if needle.lower() in text.lower()
    ]


async def test_erasure_deletes_the_subject_and_the_family_tablet_stays_with_the_son(
    container: Container,
) -> None:
    await container.ingestion.ingest(mum_messages())
    await container.ingestion.ingest(son_messages())
    mum = await profile_id_or_none(container, "email", MUM["email"])
    son = await profile_id_or_none(container, "user_id", "son-1")
    assert mum and son and mum != son
    assert await profile_id_or_none(container, "device_id", "family-tablet") == mum
    keys = await _mum_keys(container)
    hashes = [k.rsplit(":", 1)[1] for k in keys]
    ws = container.settings.workspace
    members = await container.graph.read("identity/profile_members", id=mum, ws=ws)
    sealed = {r["key"]: r["enc"] for r in members if r["key"] in keys}
    sealer = container.ingestion.sealer
    before = await sealer.data_keys(list(sealed), create=False)
    assert set(before) == set(sealed) == set(keys)

    async def send() -> None:
        return None

    # A journey acted on her (she granted marketing): the record goes with her profile.
    [acted] = await container.gate.attempt_many(
        [Attempt(mum, "marketing", "webhook:mum-only-journey", send)]
    )
    assert isinstance(acted, ActionRecord) and acted.outcome == "taken"

    preview = await container.erasure.preview("email", MUM["email"])
    assert preview.profile_id == mum
    assert preview.identifiers == {"user_id": 1, "anonymous_id": 1, "email": 1, "phone": 1}
    assert preview.shared == {"device_id": 1}
    assert (preview.events, preview.consents) == (4, 1)
    assert preview.observations >= 1

    asked: list[str] = []

    async def enqueue(request_id: str) -> None:
        asked.append(request_id)

    request = await container.erasure.request("email", MUM["email"], "dpo", "art. 17", enqueue)
    assert request.status == "requested" and asked == [request.id]
    done = await container.erasure.run(request.id)
    assert done.status == "completed"
    assert done.counts["events"] == 4 and done.counts["identifiers"] == 4
    assert done.counts["profiles"] == 1 and done.counts["consents"] == 1
    assert done.counts["data_keys"] == 4 and done.counts["suppressed"] == 4
    assert done.counts["shared_unlinked"] == 1

    # Nothing tied to her is left: no value, no hash, not her profile id (suppressions aside).
    needles = [*MUM_SECRETS, *hashes, mum, "mum-only-journey"]
    assert await _leftovers(container, needles) == []
    # Nor in Valkey's change feed and segment events (the event stream was checked below).
    for stream in ("changes", "segment-events"):
        entries = await container.redis.xrange(f"cdp:{ws}:{stream}")
        assert not [
            e for e in entries for v in e[1].values() for n in [mum, *hashes] if n.encode() in v
        ]
    suppressed = {r["key"] for r in await container.graph.read("erasure/suppressions", ws=ws)}
    assert suppressed == set(keys)
    # A copy of her ciphertext taken before cannot be opened any more: its keys are gone.
    assert await sealer.data_keys(list(sealed), create=False) == {}
    for key, token in sealed.items():
        assert sealer.open(before[key], token, owner=key, field="value")  # it was readable

    # The tablet was unlinked, not suppressed: it now belongs to the son, who keeps working.
    tablet = await container.curation.find_key("device_id", "family-tablet")
    assert tablet not in suppressed
    assert await profile_id_or_none(container, "device_id", "family-tablet") == son
    later = await container.ingestion.ingest(
        [message(user="son-1", device="family-tablet", at=T0 + 500)]
    )
    assert later.stored == 1
    assert await profile_id_or_none(container, "user_id", "son-1") == son

    # A late event naming her is dropped and counted; it creates nothing, not even a key.
    late = await container.ingestion.ingest(
        [message(user=MUM["user"], anon="brand-new-anon", at=T0 + 600)]
    )
    assert (late.stored, late.suppressed) == (0, 1)
    assert await container.curation.find_key("anonymous_id", "brand-new-anon") is None
    assert not await sealer.data_keys(keys, create=False)

    # Idempotent: running it again changes nothing and gives the same receipt.
    assert (await container.erasure.run(request.id)).counts == done.counts
    receipts = container.ledger.receipts(container.settings.workspace)
    assert [r[0] for r in receipts] == [request.id]
    actions = [(e.action, e.target) for e in await container.audit.entries()]
    assert ("erasure.completed", request.id) in actions
    assert all(target != mum for _, target in actions)


async def test_messages_still_waiting_and_dead_letters_are_purged(container: Container) -> None:
    source = (await container.sources.create("web")).source
    await container.ingestion.ingest(mum_messages(n_tracks=1))
    waiting = [
        message(anon=MUM["anon"], source=source.id, at=T0 + 10),
        message(user="bystander", source=source.id, at=T0 + 11),
        message(user=MUM["user"], source=source.id, at=T0 + 12),
    ]
    await container.acceptance.accept(source, waiting)
    await container.stream.dead_letter(source.id, encode_message(waiting[2]), "TypeError")
    await container.stream.dead_letter(source.id, encode_message(waiting[1]), "TypeError")

    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", _no_enqueue)
    done = await container.erasure.run(request.id)
    assert (done.counts["stream_messages"], done.counts["dead_letters"]) == (2, 1)
    assert (await container.stream.stats())["pending"] == 1
    letters = await container.deadletters.list()
    assert len(letters) == 1

    resolver = container.resolver("test-resolver")
    await container.stream.ensure_group()
    await resolver.step(block_ms=50)
    assert (await container.stream.stats())["pending"] == 0
    assert await profile_id_or_none(container, "user_id", "bystander") is not None
    assert await profile_id_or_none(container, "anonymous_id", MUM["anon"]) is None
    # Through the pipeline, a late message naming her is dropped and counted.
    await container.acceptance.accept(source, [message(user=MUM["user"], source=source.id)])
    await resolver.step(block_ms=50)
    stats = await container.stream.stats()
    assert (stats["pending"], stats["suppressed"]) == (0, 1)


async def test_the_export_holds_every_event_trait_identifier_and_consent(
    container: Container,
) -> None:
    sent = mum_messages(n_tracks=5)
    await container.ingestion.ingest(sent)
    pid = await profile_id_or_none(container, "user_id", MUM["user"])
    assert pid
    await container.consent.set_consent(
        profile_id=pid,
        identifier=None,
        purpose="analytics",
        granted=False,
        expires_at=None,
        source=None,
        by="dpo",
    )
    document = await container.exporter.export("phone", MUM["phone"], "dpo")
    assert document["profile"]["id"] == pid
    ids = {e["id"].rsplit(":", 1)[1] for e in document["events"]}
    assert ids == {m.message_id for m in sent}
    baskets = [e["payload"]["properties"].get("basket") for e in document["events"]]
    assert baskets.count("mum-secret-basket") == 5
    values = {(i["type"], i["value"]) for i in document["identifiers"]}
    assert ("email", "mum.private@family.example") in values
    assert ("user_id", MUM["user"]) in values and ("device_id", "family-tablet") in values
    assert document["traits"]["first_name"] == "Margaret-Secret"
    observed = {(o["field"], o["value"]) for o in document["trait_observations"]}
    assert ("first_name", "Margaret-Secret") in observed
    history = {(d["purpose"], d["granted"]) for d in document["consent"]["history"]}
    assert history == {("marketing", True), ("analytics", False)}
    assert ("subject.exported", pid) in [
        (e.action, e.target) for e in await container.audit.entries()
    ]


async def test_a_returning_person_can_be_unsuppressed(container: Container) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=0))
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", _no_enqueue)
    await container.erasure.run(request.id)
    assert await container.erasure.unsuppress("user_id", MUM["user"], "dpo") is True
    assert await container.erasure.unsuppress("user_id", MUM["user"], "dpo") is False
    back = await container.ingestion.ingest([message(user=MUM["user"], at=T0 + 900)])
    assert back.stored == 1
    # Only the returning user id: her e-mail stays suppressed.
    late = await container.ingestion.ingest([message(email=MUM["email"], at=T0 + 901)])
    assert late.suppressed == 1


async def test_reapply_after_a_restore_erases_again(container: Container) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=2))
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", _no_enqueue)
    await container.erasure.run(request.id)
    # A restore of a backup from before the erasure: her data is back, the receipt and
    # suppressions are not (the graph is rebuilt here by wiping it and ingesting again).
    await container.graph.run_auto_commit("admin/wipe_all")
    await container.prepare_graph()
    await container.ingestion.ingest(mum_messages(n_tracks=2))
    assert await profile_id_or_none(container, "user_id", MUM["user"]) is not None

    started: list[str] = []

    async def enqueue(request_id: str) -> None:
        started.append(request_id)

    report = await container.erasure.reapply("dpo", enqueue)
    # Her five identifiers (the tablet too: nobody else used it here) and one receipt.
    assert report["suppressions"] == 5 and report["receipts"] == 1
    assert report["erasures_started"] == 1 and len(started) == 1
    assert (await container.erasure.status(request.id)) is not None
    await container.erasure.run(started[0])
    assert await profile_id_or_none(container, "user_id", MUM["user"]) is None
    assert await _leftovers(container, MUM_SECRETS) == []


async def test_retention_deletes_old_events_per_source(container: Container) -> None:
    web = (await container.sources.create("web")).source
    crm = (await container.sources.create("crm")).source
    now = container.retention.clock()
    day = 86_400.0
    await container.ingestion.ingest(
        [
            message(user="r-1", source=web.id, at=now - 40 * day),
            message(user="r-1", source=web.id, at=now - 5 * day),
            message(user="r-1", source=crm.id, at=now - 40 * day),
        ]
    )
    await container.retention.set_source_retention(web.id, 30)
    deleted = await container.retention.run()
    assert deleted == {web.id: 1}
    pid = await profile_id_or_none(container, "user_id", "r-1")
    assert pid and await container.profiles.event_count(pid) == 2


async def test_a_worker_killed_in_the_middle_of_an_erasure_finishes_on_restart(
    container: Container, settings: Settings
) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=0))
    tracks = [message(anon=MUM["anon"], at=T0 + 10 + i) for i in range(600)]
    for start in range(0, len(tracks), 200):
        await container.ingestion.ingest(tracks[start : start + 200])
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", _no_enqueue)
    env = process_env(
        settings,
        CDP_ERASURE_BATCH_SIZE="10",
        CDP_ERASURE_LEASE_SECONDS="2",
        CDP_WORKER_RUNS_RESOLVER="false",
    )

    async def start_worker() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.entrypoints.cli", "worker", env=env, cwd=str(REPO)
        )

    async def status() -> ErasureStatus:
        found = await container.erasure.status(request.id)
        assert found is not None
        return found

    first = await start_worker()
    try:
        for _ in range(1200):
            current = await status()
            if current.counts.get("events", 0) > 0:
                break
            await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    half_way = await status()
    assert half_way.status == "running", "killed too late to prove anything"
    assert 0 < half_way.counts.get("events", 0) < 601

    second = await start_worker()
    try:
        for _ in range(600):
            if (await status()).status == "completed":
                break
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    final = await status()
    assert final.status == "completed"
    assert final.counts["events"] == 601
    assert await profile_id_or_none(container, "user_id", MUM["user"]) is None


async def test_the_command_line_exports_then_erases(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=2))
    out = tmp_path / "subject.json"

    async def cdp(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.entrypoints.cli",
            *args,
            env=process_env(settings),
            cwd=str(REPO),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        return stdout.decode()

    await cdp("subject", "export", "--type", "email", "--value", MUM["email"], "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    document = json.loads(out.read_text())
    assert len(document["events"]) == 3
    printed = await cdp(
        "erasures", "request", "--type", "user_id", "--value", MUM["user"], "--wait"
    )
    request_id, status, counts = printed.strip().split("\t")
    assert status == "completed" and "events=3" in counts
    assert MUM["user"] not in printed
    listed = await cdp("erasures", "list")
    assert request_id in listed


async def test_suppression_holds_across_a_blind_index_rotation(
    container: Container, settings: Settings
) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=0))
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", _no_enqueue)
    await container.erasure.run(request.id)
    # A new blind-index key becomes current; the old one stays listed (as it must).
    new_key = base64.b64encode(b"r" * 32).decode()
    rotated = settings.model_copy(
        update={"hmac_keys": SecretStr(f"k2:{new_key},{settings.hmac_keys.get_secret_value()}")}
    )
    after = await build_container(rotated)
    try:
        late = await after.ingestion.ingest(
            [message(email=MUM["email"], anon="after-rotation", at=T0 + 700)]
        )
        assert (late.stored, late.suppressed) == (0, 1)
        assert await after.curation.find_key("anonymous_id", "after-rotation") is None
        # Nor does the new kid's key of her e-mail get a data key.
        new_keys = after.ingestion.sealer.candidate_keys(
            after.curation.normalised("email", MUM["email"])
        )
        assert not await after.ingestion.sealer.data_keys(new_keys, create=False)
        # Someone else is stored under the new kid as usual.
        other = await after.ingestion.ingest([message(user="after-rotation-user", at=T0 + 701)])
        assert other.stored == 1
    finally:
        await after.close()


async def test_two_runners_starting_together_do_the_work_once(container: Container) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=40))
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", _no_enqueue)
    results = await asyncio.gather(
        *(container.erasure.run(request.id) for _ in range(4)), return_exceptions=True
    )
    done = [r for r in results if isinstance(r, ErasureStatus)]
    assert [type(r).__name__ for r in results if not isinstance(r, ErasureStatus)] == [
        "LeaseHeld"
    ] * (4 - len(done))
    final = await container.erasure.status(request.id)
    assert final is not None and final.status == "completed"
    assert final.counts["events"] == 41 and final.counts["identifiers"] == 5
