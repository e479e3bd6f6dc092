"""The workspace matrix's queries (and the review queue's two mutations, asked with them):
`here`'s API asked about `there`'s profiles, identifiers, suggestions, segments, journeys,
destinations, sources, keys, consent and erasures; each answers "not found" or with `here`'s
own things only."""

from __future__ import annotations

import base64

from tests.resilience.workspace_matrix_case import (
    Case,
    equals,
    holds,
    is_error,
    is_null,
    is_type,
    journey_to,
)
from tests.resilience.workspace_matrix_world import SHARED_EMAIL, World


def identity_query_cases(here: World, there: World) -> list[Case]:
    """Profiles, identifiers, links, generic identifiers and suggestions."""
    cursor = base64.urlsafe_b64encode(there.profile.encode()).decode()
    return [
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
    ]  # fmt: skip


def segment_and_journey_query_cases(here: World, there: World) -> list[Case]:
    """Segments and journeys, read and previewed or validated against `there`'s."""
    journey_to_there = journey_to(there)
    return [
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
    ]  # fmt: skip


def operations_query_cases(here: World, there: World, here_pending: int) -> list[Case]:
    """Destinations, plugins, sources, redecisions, ingestion, API keys, traits, purposes."""
    return [
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
    ]  # fmt: skip


def consent_and_erasure_query_cases(here: World, there: World) -> list[Case]:
    """Consent decisions, erasures, the audit log, health and the caller's own key."""
    return [
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
    ]  # fmt: skip
