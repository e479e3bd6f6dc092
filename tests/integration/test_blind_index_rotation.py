"""Rotating the blind-index (HMAC) key while events keep arriving: every identifier is re-keyed
under the new kid, nothing is lost or duplicated, everything stays readable, and nothing
hashed under the old key is left in the graph or the key store."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.ports.review import NewSuggestion
from app.services.identity.ingestion import KeysMoved, WriteMode
from app.services.identity.keys import IdentifierKey
from app.services.identity.rekeying import RekeyProgress
from app.settings import Settings
from tests.identity_checks import partition, profile_id
from tests.messages import message
from tests.services import REPO
from tests.subprocess_env import process_env
from workers.jobs import rotate_blind_index

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0
PEOPLE = 40
NEWCOMERS = 15
NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()


def person(i: int, at: float) -> list[Any]:
    """An identify (user, anonymous id, e-mail, name), a second e-mail seen on a track, and
    two more tracks."""
    return [
        message(
            "identify",
            user=f"u-{i}",
            anon=f"a-{i}",
            email=f"p{i}@example.com",
            traits={"name": f"Person {i}"},
            at=at,
        ),
        message("track", anon=f"a-{i}", properties={"n": i}, at=at + 1),
        message("track", user=f"u-{i}", properties={"n": i, "k": 2}, at=at + 2),
    ]


def comeback(i: int, at: float) -> list[Any]:
    """The same person again during the rotation, with the same e-mail and a new event."""
    return [message("track", anon=f"a-{i}", email=f"p{i}@example.com", at=at)]


@pytest_asyncio.fixture
async def rotated(container: Container, settings: Settings) -> AsyncIterator[Container]:
    """The same workspace with a new current kid `k2`, the old key listed after it."""
    keys = f"k2:{NEW_KEY},{settings.hmac_keys.get_secret_value()}"
    built = await build_container(settings.model_copy(update={"hmac_keys": SecretStr(keys)}))
    try:
        yield built
    finally:
        await built.close()


async def _identifier_keys(container: Container) -> list[str]:
    return [
        str(r["key"])
        for r in await container.graph.read("identity/partition", ws=container.settings.workspace)
    ]


async def _all_text(container: Container) -> str:
    rows = await container.graph.read("admin/all_properties")
    return "\n".join(str(v) for row in rows for v in row["props"].values())


async def _snapshot(container: Container, people: range) -> dict[str, Any]:
    """Per person: identifier values, golden record and decrypted event payloads."""
    seen: dict[str, Any] = {}
    for i in people:
        pid = await profile_id(container, "user_id", f"u-{i}")
        assert await profile_id(container, "email", f"p{i}@example.com") == pid
        assert await profile_id(container, "anonymous_id", f"a-{i}") == pid
        idents = sorted((v.type, v.value) for v in await container.profiles.identifiers(pid))
        export = await container.exporter.export_profile(pid)
        events = sorted((e["id"], repr(e["payload"]["properties"])) for e in export["events"])
        seen[f"u-{i}"] = {
            "identifiers": idents,
            "traits": await container.profiles.traits(pid),
            "events": events,
        }
    return seen


async def _rotate_while_people_keep_coming(rotated: Container) -> None:
    """People known under k1 come back, and newcomers arrive, all through the rotated
    container, while the rotation runs; it settles, and its steps only go down."""

    async def keep_ingesting() -> None:
        for i in range(NEWCOMERS):
            await rotated.ingestion.ingest(comeback(i, T0 + 1000 + i))
            await rotated.ingestion.ingest(person(PEOPLE + i, T0 + 2000 + 10 * i))
            await asyncio.sleep(0)

    steps: list[RekeyProgress] = []

    async def report(progress: RekeyProgress) -> None:
        steps.append(RekeyProgress(**progress.__dict__))

    result, _ = await asyncio.gather(
        rotated.rekeying.run(step=4, event_page=5, report=report), keep_ingesting()
    )
    assert result.settled and result.remaining == 0 and result.set_aside == 0
    assert result.renamed == 3 * PEOPLE and result.blocked == 0
    assert len(steps) > 5 and steps[-1].remaining == 0
    # Each step reports fewer identifiers left, never more (comebacks add no k1 identifier).
    assert [s.remaining for s in steps] == sorted((s.remaining for s in steps), reverse=True)


async def _everyone_is_under_k2_once(rotated: Container) -> None:
    """No duplicate node for a value seen again mid-way."""
    keys = await _identifier_keys(rotated)
    assert {IdentifierKey.parse(k).kid for k in keys} == {"k2"}
    assert len(keys) == 3 * (PEOPLE + NEWCOMERS)
    groups = await partition(rotated)
    assert len(groups) == PEOPLE + NEWCOMERS and all(len(g) == 3 for g in groups)


def _nothing_is_lost(before: dict[str, Any], after: dict[str, Any]) -> None:
    """The same identifiers and traits, every event kept, and the comebacks' new events."""
    for i in range(PEOPLE):
        was, now = before[f"u-{i}"], after[f"u-{i}"]
        assert now["identifiers"] == was["identifiers"]
        assert now["traits"] == was["traits"]
        fresh = [e for e in now["events"] if e not in was["events"]]
        assert set(was["events"]) <= set(now["events"])
        assert len(fresh) == (1 if i < NEWCOMERS else 0)
    for i in range(PEOPLE, PEOPLE + NEWCOMERS):
        assert len(after[f"u-{i}"]["events"]) == 3
        assert after[f"u-{i}"]["traits"]["email"] == f"p{i}@example.com"


