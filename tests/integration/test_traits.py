"""Golden records on a real Neo4j: survivorship, provenance, manual edits, merge and split."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bootstrap import Container
from app.services.identity.curated import IdentifierRef
from app.services.profiles.service import TraitSetting
from app.settings import Settings
from tests.identity_checks import profile_id
from tests.messages import message

pytestmark = pytest.mark.integration


async def test_most_recent_email_wins_and_provenance_lists_the_other(
    container: Container,
) -> None:
    await container.ingestion.ingest(
        [message("identify", user="u-1", email="old@example.com", at=100.0)]
    )
    await container.ingestion.ingest(
        [message("identify", user="u-1", email="new@example.com", at=200.0)]
    )
    pid = await profile_id(container, "user_id", "u-1")
    assert (await container.profiles.traits(pid))["email"] == "new@example.com"
    masked = await container.profiles.traits(pid, reveal=False)
    assert masked["email"] == "n***@example.com"
    why = await container.profiles.trait(pid, "email")
    assert why is not None and why.strategy == "most_recent" and why.personal
    assert [c.value for c in why.candidates] == ["new@example.com", "old@example.com"]
    assert why.winner.at == 200.0


async def test_plain_traits_are_queryable_on_the_profile(container: Container) -> None:
    await container.ingestion.ingest(
        [message("identify", user="u-1", traits={"company": "Acme", "tags": ["b", "a"]})]
    )
    await container.ingestion.ingest([message("identify", user="u-1", traits={"tags": ["c"]})])
    pid = await profile_id(container, "user_id", "u-1")
    rows = await container.graph.read(
        "traits/profile_golden", id=pid, ws=container.settings.workspace
    )
    assert rows and rows[0]["golden"]
    traits = await container.profiles.traits(pid)
    assert traits["company"] == "Acme" and traits["tags"] == ["a", "b", "c"]


async def test_a_manual_edit_beats_tracked_values(container: Container) -> None:
    await container.ingestion.ingest([message("identify", user="u-1", traits={"plan": "free"})])
    pid = await profile_id(container, "user_id", "u-1")
    await container.profiles.set_trait(pid, "plan", "enterprise", by="tester")
    await container.ingestion.ingest(
        [message("identify", user="u-1", traits={"plan": "pro"}, at=2_000_000_000.0)]
    )
    why = await container.profiles.trait(pid, "plan")
    assert why is not None and why.strategy == "source_priority"
    assert why.winner.value == "enterprise" and why.winner.source == "manual"
    assert (await container.profiles.traits(pid))["plan"] == "enterprise"


async def test_trait_settings_in_one_transaction_answer_each_on_its_own(
    container: Container,
) -> None:
    """A journey round's set_trait actions are one write: what can be set is set, on every
    profile it names, and each of the others is refused for its own reason."""
    await container.ingestion.ingest(
        [
            message("identify", user="u-1", traits={"plan": "free"}),
            message("identify", user="u-2", traits={"plan": "free"}),
        ]
    )
    ann = await profile_id(container, "user_id", "u-1")
    bob = await profile_id(container, "user_id", "u-2")
    failed = await container.profiles.set_traits(
        [
            TraitSetting(ann, "plan", "pro", "journey:upgrade"),
            TraitSetting(bob, "plan", "business", "journey:upgrade"),
            TraitSetting(bob, "lifetime_value", 120, "journey:upgrade"),
            TraitSetting("no-such-profile", "plan", "pro", "journey:upgrade"),
            TraitSetting(ann, "glove_size_undeclared", 9, "journey:upgrade"),
            TraitSetting(ann, "lifetime_value", "lots", "journey:upgrade"),
            TraitSetting(bob, "email", "x@evil.test", "journey:upgrade", personal_allowed=False),
        ]
    )
    assert [type(f).__name__ for f in failed] == [
        "NoneType",
        "NoneType",
        "NoneType",
        "NotFound",
        "InvalidInput",
        "InvalidInput",
        "Forbidden",
    ]
    assert str(failed[4]) == "glove_size_undeclared: not a declared trait"
    assert str(failed[5]) == "lifetime_value: expected number (finite) (got str)"
    assert str(failed[6]) == ("Forbidden: email is a personal trait; setting it needs 'curate'")
    assert (await container.profiles.traits(ann))["plan"] == "pro"
    bobs = await container.profiles.traits(bob)
    assert (bobs["plan"], bobs["lifetime_value"]) == ("business", 120)
    assert "email" not in bobs and "lifetime_value" not in await container.profiles.traits(ann)
    why = await container.profiles.trait(bob, "plan")
    assert why is not None and why.winner.source == "manual"


async def test_merge_then_split_restores_both_golden_records(container: Container) -> None:
    await container.ingestion.ingest(
        [message("identify", anon="a-1", traits={"company": "Acme", "title": "CTO"}, at=1.0)]
    )
    await container.ingestion.ingest(
        [message("identify", anon="a-2", traits={"company": "Globex"}, at=2.0)]
    )
    p1 = await profile_id(container, "anonymous_id", "a-1")
    p2 = await profile_id(container, "anonymous_id", "a-2")
    before = (await container.profiles.traits(p1), await container.profiles.traits(p2))

    merged = await container.curation.merge_profiles([p1, p2], "same person", "tester")
    assert merged.profile_id == p1
    combined = await container.profiles.traits(p1)
    assert combined["title"] == "CTO" and combined["company"] in {"Acme", "Globex"}

    await container.curation.unlink(
        IdentifierRef.of("anonymous_id", "a-2"), "tester", "not the same after all"
    )
    p2_again = await profile_id(container, "anonymous_id", "a-2")
    after = (await container.profiles.traits(p1), await container.profiles.traits(p2_again))
    assert after == before


async def test_undeclared_and_invalid_traits_are_not_stored(container: Container) -> None:
    await container.ingestion.ingest(
        [message("identify", user="u-1", traits={"shoe_size": 44, "age": "very old"})]
    )
    pid = await profile_id(container, "user_id", "u-1")
    assert await container.profiles.traits(pid) == {}


@st.composite
def trait_events(draw: st.DrawFn) -> list[Any]:
    count = draw(st.integers(min_value=1, max_value=7))
    times = draw(st.lists(st.integers(0, 10**6), min_size=count, max_size=count, unique=True))
    return [
        message(
            "identify",
            user="u-1",
            source=draw(st.sampled_from(["src-a", "src-b"])),
            message_id=f"t-{i}",
            at=float(at),
            traits={
                "company": draw(st.sampled_from(["Acme", "Globex", "Initech"])),
                "email": draw(st.sampled_from(["a@x.org", "b@x.org"])),
                "tags": draw(st.lists(st.sampled_from(["x", "y", "z"]), max_size=2)),
            },
        )
        for i, at in enumerate(times)
    ]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=trait_events(), seed=st.integers(0, 2**32 - 1))
async def test_the_golden_record_does_not_depend_on_arrival_order(
    container: Container, events: list[Any], seed: int
) -> None:
    async def golden(order: list[Any]) -> dict[str, Any]:
        await container.graph.run_auto_commit("admin/wipe_all")
        for event in order:
            await container.ingestion.ingest([event])
        return await container.profiles.traits(await profile_id(container, "user_id", "u-1"))

    expected = await golden(events)
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    assert await golden(shuffled) == expected


async def test_trait_provenance_and_set_trait_over_graphql(
    api_url: str, settings: Settings, container: Container
) -> None:
    await container.ingestion.ingest(
        [message("identify", user="u-1", email="jane@example.com", traits={"plan": "free"})]
    )
    pid = await profile_id(container, "user_id", "u-1")
    headers = {"Authorization": f"Bearer {settings.admin_api_key.get_secret_value()}"}
    set_plan = (
        f'mutation {{ setTrait(profileId: "{pid}", name: "plan", value: "gold") {{ __typename '
        "... on TraitSet { trait { winner { value source } strategy } } "
        "... on TraitRefused { message } } }"
    )
    why_email = (
        f'{{ profile(id: "{pid}") {{ traits trait(name: "email") {{ strategy personal '
        "winner { value source count } candidates { value } } } }"
    )
    bad = f'mutation {{ setTrait(profileId: "{pid}", name: "age", value: "x") {{ __typename }} }}'
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:
        set_body = (await client.post("/graphql", json={"query": set_plan})).json()
        why_body = (await client.post("/graphql", json={"query": why_email})).json()
        bad_body = (await client.post("/graphql", json={"query": bad})).json()
    assert set_body["data"]["setTrait"]["trait"] == {
        "winner": {"value": "gold", "source": "manual"},
        "strategy": "source_priority",
    }
    profile = why_body["data"]["profile"]
    assert profile["traits"]["plan"] == "gold"
    assert profile["trait"]["winner"] == {
        "value": "jane@example.com",
        "source": "src-test",
        "count": 1,
    }
    assert bad_body["data"]["setTrait"]["__typename"] == "TraitRefused"


async def test_unreadable_values_say_why_instead_of_failing(container: Container) -> None:
    await container.ingestion.ingest([message("identify", user="u-1", email="jane@example.com")])
    await container.ingestion.ingest([message("identify", user="u-2", email="john@example.com")])
    p1 = await profile_id(container, "user_id", "u-1")
    p2 = await profile_id(container, "user_id", "u-2")
    ws = container.settings.workspace
    rows = await container.graph.read("admin/observations_of_field", ws=ws, field="email")
    first, second = rows

    # Sealed under another identifier's key (a wrong key), then plainly tampered with.
    await container.graph.write(
        "admin/overwrite_observation_enc", key=first["key"], enc=second["enc"]
    )
    record = await container.profiles.traits(p1)
    assert "integrity" in record["email"]["unavailable"]
    await container.graph.write(
        "admin/overwrite_observation_enc", key=second["key"], enc=second["enc"][:-4] + "AAAA"
    )
    assert "integrity" in (await container.profiles.traits(p2))["email"]["unavailable"]

    # A destroyed data key (erasure) reads as such.
    await container.ingestion.ingest([message("identify", user="u-3", email="ann@example.com")])
    p3 = await profile_id(container, "user_id", "u-3")
    owner = next(
        r["owner"]
        for r in await container.graph.read("admin/observations_of_field", ws=ws, field="email")
        if r["key"] not in {first["key"], second["key"]}
    )
    container.keystore.destroy([owner])
    assert "erased" in (await container.profiles.traits(p3))["email"]["unavailable"]
    why = await container.profiles.trait(p3, "email")
    assert why is not None and "erased" in why.winner.value["unavailable"]


async def test_the_trait_schema_is_edited_through_graphql(
    api_url: str, settings: Settings, container: Container
) -> None:
    headers = {"Authorization": f"Bearer {settings.admin_api_key.get_secret_value()}"}
    read = "{ traitSchema { version schema } }"
    async with httpx.AsyncClient(base_url=api_url, headers=headers) as client:
        before = (await client.post("/graphql", json={"query": read})).json()["data"]
        schema = before["traitSchema"]["schema"]
        assert before["traitSchema"]["version"] == 0 and "shoe_size" not in schema["fields"]
        schema["fields"]["shoe_size"] = {"type": "number", "pii": "plain"}
        update = (
            "mutation($s: JSON!) { updateTraitSchema(schema: $s) { __typename "
            "... on TraitSchemaUpdated { version redecision { reason status sourceId } } "
            "... on InvalidTraitSchema { message } } }"
        )
        ok = await client.post("/graphql", json={"query": update, "variables": {"s": schema}})
        bad_schema = {**schema, "undeclared": "sometimes"}
        bad = await client.post("/graphql", json={"query": update, "variables": {"s": bad_schema}})
        after = (await client.post("/graphql", json={"query": read})).json()["data"]
    assert ok.json()["data"]["updateTraitSchema"] == {
        "__typename": "TraitSchemaUpdated",
        "version": 1,
        # Every stored golden record is decided again under it, in the background.
        "redecision": {"reason": "trait_schema", "status": "waiting", "sourceId": None},
    }
    assert [r.reason for r in await container.redecisions.latest()] == ["trait_schema"]
    refused = bad.json()["data"]["updateTraitSchema"]
    assert refused["__typename"] == "InvalidTraitSchema" and "undeclared" in refused["message"]
    assert after["traitSchema"]["version"] == 1
    assert "shoe_size" in after["traitSchema"]["schema"]["fields"]

    # A fresh process (this test's container) decides with the stored schema.
    await container.ingestion.ingest([message("identify", user="u-1", traits={"shoe_size": 44})])
    pid = await profile_id(container, "user_id", "u-1")
    assert (await container.profiles.traits(pid))["shoe_size"] == 44


async def test_refreshing_golden_records_applies_an_edited_schema(container: Container) -> None:
    await container.ingestion.ingest(
        [message("identify", user="u-1", traits={"plan": "basic"}, at=100.0)]
    )
    await container.ingestion.ingest(
        [message("identify", user="u-1", traits={"plan": "pro"}, at=200.0)]
    )
    pid = await profile_id(container, "user_id", "u-1")
    assert (await container.profiles.traits(pid))["plan"] == "pro"

    schema = (await container.trait_schemas.current()).to_mapping()
    schema["fields"]["plan"] = {"type": "string", "pii": "plain", "strategy": "first_seen"}
    await container.trait_schemas.update(schema, by="tester")
    assert await container.profiles.refresh_golden_records() == 1
    assert (await container.profiles.traits(pid))["plan"] == "basic"


async def test_a_merged_profile_keeps_no_stale_traits(container: Container) -> None:
    await container.ingestion.ingest([message("identify", user="u-1", at=0.5)])
    await container.ingestion.ingest(
        [message("identify", anon="a-1", traits={"company": "Acme"}, at=1.0)]
    )
    retired = await profile_id(container, "anonymous_id", "a-1")  # the younger profile
    await container.ingestion.ingest([message("identify", anon="a-1", user="u-1", at=2.0)])
    survivor = await profile_id(container, "user_id", "u-1")
    assert survivor != retired
    assert (await container.profiles.traits(survivor))["company"] == "Acme"
    assert await container.profiles.traits(retired) == {}
