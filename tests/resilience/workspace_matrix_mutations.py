"""The workspace matrix's mutations: `here`'s API told to change `there`'s identifiers,
profiles, sources, segments, journeys, destinations, purposes, consent, keys, traits and
subjects; each refuses with "not found" or changes only `here`'s own things."""

from __future__ import annotations

import json
from typing import Any

from tests.resilience.workspace_matrix_case import (
    MESSAGE_TYPES,
    Case,
    equals,
    holds,
    is_error,
    is_type,
    journey_to,
)
from tests.resilience.workspace_matrix_world import SHARED_EMAIL, World


def identity_mutation_cases(here: World, there: World) -> list[Case]:
    """Unlinking, blocking and merging `there`'s identifiers (by value and by key) and profiles."""
    return [
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
    ]  # fmt: skip


def message_mutation_cases(here: World, there: World) -> list[Case]:
    """Messages sent to `there`'s source, or naming `there`'s people and write key."""
    return [
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
    ]  # fmt: skip


def definition_mutation_cases(here: World, there: World) -> list[Case]:
    """Segments, journeys and destinations named like `there`'s or pointing at them."""
    journey_to_there = journey_to(there)
    return [
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
    ]  # fmt: skip


def consent_and_key_mutation_cases(here: World, there: World) -> list[Case]:
    """Purposes, consent, sources and API keys of `there`'s."""
    return [
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
    ]  # fmt: skip


def trait_and_subject_mutation_cases(
    here: World, there: World, schema: dict[str, Any]
) -> list[Case]:
    """Traits, subject exports and erasures, suppressions, retention and the trait schema
    (`schema`: here's, stored again with a field named like one of there's)."""
    return [
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
