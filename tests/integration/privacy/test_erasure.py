"""Erasure through graph deletion: nothing of the subject stays, and nothing comes back.

A mother and her son share a family tablet. Erasing the mother deletes her profile,
identifiers, events, traits and consents, destroys her data keys, purges her messages still
waiting in the stream and the dead letters, and suppresses her identifiers; the tablet is
unlinked, not suppressed, and keeps working for the son. Her export, a return after
unsuppression, a restore from backup and a blind-index rotation are here too; erasures run by
worker processes and the command line are in test_erasure_processes.py.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.services.engagement.actions import ActionRecord, Attempt
from app.services.privacy.erasure import ErasureStatus
from app.services.tracking.acceptance import encode_message
from app.settings import Settings
from tests.integration.privacy.erasure_subject import (
    MUM,
    MUM_SECRETS,
    T0,
    mum_keys,
    mum_messages,
    no_enqueue,
    son_messages,
)
from tests.messages import message
from tests.support.leftovers import leftovers
from tests.support.profiles import profile_id_or_none

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class HerKeys:
    """Her identifiers' blind-index keys, their hashes, and her sealed values with data keys."""

    keys: list[str]
    hashes: list[str]
    sealed: dict[str, Any]
    data_keys: dict[str, bytes]


async def _mum_and_son_share_the_tablet(container: Container) -> tuple[str, str]:
    await container.ingestion.ingest(mum_messages())
    await container.ingestion.ingest(son_messages())
    mum = await profile_id_or_none(container, "email", MUM["email"])
    son = await profile_id_or_none(container, "user_id", "son-1")
    assert mum and son and mum != son
    assert await profile_id_or_none(container, "device_id", "family-tablet") == mum
    return mum, son


async def _her_keys(container: Container, mum: str) -> HerKeys:
    keys = await mum_keys(container)
    hashes = [k.rsplit(":", 1)[1] for k in keys]
    ws = container.settings.workspace
    members = await container.graph.read("identity/profile_members", id=mum, ws=ws)
    sealed = {r["key"]: r["enc"] for r in members if r["key"] in keys}
    before = await container.ingestion.sealer.data_keys(list(sealed), create=False)
    assert set(before) == set(sealed) == set(keys)
    return HerKeys(keys, hashes, sealed, before)


async def _a_journey_acts_on_her(container: Container, mum: str) -> None:
    """She granted marketing, so the action is taken: the record goes with her profile."""

    async def send() -> None:
        return None

    [acted] = await container.gate.attempt_many(
        [Attempt(mum, "marketing", "webhook:mum-only-journey", send)]
    )
    assert isinstance(acted, ActionRecord) and acted.outcome == "taken"


async def _the_preview_shows_what_goes(container: Container, mum: str) -> None:
    preview = await container.erasure.preview("email", MUM["email"])
    assert preview.profile_id == mum
    assert preview.identifiers == {"user_id": 1, "anonymous_id": 1, "email": 1, "phone": 1}
    assert preview.shared == {"device_id": 1}
    assert (preview.events, preview.consents) == (4, 1)
    assert preview.observations >= 1


async def _erase_her(container: Container) -> tuple[str, ErasureStatus]:
    """Requested by the DPO (the job is enqueued), then run: her counts."""
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
    return request.id, done


async def _nothing_of_her_is_left(container: Container, mum: str, her: HerKeys) -> set[str]:
    """No value, no hash, not her profile id (suppressions aside); returns the suppressed keys."""
    needles = [*MUM_SECRETS, *her.hashes, mum, "mum-only-journey"]
    assert await leftovers(container, needles) == []
    # Nor in Valkey's change feed and segment events (the event stream was checked below).
    ws = container.settings.workspace
    for stream in ("changes", "segment-events"):
        entries = await container.redis.xrange(f"cdp:{ws}:{stream}")
        assert not [
            e for e in entries for v in e[1].values() for n in [mum, *her.hashes] if n.encode() in v
        ]
    suppressed = {r["key"] for r in await container.graph.read("erasure/suppressions", ws=ws)}
    assert suppressed == set(her.keys)
    # A copy of her ciphertext taken before cannot be opened any more: its keys are gone.
    sealer = container.ingestion.sealer
    assert await sealer.data_keys(list(her.sealed), create=False) == {}
    for key, token in her.sealed.items():
        assert sealer.open(her.data_keys[key], token, owner=key, field="value")  # was readable
    return suppressed


async def _the_tablet_stays_with_the_son(
    container: Container, son: str, suppressed: set[str]
) -> None:
    """The tablet was unlinked, not suppressed: it now belongs to the son, who keeps working."""
    tablet = await container.curation.find_key("device_id", "family-tablet")
    assert tablet not in suppressed
    assert await profile_id_or_none(container, "device_id", "family-tablet") == son
    later = await container.ingestion.ingest(
        [message(user="son-1", device="family-tablet", at=T0 + 500)]
    )
    assert later.stored == 1
    assert await profile_id_or_none(container, "user_id", "son-1") == son


async def _a_late_event_naming_her_is_dropped(container: Container, keys: list[str]) -> None:
    """Dropped and counted; it creates nothing, not even a key."""
    late = await container.ingestion.ingest(
        [message(user=MUM["user"], anon="brand-new-anon", at=T0 + 600)]
    )
    assert (late.stored, late.suppressed) == (0, 1)
    assert await container.curation.find_key("anonymous_id", "brand-new-anon") is None
    assert not await container.ingestion.sealer.data_keys(keys, create=False)


async def _running_again_changes_nothing(
    container: Container, request_id: str, done: ErasureStatus, mum: str
) -> None:
    """Idempotent: the same counts, one receipt, and an audit trail that does not name her."""
    assert (await container.erasure.run(request_id)).counts == done.counts
    receipts = container.ledger.receipts(container.settings.workspace)
    assert [r[0] for r in receipts] == [request_id]
    actions = [(e.action, e.target) for e in await container.audit.entries()]
    assert ("erasure.completed", request_id) in actions
    assert all(target != mum for _, target in actions)


async def test_erasure_deletes_the_subject_and_the_family_tablet_stays_with_the_son(
    container: Container,
) -> None:
    mum, son = await _mum_and_son_share_the_tablet(container)
    her = await _her_keys(container, mum)
    await _a_journey_acts_on_her(container, mum)
    await _the_preview_shows_what_goes(container, mum)

    request_id, done = await _erase_her(container)
    suppressed = await _nothing_of_her_is_left(container, mum, her)
    await _the_tablet_stays_with_the_son(container, son, suppressed)
    await _a_late_event_naming_her_is_dropped(container, her.keys)
    await _running_again_changes_nothing(container, request_id, done, mum)


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

    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_enqueue)
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
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_enqueue)
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
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_enqueue)
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
    assert await leftovers(container, MUM_SECRETS) == []


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


async def test_suppression_holds_across_a_blind_index_rotation(
    container: Container, settings: Settings
) -> None:
    await container.ingestion.ingest(mum_messages(n_tracks=0))
    request = await container.erasure.request("user_id", MUM["user"], "dpo", "", no_enqueue)
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