async def _nothing_under_k1_is_left(rotated: Container, old_keys: list[str]) -> list[Any]:
    """Not in any property, not in the key store; returns the evidence edges' counts."""
    text = await _all_text(rotated)
    assert not [k for k in old_keys if IdentifierKey.parse(k).hash in text]
    assert not await rotated.ingestion.sealer.data_keys(old_keys, create=False)
    owners = await rotated.ingestion.sealer.owners("", 100_000)
    assert not [o for o in owners if ":k1:" in o]
    # Evidence edges still run from the smaller key to the larger.
    links = await rotated.graph.read("identity/link_counts", ws=rotated.settings.workspace)
    assert links and all(r["a"] < r["b"] for r in links)
    return links


async def _a_replay_once_settled_adds_nothing(
    rotated: Container, identify: list[Any], links: list[Any]
) -> None:
    """Settled: ingestion stops looking under k1, and a replayed identify adds no evidence."""
    rotated.ingestion.recheck_rotation()
    assert not await rotated.ingestion.rotation.pending()
    counts = {(r["a"], r["b"], r["rule"]): r["count"] for r in links}
    replay = await rotated.ingestion.ingest(identify)
    assert replay.stored == 0 and replay.duplicates == 1
    again = await rotated.graph.read("identity/link_counts", ws=rotated.settings.workspace)
    assert {(r["a"], r["b"], r["rule"]): r["count"] for r in again} == counts


async def test_rotation_under_ingestion_re_keys_everything_and_loses_nothing(
    container: Container, rotated: Container
) -> None:
    sent = [person(i, T0 + 10 * i) for i in range(PEOPLE)]
    for messages in sent:
        await container.ingestion.ingest(messages)
    before = await _snapshot(container, range(PEOPLE))
    old_keys = await _identifier_keys(container)
    assert {IdentifierKey.parse(k).kid for k in old_keys} == {"k1"}

    await _rotate_while_people_keep_coming(rotated)
    await _everyone_is_under_k2_once(rotated)
    _nothing_is_lost(before, await _snapshot(rotated, range(PEOPLE + NEWCOMERS)))
    links = await _nothing_under_k1_is_left(rotated, old_keys)
    await _a_replay_once_settled_adds_nothing(rotated, sent[0][:1], links)


