"""Who may do what through GraphQL: every role against every sensitive field and mutation,
over real HTTP, with hashed API keys from the graph, an expired key and a revoked one."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.bootstrap import Container
from app.domain.access import ROLE_CAPABILITIES, Capability, Role
from app.services.access.apikeys import ApiKeyService
from tests.messages import message

pytestmark = pytest.mark.integration

IDENT = {"type": "user_id", "value": "acl-user"}
#: (name, operation, variables, capability needed)
OPERATIONS: list[tuple[str, str, dict[str, Any], Capability]] = [
    ("profile", "query($id:String!){profile(id:$id){id}}", {"id": "p"}, Capability.READ),
    (
        "profileByIdentifier",
        'query{profileByIdentifier(type:"user_id",value:"acl-user"){id}}',
        {},
        Capability.READ,
    ),
    (
        "explainLink",
        "query($a:IdentifierInput!){explainLink(a:$a,b:$a){connected}}",
        {"a": IDENT},
        Capability.READ,
    ),
    ("sources", "{sources{id}}", {}, Capability.READ),
    ("viewer", "{viewer{role}}", {}, Capability.READ),
    ("ingestion", "{ingestion{pending}}", {}, Capability.READ),
    ("ingestionSeries", "{ingestionSeries(minutes:5){at}}", {}, Capability.READ),
    ("apiKeys", "{apiKeys{id}}", {}, Capability.ADMIN),
    (
        "createApiKey",
        'mutation{createApiKey(name:"acl-made",role:"viewer"){__typename}}',
        {},
        Capability.ADMIN,
    ),
    ("revokeApiKey", 'mutation{revokeApiKey(id:"nope"){__typename}}', {}, Capability.ADMIN),
    ("traitSchema", "{traitSchema{version}}", {}, Capability.READ),
    ("purposes", "{purposes{name}}", {}, Capability.READ),
    ("segments", "{segments{name}}", {}, Capability.READ),
    ("journeys", "{journeys{name}}", {}, Capability.READ),
    ("destinations", "{destinations{name}}", {}, Capability.READ),
    ("plugins", "{plugins{broken{name}}}", {}, Capability.ADMIN),
    (
        "setJourneyActive",
        'mutation{setJourneyActive(name:"nope",active:true){__typename}}',
        {},
        Capability.SEGMENTS,
    ),
    (
        "saveSegment",
        'mutation{saveSegment(definition:{name:"acl",condition:{identifier:"email"}}){__typename}}',
        {},
        Capability.SEGMENTS,
    ),
    (
        "unlinkIdentifier",
        "mutation($i:IdentifierInput!){unlinkIdentifier(identifier:$i){__typename}}",
        {"i": {"type": "user_id", "value": "nobody"}},
        Capability.CURATE,
    ),
    (
        "blockIdentifier",
        "mutation($i:IdentifierInput!){blockIdentifier(identifier:$i){__typename}}",
        {"i": {"type": "user_id", "value": "nobody"}},
        Capability.CURATE,
    ),
    ("suggestions", "{suggestions{id}}", {}, Capability.READ),
    ("suggestion", 'query{suggestion(id:"nope"){id}}', {}, Capability.READ),
    (
        "acceptSuggestion",
        'mutation{acceptSuggestion(id:"nope"){__typename}}',
        {},
        Capability.CURATE,
    ),
    (
        "dismissSuggestion",
        'mutation{dismissSuggestion(id:"nope"){__typename}}',
        {},
        Capability.CURATE,
    ),
    (
        "mergeProfiles",
        'mutation{mergeProfiles(ids:["a","b"],reason:"x"){__typename}}',
        {},
        Capability.CURATE,
    ),
    (
        "setTrait",
        'mutation{setTrait(profileId:"p",name:"plan",value:"pro"){__typename}}',
        {},
        Capability.CURATE,
    ),
    (
        "setConsent",
        'mutation{setConsent(profileId:"p",purpose:"marketing",granted:true){__typename}}',
        {},
        Capability.PRIVACY,
    ),
    (
        "previewErasure",
        "query($i:IdentifierInput!){previewErasure(identifier:$i){__typename}}",
        {"i": {"type": "user_id", "value": "nobody"}},
        Capability.PRIVACY,
    ),
    (
        "eraseSubject",
        "mutation($i:IdentifierInput!){eraseSubject(identifier:$i){__typename}}",
        {"i": {"type": "user_id", "value": "nobody"}},
        Capability.PRIVACY,
    ),
    (
        "exportSubject",
        "mutation($i:IdentifierInput!){exportSubject(identifier:$i){__typename}}",
        {"i": {"type": "user_id", "value": "nobody"}},
        Capability.PRIVACY,
    ),
    ("auditLog", "{auditLog{id}}", {}, Capability.PRIVACY),
    ("erasures", "{erasures{id}}", {}, Capability.PRIVACY),
    (
        "createSource",
        'mutation{createSource(name:"acl"){__typename}}',
        {},
        Capability.ADMIN,
    ),
    (
        "rotateWriteKey",
        'mutation{rotateWriteKey(sourceId:"nope"){__typename}}',
        {},
        Capability.ADMIN,
    ),
    (
        "updateTraitSchema",
        "mutation{updateTraitSchema(schema:{bogus:1}){__typename}}",
        {},
        Capability.ADMIN,
    ),
]


async def _post(api_url: str, query: str, variables: dict[str, Any], key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=api_url) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def keys(container: Container) -> dict[str, str]:
    made = {}
    for role in Role:
        made[role.value] = (await container.apikeys.create(f"acl-{role}", role, None)).secret
    past = ApiKeyService(container.apikeys.store, "unused", clock=lambda: time.time() - 2 * 86_400)
    made["expired"] = (await past.create("acl-expired", "admin", 1)).secret
    revoked = await container.apikeys.create("acl-revoked", "admin", None)
    await container.apikeys.revoke(revoked.key.id)
    made["revoked"] = revoked.secret
    return made


async def test_every_role_against_every_sensitive_operation(
    container: Container, api_url: str, keys: dict[str, str]
) -> None:
    await container.ingestion.ingest([message(user="acl-user")])
    table: dict[tuple[str, str], str] = {}
    for caller, key in [*keys.items(), ("anonymous", "")]:
        for name, query, variables, _ in OPERATIONS:
            body = await _post(api_url, query, variables, key or None)
            errors = [e["message"] for e in body.get("errors") or []]
            if any(m.startswith("Unauthorized") for m in errors):
                table[(caller, name)] = "unauthorized"
            elif any(m.startswith("Forbidden") for m in errors):
                table[(caller, name)] = "forbidden"
            else:
                assert not errors, (caller, name, errors)
                table[(caller, name)] = "allowed"
    expected: dict[tuple[str, str], str] = {}
    for name, _, _, capability in OPERATIONS:
        for role in Role:
            allowed = capability in ROLE_CAPABILITIES[role]
            expected[(role.value, name)] = "allowed" if allowed else "forbidden"
        for caller in ("expired", "revoked", "anonymous"):
            expected[(caller, name)] = "unauthorized"
    assert table == expected
    # Without credentials only `health` answers.
    health = await _post(api_url, "{health{status}}", {}, None)
    assert health["data"]["health"]["status"] in ("ok", "degraded")


async def test_the_viewer_query_names_the_callers_key_role_and_capabilities(
    api_url: str, keys: dict[str, str]
) -> None:
    for role in Role:
        body = await _post(api_url, "{viewer{keyName role capabilities}}", {}, keys[role.value])
        assert body["data"]["viewer"] == {
            "keyName": f"acl-{role}",
            "role": role.value,
            "capabilities": sorted(c.value for c in ROLE_CAPABILITIES[role]),
        }


async def test_personal_values_are_masked_for_roles_without_read_pii(
    container: Container, api_url: str, keys: dict[str, str]
) -> None:
    await container.ingestion.ingest(
        [
            message(
                "identify",
                user="mask-u",
                email="jane.doe@example.com",
                traits={"first_name": "Jane"},
            )
        ]
    )
    query = """query{profileByIdentifier(type:"email",value:"jane.doe@example.com"){
      identifiers{type value} traits trait(name:"email"){winner{value}}}}"""
    seen = {}
    for role in Role:
        body = await _post(api_url, query, {}, keys[role.value])
        profile = body["data"]["profileByIdentifier"]
        emails = [i["value"] for i in profile["identifiers"] if i["type"] == "email"]
        seen[role.value] = (
            emails[0],
            profile["traits"]["first_name"],
            profile["trait"]["winner"]["value"],
        )
    clear = ("jane.doe@example.com", "Jane", "jane.doe@example.com")
    for role in Role:
        if Capability.READ_PII in ROLE_CAPABILITIES[role]:
            assert seen[role.value] == clear
        else:
            email, name, winner = seen[role.value]
            assert email.endswith("@example.com") and "jane.doe" not in email
            assert name != "Jane" and "jane.doe" not in winner
    # Only decrypted reads are audited, under the reader's role and name.
    reads = [e for e in await container.audit.entries(action="pii.read")]
    assert {e.actor for e in reads} == {"privacy_officer:acl-privacy_officer", "admin:acl-admin"}


async def _bad_keys_get_typed_answers(api_url: str, analyst: str, email_key: str) -> None:
    """A key that names nothing here, both names at once, or neither: typed answers."""
    unknown = await _post(
        api_url,
        "mutation($k:String!){blockIdentifier(key:$k){"
        "__typename ... on IdentifierNotFound{message}}}",
        {"k": "not-a-key"},
        analyst,
    )
    assert unknown["data"]["blockIdentifier"] == {
        "__typename": "IdentifierNotFound",
        "message": "no identifier with that key in this workspace",
    }
    both = await _post(
        api_url,
        "mutation($k:String!,$i:IdentifierInput!){unlinkIdentifier(key:$k,identifier:$i){"
        "__typename ... on InvalidIdentifier{message}}}",
        {"k": email_key, "i": {"type": "email", "value": "ann@example.com"}},
        analyst,
    )
    assert both["data"]["unlinkIdentifier"] == {
        "__typename": "InvalidIdentifier",
        "message": "give identifier (type and value) or key, not both",
    }
    too_long = await _post(
        api_url,
        "mutation($k:String!){blockIdentifier(key:$k){"
        "__typename ... on InvalidIdentifier{message}}}",
        {"k": "k" * 600},
        analyst,
    )
    assert too_long["data"]["blockIdentifier"] == {
        "__typename": "InvalidIdentifier",
        "message": "key: not an identifier key",
    }
    neither = await _post(
        api_url,
        "mutation{unblockIdentifier{__typename ... on InvalidIdentifier{message}}}",
        {},
        analyst,
    )
    assert neither["data"]["unblockIdentifier"]["__typename"] == "InvalidIdentifier"


async def test_an_analyst_unlinks_and_blocks_by_key_what_it_sees_masked(
    container: Container, api_url: str, keys: dict[str, str]
) -> None:
    """The analyst role may curate but not read personal values: it names an identifier by
    the key every role sees, and the graph splits as it would for a value."""
    await container.ingestion.ingest(
        [message("identify", anon="shared-tablet", user="key-u1", email="ann@example.com")]
    )
    analyst = keys[Role.ANALYST.value]
    read = """query{profileByIdentifier(type:"user_id",value:"key-u1"){
      id identifiers{key type value}}}"""
    profile = (await _post(api_url, read, {}, analyst))["data"]["profileByIdentifier"]
    by_type = {i["type"]: i for i in profile["identifiers"]}
    email = next(i for i in profile["identifiers"] if i["type"] == "email")
    assert "@example.com" in email["value"] and "ann" not in email["value"]
    assert by_type["anonymous_id"]["key"].startswith(f"{container.settings.workspace}:")
    assert set(by_type) == {"anonymous_id", "user_id", "email"}

    unlink = """mutation($k:String!){unlinkIdentifier(key:$k,reason:"shared tablet"){
      __typename ... on Unlinked{profileId splitProfiles}}}"""
    done = (await _post(api_url, unlink, {"k": by_type["anonymous_id"]["key"]}, analyst))["data"]
    assert done["unlinkIdentifier"]["__typename"] == "Unlinked"
    assert done["unlinkIdentifier"]["splitProfiles"]
    person = await container.profiles.profile_by_identifier("user_id", "key-u1")
    tablet = await container.profiles.profile_by_identifier("anonymous_id", "shared-tablet")
    assert person is not None and person.id == profile["id"]
    assert tablet is not None and tablet.id != person.id
    assert done["unlinkIdentifier"]["profileId"] == tablet.id  # where the identifier went

    block = "mutation($k:String!){blockIdentifier(key:$k){__typename ... on Blocked{blocked}}}"
    blocked = await _post(api_url, block, {"k": email["key"]}, analyst)
    assert blocked["data"]["blockIdentifier"] == {"__typename": "Blocked", "blocked": True}
    found = await container.curation.find("email", "ann@example.com")
    assert found is not None and found["blocked"] is True

    await _bad_keys_get_typed_answers(api_url, analyst, email["key"])


async def test_admins_create_list_and_revoke_api_keys_and_never_see_a_secret_again(
    api_url: str, keys: dict[str, str]
) -> None:
    admin = keys["admin"]
    created = await _post(
        api_url,
        "mutation($n:String!,$r:String!,$d:Float){createApiKey(name:$n,role:$r,expiresDays:$d){"
        "__typename ... on ApiKeyCreated{secret key{id name role expiresAt active}}}}",
        {"n": "support desk", "r": "Marketer", "d": 7},
        admin,
    )
    made = created["data"]["createApiKey"]
    assert made["__typename"] == "ApiKeyCreated"
    secret, key = made["secret"], made["key"]
    assert key["name"] == "support desk" and key["role"] == "marketer" and key["active"]
    assert 6.9 * 86_400 < key["expiresAt"] - time.time() <= 7 * 86_400
    # The secret works, with its role.
    viewer = await _post(api_url, "{viewer{keyName role}}", {}, secret)
    assert viewer["data"]["viewer"] == {"keyName": "support desk", "role": "marketer"}
    # Listed with its state, and no answer repeats the secret.
    listed = await _post(
        api_url, "{apiKeys{id name role createdAt expiresAt revoked active}}", {}, admin
    )
    assert secret not in str(listed)
    rows = {k["id"]: k for k in listed["data"]["apiKeys"]}
    assert rows[key["id"]]["active"] and not rows[key["id"]]["revoked"]
    assert {r["name"] for r in rows.values() if not r["active"]} >= {"acl-expired", "acl-revoked"}
    # Revoked: it stops working in the API process at once, and shows as revoked.
    revoke = "mutation($i:String!){revokeApiKey(id:$i){__typename ... on ApiKeyNotFound{message}}}"
    revoked = await _post(api_url, revoke, {"i": key["id"]}, admin)
    assert revoked["data"]["revokeApiKey"]["__typename"] == "ApiKeyRevoked"
    refused = await _post(api_url, "{viewer{role}}", {}, secret)
    assert refused["errors"][0]["message"].startswith("Unauthorized")
    again = await _post(api_url, "{apiKeys{id revoked active}}", {}, admin)
    assert {"id": key["id"], "revoked": True, "active": False} in again["data"]["apiKeys"]
    missing = await _post(api_url, revoke, {"i": "no-such-key"}, admin)
    assert missing["data"]["revokeApiKey"]["__typename"] == "ApiKeyNotFound"


@pytest.mark.parametrize(
    ("name", "role", "days", "problem"),
    [
        ("x", "root", None, "role must be one of"),
        ("", "viewer", None, "name must be"),
        ("x", "viewer", 0, "expires must be"),
        ("x", "viewer", 99_999, "expires must be"),
    ],
)
async def test_a_bad_api_key_request_names_its_problem(
    api_url: str, keys: dict[str, str], name: str, role: str, days: float | None, problem: str
) -> None:
    body = await _post(
        api_url,
        "mutation($n:String!,$r:String!,$d:Float){createApiKey(name:$n,role:$r,expiresDays:$d){"
        "__typename ... on InvalidApiKey{message}}}",
        {"n": name, "r": role, "d": days},
        keys["admin"],
    )
    answer = body["data"]["createApiKey"]
    assert answer["__typename"] == "InvalidApiKey" and problem in answer["message"]
