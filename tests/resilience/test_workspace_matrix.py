"""Every key and id belongs to one workspace, across the whole GraphQL surface.

Two workspaces share one Neo4j and one Valkey, each behind its own API over loopback HTTP, and
hold the same kinds of things: profiles (ingested), sources and write keys, API keys, segments,
journeys, destinations, purposes and consents, erasures and suppressions, audit entries, dead
letters, a trait of their own schema. Every root field of graphql/schema.graphql is read from
the SDL and must be exercised here, each of its arguments too, unless it is allowed below with
the reason it names nothing a workspace owns; a field added to the schema and not covered fails
the test with its name. Each case calls one workspace's API with the other's id, key, name or
identifier and expects "not found" (or the field's normal empty answer); the other workspace's
graph, Valkey keys and data keys must be exactly as they were, and no answer may carry
anything of the other workspace that the request did not itself send. Both directions run.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
import websockets
from graphql import GraphQLObjectType, build_schema
from pydantic import SecretStr

from app.bootstrap import Container, build_container
from app.domain.access import Principal, Role
from app.services.tracking.acceptance import encode_message
from app.settings import Settings
from tests.messages import message
from tests.processes import served

pytestmark = pytest.mark.integration

SDL = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"
THERE = "elsewhere"
#: An e-mail both workspaces hold: each must answer with its own profile.
SHARED_EMAIL = "both.places@example.com"
TESTER = Principal("matrix-admin", "matrix", Role.ADMIN)

#: Root fields that need no case, and why they name nothing a workspace owns.
FIELDS_WITHOUT_REFERENCES: dict[str, str] = {}
#: Arguments no case needs to vary, and why none of them names something a workspace owns.
ARGUMENTS_WITHOUT_REFERENCES: dict[tuple[str, str], str] = {
    ("profiles", "first"): "a page size",
    ("identityGraph", "depth"): "a number of hops",
    ("previewSegment", "sample"): "a sample size",
    ("erasures", "limit"): "a count",
    ("auditLog", "limit"): "a count",
    ("auditLog", "before"): "a time",
    ("unlinkIdentifier", "reason"): "free text kept with the edge",
    ("mergeProfiles", "reason"): "free text kept with the evidence",
    ("track", "waitSeconds"): "a duration",
    ("identify", "waitSeconds"): "a duration",
    ("setSegmentActive", "active"): "a flag",
    ("setJourneyActive", "active"): "a flag",
    ("setDestinationActive", "active"): "a flag",
    ("createSource", "trust"): "a number",
    ("setSourceTrust", "trust"): "a number",
    ("redecisions", "limit"): "a count",
    ("setTrait", "value"): "the value recorded, never looked up",
    ("setConsent", "granted"): "a flag",
    ("setConsent", "expiresAt"): "a time",
    ("setConsent", "source"): "provenance text recorded as given, never looked up",
    ("setPurpose", "description"): "free text",
    ("setPurpose", "defaultGranted"): "a flag",
    ("eraseSubject", "reason"): "free text kept on the request",
    ("setSourceRetention", "days"): "a number of days",
    ("ingestionSeries", "minutes"): "a number of minutes",
    ("genericIdentifiers", "limit"): "a count",
    ("createApiKey", "role"): "a role name",
    ("createApiKey", "expiresDays"): "a number of days",
}


def root_fields() -> dict[str, list[str]]:
    """Every root field of the SDL snapshot (queries, mutations, subscriptions) with the
    names of its arguments."""
    schema = build_schema(SDL.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    for root in roots:
        assert isinstance(root, GraphQLObjectType)
        for name, definition in root.fields.items():
            found[name] = list(definition.args)
    return found


# --- two workspaces -------------------------------------------------------------------------


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


async def _profile_of(container: Container, type: str, value: str) -> str:
    view = await container.profiles.profile_by_identifier(type, value)
    assert view is not None, (type, value)
    return view.id


async def populate(world: World) -> None:
    """The same kinds of things in every workspace; names carry the workspace's tag, and a
    few ("common", the shared e-mail) are the same in both."""
    c, tag = world.container, world.tag
    created = await c.sources.create(world.source_name)
    world.source_id, world.write_key = created.source.id, created.write_key
    src = created.source.id
    _, run = await c.redecisions.set_source_trust(src, 0.7, "matrix")
    world.redecision_id = run.id
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
    world.profile = await _profile_of(c, "user_id", f"{tag}-user")
    world.second = await _profile_of(c, "user_id", f"{tag}-second")
    world.shared = await _profile_of(c, "email", SHARED_EMAIL)
    generic_key = await c.curation.find_key("user_id", f"{tag}-second")
    assert generic_key is not None
    world.generic_key = generic_key
    await c.graph.write("identity/set_generic", rows=[{"key": generic_key, "generic": True}])
    await c.conflict_sweep.sweep()
    (filed,) = await c.review.suggestions("open")
    world.suggestion_id = filed.id
    # A trait only this workspace's schema declares.
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
    # A destination dead letter waiting to be replayed (the destination's Valkey stream).
    await c.redis.xadd(f"cdp:{world.ws}:dest:common:dead", {"i": f"{tag}-item".encode()})
    # A message the resolver gave up on, and one waiting in the stream.
    letter = message(user=f"{tag}-user", event="Dead", source=src)
    await c.stream.dead_letter(src, encode_message(letter), "TestError")
    await c.acceptance.accept(created.source, [message(user=f"{tag}-user", source=src)])
    # A completed erasure: its request, receipt and suppression.

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


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
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


# --- the cases --------------------------------------------------------------------------------


@dataclass
class Case:
    """One call on `here`'s API that names `there`'s things."""

    field: str
    arguments: tuple[str, ...]
    query: str
    variables: dict[str, Any]
    check: Callable[[dict[str, Any]], None]


def _data(name: str) -> Callable[[dict[str, Any]], Any]:
    def get(body: dict[str, Any]) -> Any:
        assert not body.get("errors"), body
        return body["data"][name]

    return get


def is_null(name: str) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        assert _data(name)(body) is None, body

    return check


def is_type(name: str, typename: str, text: str = "") -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        answer = _data(name)(body)
        assert answer["__typename"] == typename, body
        assert text in json.dumps(answer), body

    return check


def equals(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        assert _data(name)(body) == value, body

    return check


def is_error(text: str) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        messages = [e["message"] for e in body.get("errors") or []]
        assert any(text in m for m in messages), body

    return check


def holds(name: str, test: Callable[[Any], bool]) -> Callable[[dict[str, Any]], None]:
    def check(body: dict[str, Any]) -> None:
        assert test(_data(name)(body)), body

    return check


MESSAGE_TYPES = "__typename ... on InvalidMessage{message} ... on SourceNotFound{message}"


def cases(here: World, there: World, here_pending: int, schema: dict[str, Any]) -> list[Case]:
    """The matrix: `here`'s API asked about `there`'s things (`schema`: here's trait schema,
    which one case stores again with a field named like one of there's)."""
    cursor = base64.urlsafe_b64encode(there.profile.encode()).decode()
    journey_to_there = {
        "name": "probe",
        "trigger": {"event": "Signed Up"},
        "start": "send",
        "steps": {
            "send": {
                "type": "action",
                "action": {
                    "kind": "send_to_destination",
                    "destination": there.destination,
                    "purpose": "marketing",
                },
            }
        },
    }
    return [
        # Queries.
        Case("profile", ("id",), "query($id:String!){profile(id:$id){id}}",
             {"id": there.profile}, is_null("profile")),
        Case("profileByIdentifier", ("type", "value"),
             "query($t:String!,$v:String!){profileByIdentifier(type:$t,value:$v){id}}",
             {"t": "user_id", "v": there.user["value"]}, is_null("profileByIdentifier")),
        Case("profileByIdentifier", ("type", "value"),
             "query($t:String!,$v:String!){profileByIdentifier(type:$t,value:$v){id}}",
             {"t": "email", "v": SHARED_EMAIL}, equals("profileByIdentifier", {"id": here.shared})),
        Case("explainLink", ("a", "b"),
             "query($a:IdentifierInput!,$b:IdentifierInput!){explainLink(a:$a,b:$b){"
             "connected profileA profileB path{rule}}}",
             {"a": there.user, "b": there.email},
             is_error("no user_id identifier with that value in this workspace")),
        Case("genericIdentifiers", ("limit",),
             "{genericIdentifiers(limit:1000){key profileId}}", {},
             equals("genericIdentifiers", [{"key": here.generic_key, "profileId": here.second}])),
        Case("suggestions", ("status", "kind", "limit", "offset"),
             "{suggestions(status:null,kind:GENERIC_VALUE,limit:1000,offset:0){id}}", {},
             equals("suggestions", [{"id": here.suggestion_id}])),
        Case("suggestion", ("id",), "query($id:String!){suggestion(id:$id){id}}",
             {"id": there.suggestion_id}, is_null("suggestion")),
        Case("identityReport", (),
             "{identityReport{genericIdentifiers{name count} suggestions{kind status count}}}",
             {}, equals("identityReport", {
                 "genericIdentifiers": [{"name": "user_id", "count": 1}],
                 "suggestions": [{"kind": "GENERIC_VALUE", "status": "OPEN", "count": 1}]})),
        Case("acceptSuggestion", ("id", "note"),
             'mutation($id:String!){acceptSuggestion(id:$id,note:"x"){__typename}}',
             {"id": there.suggestion_id}, is_type("acceptSuggestion", "SuggestionNotFound")),
        Case("dismissSuggestion", ("id", "note"),
             'mutation($id:String!){dismissSuggestion(id:$id,note:"x"){__typename}}',
             {"id": there.suggestion_id}, is_type("dismissSuggestion", "SuggestionNotFound")),
        Case("profiles", ("filter",),
             "query($s:String!){profiles(filter:{segment:$s}){totalCount edges{node{id}}}}",
             {"s": there.segment}, equals("profiles", {"totalCount": 0, "edges": []})),
        Case("profiles", ("filter",),
             "query($t:String!){profiles(filter:{trait:{name:$t,value:\"x\"}}){totalCount}}",
             {"t": there.trait}, is_error("is not a plain (queryable) trait")),
        Case("profiles", ("after",),
             "query($a:String!){profiles(after:$a){edges{node{id}}}}", {"a": cursor},
             holds("profiles", lambda p: all(
                 e["node"]["id"] in {here.profile, here.second, here.shared} for e in p["edges"]
             ))),
        Case("identityGraph", ("profileId",),
             "query($p:String!){identityGraph(profileId:$p){profileId nodes{id}}}",
             {"p": there.profile}, is_null("identityGraph")),
        Case("segments", (), "{segments{name description}}", {},
             holds("segments", lambda s: {x["description"] for x in s} == {here.tag})),
        Case("segment", ("name",), "query($n:String!){segment(name:$n){name}}",
             {"n": there.segment}, is_null("segment")),
        Case("segment", ("name",), "query($n:String!){segment(name:$n){description members}}",
             {"n": "common"}, equals("segment", {"description": here.tag, "members": 2})),
        Case("previewSegment", ("definition",),
             "query($d:JSON!){previewSegment(definition:$d){__typename "
             "... on InvalidSegment{message}}}",
             {"d": {"name": "probe", "condition": {"segment": there.segment}}},
             is_type("previewSegment", "InvalidSegment", "unknown segment")),
        Case("previewSegment", ("definition",),
             "query($d:JSON!){previewSegment(definition:$d){__typename "
             "... on SegmentPreview{total sample}}}",
             {"d": {"name": "probe", "condition": {"identifier": "email"}}},
             holds("previewSegment", lambda p: sorted(p["sample"])
                   == sorted([here.profile, here.shared]) and p["total"] == 2)),
        Case("journeys", (), "{journeys{name description}}", {},
             holds("journeys", lambda j: {x["description"] for x in j} == {here.tag})),
        Case("journey", ("name",), "query($n:String!){journey(name:$n){name}}",
             {"n": there.journey}, is_null("journey")),
        Case("journey", ("name",), "query($n:String!){journey(name:$n){description stats}}",
             {"n": "common"}, equals("journey", {"description": here.tag, "stats": {}})),
        Case("validateJourney", ("definition",),
             "query($d:JSON!){validateJourney(definition:$d){__typename "
             "... on InvalidJourney{message}}}",
             {"d": {**journey_to_there, "trigger": {"segment_entered": there.segment}}},
             is_type("validateJourney", "InvalidJourney", "unknown segment")),
        Case("validateJourney", ("definition",),
             "query($d:JSON!){validateJourney(definition:$d){__typename "
             "... on InvalidJourney{message}}}",
             {"d": journey_to_there},
             is_type("validateJourney", "InvalidJourney", "action.destination")),
        Case("destinations", (), "{destinations{name stats}}", {},
             holds("destinations", lambda d: {x["name"] for x in d}
                   == {here.destination, "common"}
                   and all(x["stats"].get("dead_letters") == 1 for x in d
                           if x["name"] == "common"))),
        Case("plugins", (), "{plugins{destinations{kind} broken{name}}}", {},
             holds("plugins", lambda p: bool(p["destinations"]))),
        Case("sources", (), "{sources{id name}}", {},
             holds("sources", lambda s: there.source_id not in {x["id"] for x in s}
                   and here.source_id in {x["id"] for x in s})),
        Case("redecisions", (), "{redecisions{id}}", {},
             holds("redecisions", lambda r: there.redecision_id not in {x["id"] for x in r}
                   and here.redecision_id in {x["id"] for x in r})),
        Case("redecisions", ("sourceId",),
             "query($s:String!){redecisions(sourceId:$s){id}}",
             {"s": there.source_id}, equals("redecisions", [])),
        Case("ingestion", (), "{ingestion{pending deadLettersWaiting}}", {},
             equals("ingestion", {"pending": here_pending, "deadLettersWaiting": 1})),
        Case("ingestionSeries", (), "{ingestionSeries(minutes:120){accepted deadLettered}}", {},
             holds("ingestionSeries", lambda s: (
                 sum(m["accepted"] for m in s), sum(m["deadLettered"] for m in s)) == (1, 1))),
        Case("apiKeys", (), "{apiKeys{id}}", {},
             holds("apiKeys", lambda k: {x["id"] for x in k} == set(here.api_key_ids))),
        Case("traitSchema", (), "{traitSchema{schema}}", {},
             holds("traitSchema", lambda s: there.trait not in s["schema"]["fields"])),
        Case("purposes", (), "{purposes{name}}", {},
             holds("purposes", lambda p: there.purpose not in {x["name"] for x in p})),
        Case("mayUse", ("profileId",),
             'query($p:String!){mayUse(profileId:$p,purpose:"marketing"){allowed reason}}',
             {"p": there.profile},
             equals("mayUse", {"allowed": False, "reason": "no_decision"})),
        Case("mayUse", ("purpose",),
             "query($p:String!,$u:String!){mayUse(profileId:$p,purpose:$u){allowed reason}}",
             {"p": here.profile, "u": there.purpose},
             equals("mayUse", {"allowed": False, "reason": "no_decision"})),
        Case("previewErasure", ("identifier",),
             "query($i:IdentifierInput!){previewErasure(identifier:$i){__typename}}",
             {"i": there.user}, is_type("previewErasure", "IdentifierNotFound")),
        Case("previewErasure", ("identifier",),
             "query($i:IdentifierInput!){previewErasure(identifier:$i){__typename "
             "... on ErasurePreview{profileId events}}}",
             {"i": {"type": "email", "value": SHARED_EMAIL}},
             equals("previewErasure",
                    {"__typename": "ErasurePreview", "profileId": here.shared, "events": 1})),
        Case("erasure", ("id",), "query($id:String!){erasure(id:$id){id}}",
             {"id": there.erasure_id}, is_null("erasure")),
        Case("erasures", (), "{erasures{id}}", {},
             equals("erasures", [{"id": here.erasure_id}])),
        Case("auditLog", ("action",),
             'query($a:String!){auditLog(action:$a){id target}}', {"a": "matrix.note"},
             equals("auditLog", [{"id": here.audit_id, "target": here.profile}])),
        Case("health", (), "{health{status}}", {}, equals("health", {"status": "ok"})),
        # The caller's own key: nothing of another workspace can be named here.
        Case("viewer", (), "{viewer{role}}", {}, equals("viewer", {"role": "admin"})),
        # Mutations.
        Case("unlinkIdentifier", ("identifier",),
             "mutation($i:IdentifierInput!){unlinkIdentifier(identifier:$i){__typename}}",
             {"i": there.user}, is_type("unlinkIdentifier", "IdentifierNotFound")),
        Case("blockIdentifier", ("identifier",),
             "mutation($i:IdentifierInput!){blockIdentifier(identifier:$i){__typename}}",
             {"i": there.email}, is_type("blockIdentifier", "IdentifierNotFound")),
        Case("unblockIdentifier", ("identifier",),
             "mutation($i:IdentifierInput!){unblockIdentifier(identifier:$i){__typename}}",
             {"i": there.user}, is_type("unblockIdentifier", "IdentifierNotFound")),
        # By key (how a role that sees values masked names one): another workspace's key.
        Case("unlinkIdentifier", ("key",),
             "mutation($k:String!){unlinkIdentifier(key:$k){__typename}}",
             {"k": there.generic_key}, is_type("unlinkIdentifier", "IdentifierNotFound")),
        Case("blockIdentifier", ("key",),
             "mutation($k:String!){blockIdentifier(key:$k){__typename}}",
             {"k": there.generic_key}, is_type("blockIdentifier", "IdentifierNotFound")),
        Case("unblockIdentifier", ("key",),
             "mutation($k:String!){unblockIdentifier(key:$k){__typename}}",
             {"k": there.generic_key}, is_type("unblockIdentifier", "IdentifierNotFound")),
        Case("mergeProfiles", ("ids",),
             'mutation($ids:[String!]!){mergeProfiles(ids:$ids,reason:"x"){__typename}}',
             {"ids": [here.profile, there.profile]},
             is_type("mergeProfiles", "ProfileNotFound")),
        Case("mergeProfiles", ("ids",),
             'mutation($ids:[String!]!){mergeProfiles(ids:$ids,reason:"x"){__typename}}',
             {"ids": [there.profile, there.second]},
             is_type("mergeProfiles", "ProfileNotFound")),
        Case("track", ("sourceId",),
             "mutation($m:JSON!,$s:String){track(message:$m,sourceId:$s,waitSeconds:0){"
             + MESSAGE_TYPES + "}}",
             {"m": {"userId": "probe", "event": "E"}, "s": there.source_id},
             is_type("track", "SourceNotFound")),
        Case("identify", ("sourceId",),
             "mutation($m:JSON!,$s:String){identify(message:$m,sourceId:$s,waitSeconds:0){"
             + MESSAGE_TYPES + "}}",
             {"m": {"userId": "probe"}, "s": there.source_id},
             is_type("identify", "SourceNotFound")),
        Case("track", ("message",),
             "mutation($m:JSON!,$s:String){track(message:$m,sourceId:$s,waitSeconds:0){"
             "__typename}}",
             {"m": {"userId": there.user["value"], "event": "E", "writeKey": there.write_key},
              "s": here.source_id},
             is_type("track", "Pending")),
        Case("identify", ("message",),
             "mutation($m:JSON!,$s:String){identify(message:$m,sourceId:$s,waitSeconds:0){"
             "__typename}}",
             {"m": {"userId": there.user["value"], "traits": {"email": there.email["value"]}},
              "s": here.source_id},
             is_type("identify", "Pending")),
        Case("setSegmentActive", ("name",),
             "mutation($n:String!){setSegmentActive(name:$n,active:false){__typename}}",
             {"n": there.segment}, is_type("setSegmentActive", "SegmentNotFound")),
        Case("saveSegment", ("definition",),
             "mutation($d:JSON!){saveSegment(definition:$d){__typename "
             "... on InvalidSegment{message}}}",
             {"d": {"name": "probe", "condition": {"segment": there.segment}}},
             is_type("saveSegment", "InvalidSegment", "unknown segment")),
        Case("saveSegment", ("definition",),
             "mutation($d:JSON!){saveSegment(definition:$d){__typename ... on Segment{"
             "version members}}}",
             {"d": {"name": there.segment, "condition": {"identifier": "phone"}}},
             equals("saveSegment", {"__typename": "Segment", "version": 1, "members": 0})),
        Case("setJourneyActive", ("name",),
             "mutation($n:String!){setJourneyActive(name:$n,active:false){__typename}}",
             {"n": there.journey}, is_type("setJourneyActive", "JourneyNotFound")),
        Case("saveJourney", ("definition",),
             "mutation($d:JSON!){saveJourney(definition:$d){__typename "
             "... on InvalidJourney{message}}}",
             {"d": journey_to_there},
             is_type("saveJourney", "InvalidJourney", "action.destination")),
        Case("saveJourney", ("definition",),
             "mutation($d:JSON!){saveJourney(definition:$d){__typename ... on Journey{"
             "version active}}}",
             {"d": {**journey_to_there, "name": there.journey,
                    "steps": {"send": {"type": "exit"}}}},
             equals("saveJourney", {"__typename": "Journey", "version": 1, "active": False})),
        Case("setDestinationActive", ("name",),
             "mutation($n:String!){setDestinationActive(name:$n,active:true){__typename}}",
             {"n": there.destination}, is_type("setDestinationActive", "DestinationNotFound")),
        Case("replayDestination", ("name",),
             "mutation($n:String!){replayDestination(name:$n)}", {"n": there.destination},
             is_error("no destination with that name")),
        Case("replayDestination", ("name",),
             'mutation{replayDestination(name:"common")}', {},
             equals("replayDestination", 1)),
        Case("saveDestination", ("definition",),
             "mutation($d:JSON!){saveDestination(definition:$d){__typename "
             "... on Destination{active}}}",
             {"d": {"name": there.destination, "kind": "webhook",
                    "config": {"url": "http://127.0.0.1:9/other"}}},
             equals("saveDestination", {"__typename": "Destination", "active": False})),
        Case("setPurpose", ("name",),
             'mutation($n:String!){setPurpose(name:$n,description:"here"){name decisions}}',
             {"n": there.purpose},
             equals("setPurpose", {"name": there.purpose, "decisions": 0})),
        Case("setConsent", ("profileId",),
             "mutation($p:String!){setConsent(profileId:$p,purpose:\"marketing\","
             "granted:false){__typename}}",
             {"p": there.profile}, is_type("setConsent", "ProfileNotFound")),
        Case("setConsent", ("identifier",),
             "mutation($i:IdentifierInput!){setConsent(identifier:$i,purpose:\"marketing\","
             "granted:false){__typename}}",
             {"i": there.email}, is_type("setConsent", "IdentifierNotFound")),
        Case("setConsent", ("purpose",),
             "mutation($p:String!,$u:String!){setConsent(profileId:$p,purpose:$u,"
             "granted:false){__typename ... on ConsentRecorded{profileId}}}",
             {"p": here.profile, "u": there.purpose},
             equals("setConsent", {"__typename": "ConsentRecorded", "profileId": here.profile})),
        Case("createSource", ("name",),
             "mutation($n:String!){createSource(name:$n){__typename}}",
             {"n": there.source_name}, is_type("createSource", "SourceCreated")),
        Case("createApiKey", ("name",),
             'mutation($n:String!){createApiKey(name:$n,role:"viewer"){__typename}}',
             {"n": "matrix-admin"}, is_type("createApiKey", "ApiKeyCreated")),
        Case("revokeApiKey", ("id",),
             "mutation($i:String!){revokeApiKey(id:$i){__typename}}",
             {"i": next(iter(there.api_key_ids), "")}, is_type("revokeApiKey", "ApiKeyNotFound")),
        Case("setSourceTrust", ("sourceId",),
             "mutation($s:String!){setSourceTrust(sourceId:$s,trust:0.9){__typename}}",
             {"s": there.source_id}, is_type("setSourceTrust", "SourceNotFound")),
        Case("rotateWriteKey", ("sourceId",),
             "mutation($s:String!){rotateWriteKey(sourceId:$s){__typename}}",
             {"s": there.source_id}, is_type("rotateWriteKey", "SourceNotFound")),
        Case("setTrait", ("profileId",),
             'mutation($p:String!){setTrait(profileId:$p,name:"plan",value:"free"){'
             "__typename ... on TraitRefused{message}}}",
             {"p": there.profile}, is_type("setTrait", "TraitRefused", "no profile")),
        Case("setTrait", ("name",),
             'mutation($p:String!,$n:String!){setTrait(profileId:$p,name:$n,value:"x"){'
             "__typename ... on TraitRefused{message}}}",
             {"p": here.profile, "n": there.trait},
             is_type("setTrait", "TraitRefused", "not a declared trait")),
        Case("eraseSubject", ("identifier",),
             "mutation($i:IdentifierInput!){eraseSubject(identifier:$i){__typename}}",
             {"i": there.user}, is_type("eraseSubject", "IdentifierNotFound")),
        Case("exportSubject", ("identifier",),
             "mutation($i:IdentifierInput!){exportSubject(identifier:$i){__typename}}",
             {"i": there.email}, is_type("exportSubject", "IdentifierNotFound")),
        Case("exportSubject", ("identifier",),
             "mutation($i:IdentifierInput!){exportSubject(identifier:$i){__typename "
             "... on SubjectExport{document}}}",
             {"i": {"type": "email", "value": SHARED_EMAIL}},
             holds("exportSubject", lambda e: here.shared in json.dumps(e["document"]))),
        Case("eraseSubject", ("identifier",),
             "mutation($i:IdentifierInput!){eraseSubject(identifier:$i){__typename}}",
             {"i": {"type": "email", "value": SHARED_EMAIL}},
             is_type("eraseSubject", "Erasure")),
        Case("unsuppressIdentifier", ("identifier",),
             "mutation($i:IdentifierInput!){unsuppressIdentifier(identifier:$i)}",
             {"i": there.erased}, equals("unsuppressIdentifier", False)),
        Case("setSourceRetention", ("sourceId",),
             "mutation($s:String!){setSourceRetention(sourceId:$s,days:1)}",
             {"s": there.source_id}, is_error("no source with that id in this workspace")),
        Case("updateTraitSchema", ("schema",),
             "mutation($s:JSON!){updateTraitSchema(schema:$s){__typename}}",
             {"s": {**schema, "fields": {**schema["fields"],
                                         there.trait: {"type": "number", "pii": "plain"}}}},
             is_type("updateTraitSchema", "TraitSchemaUpdated")),
    ]  # fmt: skip


async def _graphql(
    client: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )


async def run_matrix(here: World, there: World) -> list[str]:
    """Every case on `here`'s API; returns the fields and arguments exercised."""
    before = await snapshot(there)
    pending = (await here.container.stream.stats())["pending"]
    schema = (await here.container.trait_schemas.current()).to_mapping()
    exercised: list[str] = []
    failures: list[str] = []
    leaks = there.references()
    sent = ""
    async with httpx.AsyncClient(base_url=here.api, timeout=30) as client:
        for case in cases(here, there, pending, schema):
            response = await _graphql(client, here.admin_key, case.query, case.variables)
            # A name sent once may be here's own from then on (createSource, setPurpose...).
            sent += case.query + json.dumps(case.variables)
            held = sorted(r for r in leaks if r and r in response.text and r not in sent)
            try:
                assert response.status_code == 200, response.text
                case.check(response.json())
                assert not held, f"answer holds {held}"
            except AssertionError as exc:
                failures.append(f"{case.field}{list(case.arguments)}: {exc}")
            exercised.append(case.field)
            exercised.extend(f"{case.field}.{a}" for a in case.arguments)
    assert not failures, "\n".join(failures)
    # The erasure of the e-mail both hold runs (as a worker would): here's person only.
    for request_id, _ in await here.container.erasure.open_requests():
        assert (await here.container.erasure.run(request_id)).status == "completed"
    assert await here.container.profiles.profile_by_identifier("email", SHARED_EMAIL) is None
    # There's suppression of its erased identifier does not suppress it here.
    await here.container.ingestion.ingest([message("identify", user=there.erased["value"])])
    assert await here.container.profiles.profile_by_identifier(**there.erased) is not None
    after = await snapshot(there)
    assert _differences(before, after) == [], f"{there.ws} changed"
    return exercised


async def keys_of_one_workspace_are_unknown_to_the_other(here: World, there: World) -> None:
    """API keys and write keys of `there` on `here`'s API: refused, nothing appended."""
    stats = await here.container.stream.stats()
    theirs = [there.admin_key, *there.api_keys.values()]
    track = {"userId": "u", "event": "E"}
    basic = base64.b64encode(f"{there.write_key}:".encode()).decode()
    async with httpx.AsyncClient(base_url=here.api, timeout=30) as client:
        for key in theirs:
            answer = (await _graphql(client, key, "{sources{id}}", {})).json()
            assert answer["errors"][0]["message"].startswith("Unauthorized"), answer
        for path in ("/v1/track", "/v1/batch", "/v1/import"):
            body = track if path == "/v1/track" else {"batch": [{"type": "track", **track}]}
            header = await client.post(path, json=body, headers={"Authorization": f"Basic {basic}"})
            in_body = await client.post(path, json={**body, "writeKey": there.write_key})
            for refused in (header, in_body):
                assert refused.status_code == 401, refused.text
                assert refused.json()["message"] == "write key: unknown"
        settings = await client.get(f"/v1/projects/{there.write_key}/settings")
        assert settings.status_code == 401
    assert await here.container.stream.stats() == stats


async def subscriptions_hear_only_their_workspace(here: World, there: World) -> None:
    """`profileUpdated` on `here`'s API for `there`'s profile hears nothing of its changes,
    while a subscription to `here`'s own profile on the same connection hears its change."""
    query = "subscription($p:String!){profileUpdated(profileId:$p){profileId kind}}"
    url = here.api.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {here.admin_key}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        for sub, pid in (("there", there.profile), ("here", here.profile)):
            payload = {"query": query, "variables": {"p": pid}}
            await ws.send(json.dumps({"id": sub, "type": "subscribe", "payload": payload}))
        frames: list[dict[str, Any]] = []
        for attempt in range(30):  # until the subscriptions are in place
            plan = f"plan_{attempt}"
            await there.container.profiles.set_trait(there.profile, "plan", plan, by="matrix")
            await here.container.profiles.set_trait(here.profile, "plan", plan, by="matrix")
            try:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 1.0)))
                break
            except TimeoutError:
                continue
        try:
            while True:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 0.5)))
        except TimeoutError:
            pass
    assert frames and {f.get("id") for f in frames} == {"here"}, frames
    assert frames[0]["payload"]["data"]["profileUpdated"] == {
        "profileId": here.profile,
        "kind": "traits",
    }


