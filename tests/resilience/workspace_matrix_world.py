"""Two workspaces for the workspace matrix: what each holds (the same kinds of things, named
after its tag), how it is filled, and a snapshot of its graph, Valkey keys and identifiers to
compare before and after the other workspace's API was asked about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.bootstrap import Container
from app.domain.access import Principal, Role
from app.ports.sources import Source
from app.services.tracking.acceptance import encode_message
from tests.messages import message

#: An e-mail both workspaces hold: each must answer with its own profile.
SHARED_EMAIL = "both.places@example.com"
TESTER = Principal("matrix-admin", "matrix", Role.ADMIN)


@dataclass
class World:
    """What one workspace holds, and what its API and keys are."""

    container: Container
    api: str
    tag: str
    admin_key: str
    profile: str = ""
    second: str = ""
    shared: str = ""
    source_id: str = ""
    write_key: str = ""
    api_keys: dict[str, str] = field(default_factory=dict)
    api_key_ids: list[str] = field(default_factory=list)
    erasure_id: str = ""
    audit_id: str = ""
    redecision_id: str = ""
    #: The second person's user id, flagged generic (what the rules caught, per workspace).
    generic_key: str = ""
    #: The review queue's suggestion about it.
    suggestion_id: str = ""

    @property
    def ws(self) -> str:
        return self.container.settings.workspace

    @property
    def user(self) -> dict[str, str]:
        return {"type": "user_id", "value": f"{self.tag}-user"}

    @property
    def email(self) -> dict[str, str]:
        return {"type": "email", "value": f"{self.tag}.person@example.com"}

    @property
    def erased(self) -> dict[str, str]:
        return {"type": "user_id", "value": f"{self.tag}-gone"}

    @property
    def segment(self) -> str:
        return f"seg_{self.tag}"

    @property
    def journey(self) -> str:
        return f"journey_{self.tag}"

    @property
    def destination(self) -> str:
        return f"dest_{self.tag}"

    @property
    def purpose(self) -> str:
        return f"purpose_{self.tag}"

    @property
    def trait(self) -> str:
        return f"{self.tag}_only"

    @property
    def source_name(self) -> str:
        return f"web_{self.tag}"

    def references(self) -> set[str]:
        """Everything of this workspace another's answer must never hold (unless sent)."""
        return {
            self.profile,
            self.second,
            self.shared,
            self.source_id,
            self.write_key,
            *self.api_keys.values(),
            *self.api_key_ids,
            self.erasure_id,
            self.audit_id,
            self.redecision_id,
            self.suggestion_id,
            self.user["value"],
            self.email["value"],
            self.erased["value"],
            f"{self.tag}-second",
            f"{self.tag}-anon",
            self.segment,
            self.journey,
            self.destination,
            self.purpose,
            self.trait,
            self.source_name,
        }


async def profile_of(container: Container, type: str, value: str) -> str:
    view = await container.profiles.profile_by_identifier(type, value)
    assert view is not None, (type, value)
    return view.id


async def populate(world: World) -> None:
    """The same kinds of things in every workspace; names carry the workspace's tag, and a
    few ("common", the shared e-mail) are the same in both."""
    source = await _create_source(world)
    await _ingest_people(world)
    await _declare_trait_keys_and_consent(world)
    await _define_segments_journeys_and_destinations(world)
    await _leave_dead_letters_and_a_waiting_message(world, source)
    await _complete_an_erasure(world)


async def _create_source(world: World) -> Source:
    """The workspace's source and write key, and a redecision run from setting its trust."""
    c = world.container
    created = await c.sources.create(world.source_name)
    world.source_id, world.write_key = created.source.id, created.write_key
    src = created.source.id
    _, run = await c.redecisions.set_source_trust(src, 0.7, "matrix")
    world.redecision_id = run.id
    return created.source


async def _ingest_people(world: World) -> None:
    """Its people (one with the shared e-mail), one user id flagged generic, and the review
    queue's suggestion about it."""
    c, tag, src = world.container, world.tag, world.source_id
    await c.ingestion.ingest(
        [
            message(
                "identify",
                user=f"{tag}-user",
                anon=f"{tag}-anon",
                email=world.email["value"],
                traits={"plan": "pro"},
                source=src,
            ),
            message(user=f"{tag}-user", event="Signed Up", source=src),
            message("identify", user=f"{tag}-second", source=src),
            message("identify", user=f"{tag}-shared", email=SHARED_EMAIL, source=src),
            message("identify", user=f"{tag}-gone", source=src),
        ]
    )
    world.profile = await profile_of(c, "user_id", f"{tag}-user")
    world.second = await profile_of(c, "user_id", f"{tag}-second")
    world.shared = await profile_of(c, "email", SHARED_EMAIL)
    generic_key = await c.curation.find_key("user_id", f"{tag}-second")
    assert generic_key is not None
    world.generic_key = generic_key
    await c.graph.write("identity/set_generic", rows=[{"key": generic_key, "generic": True}])
    await c.conflict_sweep.sweep()
    (filed,) = await c.review.suggestions("open")
    world.suggestion_id = filed.id