async def test_a_run_that_dies_is_finished_by_the_next(
    container: Container, rotated: Container
) -> None:
    for i in range(12):
        await container.ingestion.ingest(person(i, T0 + 10 * i))
    before = await _snapshot(container, range(12))
    old_keys = set(await _identifier_keys(container))

    class Died(Exception):
        pass

    async def die_after_two(progress: RekeyProgress) -> None:
        if progress.renamed >= 6:
            raise Died

    with pytest.raises(Died):
        await rotated.rekeying.run(step=2, event_page=2, report=die_after_two)
    remaining, _ = await rotated.rekeying.remaining()
    assert 0 < remaining < 36
    # A batch sealed for the keys its identifiers had before the rotation moved them is
    # refused under the lock, and the next attempt finds them under their new keys.
    kids = {
        i: IdentifierKey.parse(str(await rotated.curation.find_key("anonymous_id", f"a-{i}"))).kid
        for i in range(12)
    }
    moved = min(i for i, kid in kids.items() if kid == "k2")
    late = comeback(moved, T0 + 500)
    with pytest.raises(KeysMoved):
        await rotated.ingestion.write_batch(late, WriteMode(rotating=True), old_keys)
    assert (await rotated.ingestion.ingest(late)).stored == 1
    before[f"u-{moved}"]["events"] = None  # one more event now
    # The job carries on where the dead run stopped, and records its progress in Valkey.
    result = await rotate_blind_index({"container": rotated}, step=3)
    assert result["settled"] == 1 and result["remaining"] == 0
    progress = await rotated.redis.hgetall(  # type: ignore[misc]
        f"cdp:{rotated.settings.workspace}:rotation:blind_index"
    )
    assert progress[b"remaining"] == b"0"
    after = await _snapshot(rotated, range(12))
    assert len(after[f"u-{moved}"]["events"]) == 4
    after[f"u-{moved}"]["events"] = None
    assert after == before
    assert len(await _identifier_keys(rotated)) == 36


async def test_an_identifier_that_cannot_be_opened_is_set_aside_and_the_rest_goes_on(
    container: Container, rotated: Container
) -> None:
    for i in range(6):
        await container.ingestion.ingest(person(i, T0 + 10 * i))
    key = await container.curation.find_key("email", "p3@example.com")
    assert key is not None
    await container.ingestion.sealer.forget([key])  # as if its data key were lost

    result = await rotated.rekeying.run(step=2)
    assert (result.blocked, result.set_aside, result.remaining) == (1, 1, 1)
    assert not result.settled and result.renamed == 17
    assert await rotated.ingestion.rotation.pending()
    # Its profile's other identifiers moved; the set-aside one is still found under k1.
    assert await rotated.curation.find_key("email", "p3@example.com") == key
    assert await profile_id(rotated, "user_id", "u-3") == await profile_id(
        rotated, "email", "p3@example.com"
    )
    # Another run does not try it again unless asked, and then reports it again.
    again = await rotated.rekeying.run(retry_set_aside=True)
    assert (again.renamed, again.blocked, again.remaining) == (0, 1, 1)


async def test_an_erasure_in_progress_keeps_its_subject_and_a_later_run_settles(
    container: Container, rotated: Container
) -> None:
    for i in range(4):
        await container.ingestion.ingest(person(i, T0 + 10 * i))

    async def later(request_id: str) -> None:
        return None

    request = await container.erasure.request("user_id", "u-1", "dpo", "", later)
    # Planned and suppressed (the erasure's first transaction), not yet deleted.
    plan = await container.erasure.start(request.id, await profile_id(container, "user_id", "u-1"))
    result = await rotated.rekeying.run(step=10)
    assert result.renamed == 9 and result.remaining == 3 and not result.settled
    # The erasure finishes under the keys it planned: nothing of the subject is left.
    await rotated.erasure.run(request.id)
    assert await rotated.curation.find_key("user_id", "u-1") is None
    assert not await rotated.ingestion.sealer.data_keys(plan.erase_keys, create=False)
    final = await rotated.rekeying.run()
    assert final.settled and final.remaining == 0
    # Still suppressed under k1 after the rotation: a late event naming her is dropped.
    late = await rotated.ingestion.ingest([message(email="p1@example.com", anon="late", at=T0)])
    assert (late.stored, late.suppressed) == (0, 1)