# --- fixtures and the test ---------------------------------------------------------------------


@pytest.fixture
def other_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "workspace": THERE,
            "admin_api_key": SecretStr("elsewhere-admin-key-" + "x" * 24),
        }
    )


@pytest_asyncio.fixture
async def other(other_settings: Settings, container: Container) -> AsyncIterator[Container]:
    """A second workspace on the same Neo4j and Valkey (after `container` wiped both)."""
    built = await build_container(other_settings)
    await built.prepare_graph()
    try:
        yield built
    finally:
        await built.close()


@pytest_asyncio.fixture
async def other_api_url(other_settings: Settings, other: Container) -> AsyncIterator[str]:
    """The second workspace's own API, a real app served by uvicorn over loopback."""
    async with served(other_settings) as url:
        yield url


def exercised(case_list: list[Case]) -> set[str]:
    """Root fields and `field.argument`s the cases exercise, with the subscription's."""
    found = {"profileUpdated", "profileUpdated.profileId"}  # subscriptions_hear_only_...
    for case in case_list:
        found.add(case.field)
        found.update(f"{case.field}.{a}" for a in case.arguments)
    return found


def uncovered(done: set[str]) -> list[str]:
    missing = []
    for name, arguments in root_fields().items():
        if name not in done and name not in FIELDS_WITHOUT_REFERENCES:
            missing.append(name)
        for argument in arguments:
            known = f"{name}.{argument}" in done
            if not known and (name, argument) not in ARGUMENTS_WITHOUT_REFERENCES:
                missing.append(f"{name}({argument})")
    return missing