async def _declare_trait_keys_and_consent(world: World) -> None:
    """A trait only this workspace's schema declares, its API keys, a purpose of its own and
    a consent decision."""
    c = world.container
    schema = (await c.trait_schemas.current()).to_mapping()
    schema["fields"][world.trait] = {"type": "string", "pii": "plain"}
    await c.trait_schemas.update(schema, by="matrix")
    c.profiles.golden.forget()
    for role in ("admin", "viewer"):
        made = await c.apikeys.create(f"matrix-{role}", role, None)
        world.api_keys[role] = made.secret
        world.api_key_ids.append(made.key.id)
    await c.consent.add_purpose(world.purpose, "only here", True, by="matrix")
    await c.consent.set_consent(
        profile_id=world.profile,
        identifier=None,
        purpose="marketing",
        granted=True,
        expires_at=None,
        source=None,
        by="matrix",
    )


async def _define_segments_journeys_and_destinations(world: World) -> None:
    """A segment, a journey and a destination of its own, and one of each named "common"."""
    c, tag = world.container, world.tag
    for name in (world.segment, "common"):
        segment = {"name": name, "description": tag, "condition": {"identifier": "email"}}
        await c.segments.save(segment, "matrix")
        await c.segments.set_active(name, True)
    for name, trigger in ((world.journey, {"segment_entered": world.segment}), ("common", None)):
        journey = {
            "name": name,
            "description": tag,
            "trigger": trigger or {"event": "Signed Up"},
            "start": "mark",
            "steps": {"mark": {"type": "action", "action": {"kind": "add_tag", "tag": tag}}},
        }
        await c.journeys.save(journey, TESTER)
        await c.journeys.set_active(name, True, TESTER)
    for name in (world.destination, "common"):
        destination = {
            "name": name,
            "kind": "webhook",
            "purpose": "marketing",
            "config": {"url": "http://127.0.0.1:9/hook"},
        }
        await c.destinations.save(destination, "matrix")


async def _leave_dead_letters_and_a_waiting_message(world: World, source: Source) -> None:
    """Dead letters of a destination and of the resolver, and a message waiting in the stream."""
    c, tag, src = world.container, world.tag, source.id
    # A destination dead letter waiting to be replayed (the destination's Valkey stream).
    await c.redis.xadd(f"cdp:{world.ws}:dest:common:dead", {"i": f"{tag}-item".encode()})
    # A message the resolver gave up on, and one waiting in the stream.
    letter = message(user=f"{tag}-user", event="Dead", source=src)
    await c.stream.dead_letter(src, encode_message(letter), "TestError")
    await c.acceptance.accept(source, [message(user=f"{tag}-user", source=src)])


async def _complete_an_erasure(world: World) -> None:
    """A completed erasure (its request, receipt and suppression) and an audit entry."""
    c = world.container

    async def no_worker(request_id: str) -> None:
        return None

    requested = await c.erasure.request(
        "user_id", world.erased["value"], "matrix", "asked", no_worker
    )
    world.erasure_id = (await c.erasure.run(requested.id)).id
    world.audit_id = await c.audit.record("matrix", "matrix.note", world.profile, {"n": 1})


# --- what a workspace holds, to compare ------------------------------------------------------


async def snapshot(world: World) -> dict[str, Any]:
    """The workspace's graph, its Valkey keys with their contents, and its identifiers as
    the key store opens them (an erasure elsewhere must not destroy its data keys)."""
    c = world.container
    nodes = await c.graph.read("admin/workspace_snapshot", ws=world.ws)
    keys: dict[str, Any] = {}
    async for raw in c.redis.scan_iter(match=f"*:{world.ws}:*"):
        name = raw.decode()
        kind = (await c.redis.type(name)).decode()
        if kind == "string":
            value: Any = await c.redis.get(name)
        elif kind == "hash":
            value = sorted((await c.redis.hgetall(name)).items())  # type: ignore[misc]
        elif kind == "stream":
            value = await c.redis.xrange(name)
        elif kind == "list":
            value = await c.redis.lrange(name, 0, -1)  # type: ignore[misc]
        elif kind == "set":
            value = sorted(await c.redis.smembers(name))  # type: ignore[misc]
        elif kind == "zset":
            value = await c.redis.zrange(name, 0, -1, withscores=True)
        else:
            value = kind
        keys[name] = (kind, value)
    ids = [world.profile, world.second, world.shared]
    opened = await c.profiles.identifiers_of(ids)
    identifiers = {pid: sorted((v.type, v.value) for v in views) for pid, views in opened.items()}
    return {"graph": nodes, "valkey": keys, "identifiers": identifiers}


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two snapshots: the nodes and keys, or that identifiers did."""
    found = []
    for part in ("graph", "valkey", "identifiers"):
        if before[part] != after[part]:
            if part == "graph":
                old = {r["node"]: r for r in before[part]}
                new = {r["node"]: r for r in after[part]}
                for node in sorted(set(old) | set(new)):
                    if old.get(node) != new.get(node):
                        changed = new.get(node) or old.get(node) or {}
                        found.append(f"graph: {changed.get('labels')} {node}")
            elif part == "valkey":
                for key in sorted(set(before[part]) | set(after[part])):
                    if before[part].get(key) != after[part].get(key):
                        found.append(f"valkey: {key}")
            else:
                found.append("identifiers: a value no longer opens")
    return found