async def _cdp(settings: Settings, *args: str) -> tuple[int, str]:
    keys = f"k2:{NEW_KEY},{settings.hmac_keys.get_secret_value()}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.entrypoints.cli",
        *args,
        env=process_env(settings, CDP_HMAC_KEYS=keys),
        cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_command_line_rotates_and_says_what_is_left(
    container: Container, rotated: Container, settings: Settings
) -> None:
    for i in range(5):
        await container.ingestion.ingest(person(i, T0 + 10 * i))
    key = await container.curation.find_key("user_id", "u-2")
    assert key is not None
    await container.ingestion.sealer.forget([key])
    code, out = await _cdp(settings, "rotate-blind-index", "--step", "2")
    assert code == 1, out
    assert "re-keyed 14 identifier(s)" in out and "1 identifier(s) remain" in out
    assert "u-2" not in out and key not in out  # counts and reasons only
    # Once the identifier is gone (here: its profile erased), a run settles the workspace.
    request = await rotated.erasure.request_profile(
        await profile_id(rotated, "email", "p2@example.com"), "dpo", "", _later
    )
    await rotated.erasure.run(request.id)
    code, out = await _cdp(settings, "rotate-blind-index")
    assert code == 0, out
    assert "every identifier is keyed under k2" in out


async def _later(request_id: str) -> None:
    return None


async def test_devices_move_with_the_identifiers_that_name_them(
    container: Container, rotated: Container
) -> None:
    web = message("page", anon="web-1", at=T0)
    web = dataclasses.replace(web, context={"userAgent": "Mozilla/5.0 (X11; Linux x86_64)"})
    phone = message("identify", user="u-phone", device="phone-1", at=T0 + 1)
    await container.ingestion.ingest([web, phone])
    pid = await profile_id(container, "user_id", "u-phone")
    before = (await container.devices.devices_of([pid]))[pid]
    assert [(d.kind, d.events) for d in before] == [("device", 1)]
    assert ":k1:" in before[0].key

    result = await rotated.rekeying.run(step=10, event_page=5)
    assert result.settled and result.renamed == 3
    # The devices' keys derive from their identifiers' keys: they moved to k2 with them, so
    # the phone seen again is the same device, and nothing hashed under k1 is left.
    await rotated.ingestion.ingest([message(user="u-phone", device="phone-1", at=T0 + 2)])
    after = (await rotated.devices.devices_of([pid]))[pid]
    assert [(d.kind, d.events, d.first_seen) for d in after] == [("device", 2, T0 + 1)]
    assert ":k2:" in after[0].key
    assert not [k for k in await _identifier_keys(rotated) if ":k1:" in k]
    assert IdentifierKey.parse(before[0].key).hash not in await _all_text(rotated)


async def test_review_suggestions_are_named_again_by_the_new_keys(
    container: Container, rotated: Container
) -> None:
    """A question filed (or decided) about identifiers keeps being that question after the
    rotation: its subject names the new keys, so it is never filed again."""
    await container.ingestion.ingest(
        [
            message("identify", user="mum", anon="a-mum", email="home@example.org", at=T0),
            message("identify", user="dad", anon="a-dad", email="home@example.org", at=T0 + 1),
        ]
    )
    keys = {u: await container.curation.find_key("user_id", u) for u in ("mum", "dad")}
    mum, dad = str(keys["mum"]), str(keys["dad"])
    rows = [
        NewSuggestion(
            "s-1", "contended_identifier", f"contended:{dad}|{mum}", identifiers=(dad, mum)
        ),
        NewSuggestion("s-2", "generic_value", f"generic:{mum}", identifiers=(mum,)),
        NewSuggestion("s-3", "bot_suspect", f"bot:{mum}", identifiers=(mum,)),
        NewSuggestion("s-4", "profile_at_cap", f"at_cap:{dad}", identifiers=(dad,)),
    ]
    store = container.conflict_sweep.store
    assert await store.file(rows, T0) == 4

    assert (await rotated.rekeying.run(step=10, event_page=5)).settled
    new = {u: str(await rotated.curation.find_key("user_id", u)) for u in ("mum", "dad")}
    assert ":k2:" in new["mum"] and ":k2:" in new["dad"]
    pair = "|".join(sorted(new.values()))
    renamed = {
        f"contended:{pair}",
        f"generic:{new['mum']}",
        f"bot:{new['mum']}",
        f"at_cap:{new['dad']}",
    }
    assert await rotated.conflict_sweep.store.filed(sorted(renamed)) == renamed
    old = {r.subject for r in rows}
    assert await rotated.conflict_sweep.store.filed(sorted(old)) == set()