def test_every_root_field_and_argument_is_covered_or_allowed() -> None:
    """Runs without services: every root field and argument of the SDL has a case or is
    allowed with a reason, and the allow-lists name nothing the schema lacks."""
    fields = root_fields()
    unknown = set(FIELDS_WITHOUT_REFERENCES) - set(fields)
    stale = {f"{f}.{a}" for f, a in ARGUMENTS_WITHOUT_REFERENCES if a not in fields.get(f, [])}
    assert not unknown and not stale, (unknown, stale)
    blank = World(cast(Container, None), "", "x", "")
    missing = uncovered(exercised(cases(blank, blank, 0, {"fields": {}})))
    assert not missing, f"not covered by the workspace matrix: {', '.join(missing)}"


@pytest.mark.timeout(360)  # two workspaces, two APIs, two passes: slow on a busy machine
async def test_no_id_key_or_name_of_one_workspace_reaches_into_another(
    api_url: str,
    other_api_url: str,
    settings: Settings,
    other_settings: Settings,
    container: Container,
    other: Container,
) -> None:
    here = World(container, api_url, "a", settings.admin_api_key.get_secret_value())
    there = World(other, other_api_url, "b", other_settings.admin_api_key.get_secret_value())
    await populate(here)
    await populate(there)
    ran: set[str] = set()
    for one, two in ((here, there), (there, here)):
        await keys_of_one_workspace_are_unknown_to_the_other(one, two)
        ran.update(await run_matrix(one, two))
        await subscriptions_hear_only_their_workspace(one, two)
    ran.update({"profileUpdated", "profileUpdated.profileId"})
    missing = uncovered(ran)
    assert not missing, f"not covered by the workspace matrix: {', '.join(missing)}"
