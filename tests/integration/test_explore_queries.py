"""The Neo4j Browser queries of cypher/explore/ answer what docs/explore.md says they do."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from tests.identity_checks import profile_id
from tests.messages import message

pytestmark = pytest.mark.integration


async def _jane_and_bob(container: Container) -> None:
    """Jane on a laptop and an iPad, then logged in on both; Bob borrows the iPad."""
    ingest = container.ingestion.ingest
    await ingest([message("page", anon="anon-laptop", at=1.0)])
    await ingest([message("screen", anon="anon-ipad", device="ipad-1", at=2.0)])
    await ingest(
        [message("identify", anon="anon-ipad", user="jane", email="jane@example.com", at=3.0)]
    )
    await ingest([message("identify", user="jane", device="ipad-1", at=3.5)])
    await ingest(
        [message("identify", anon="anon-laptop", user="jane", phone="+442079460958", at=4.0)]
    )
    await ingest([message("identify", anon="anon-ipad", user="bob", device="ipad-1", at=5.0)])


async def _key(container: Container, type_: str, value: str) -> str:
    key = await container.curation.find_key(type_, value)
    assert key is not None
    return key


async def test_a_cluster_from_a_merged_id_shows_the_survivor_and_refused_neighbours(
    container: Container,
) -> None:
    await _jane_and_bob(container)
    ws = container.settings.workspace
    jane = await profile_id(container, "user_id", "jane")
    bob = await profile_id(container, "user_id", "bob")
    changes = await container.graph.read("explore/recent_lineage", ws=ws, limit=10)
    merged = [c for c in changes if c["change"] == "MERGED_INTO" and c["to_profile"] == jane]
    assert [c["reason"] for c in merged] == ["evidence"]

    # Browser's `:params {...}` sends numbers as floats; the queries accept them.
    rows = await container.graph.read("explore/cluster", id=merged[0]["from_profile"], events=1.0)
    assert {row["p"]["id"] for row in rows} == {jane}
    assert sorted(row["i"]["type"] for row in rows) == [
        "anonymous_id",
        "anonymous_id",
        "device_id",
        "email",
        "phone",
        "user_id",
    ]
    assert all(len(row["events"]) <= 1 for row in rows)
    assert sum(len(row["events"]) for row in rows) == 3  # page, screen, latest identify
    # Bob's refused evidence to the iPad reaches out of the cluster, to his own profile.
    outside = {q["id"] for row in rows for q in row["neighbour_profiles"]}
    assert outside == {bob}


async def test_why_linked_gives_the_chain_in_path_order_or_nothing(container: Container) -> None:
    await _jane_and_bob(container)
    phone = await _key(container, "phone", "+442079460958")
    device = await _key(container, "device_id", "ipad-1")
    rows = await container.graph.read("explore/why_linked", a=phone, b=device)
    assert len(rows) == 1
    assert rows[0]["weakest"] == pytest.approx(0.9)
    assert rows[0]["steps"] == [
        "phone -identify (weight 0.9, count 1)- user_id",
        "user_id -identify (weight 0.9, count 1)- device_id",
    ]
    bob = await _key(container, "user_id", "bob")
    assert await container.graph.read("explore/why_linked", a=phone, b=bob) == []


async def test_biggest_clusters_and_recent_events(container: Container) -> None:
    await _jane_and_bob(container)
    ws = container.settings.workspace
    jane = await profile_id(container, "user_id", "jane")
    biggest = await container.graph.read("explore/biggest_clusters", ws=ws, limit=1.0)
    assert [(r["profile"], r["identifiers"]) for r in biggest] == [(jane, 6)]
    assert biggest[0]["types"] == [
        "anonymous_id 2",
        "device_id 1",
        "email 1",
        "phone 1",
        "user_id 1",
    ]
    assert biggest[0]["events"] == 5

    events = await container.graph.read("explore/profile_events", id=jane, limit=2)
    assert [(e["type"], e["owner"]) for e in events] == [
        ("identify", "user_id"),
        ("identify", "user_id"),
    ]
    assert events[0]["at"] > events[1]["at"]


async def test_generic_identifiers_show_what_they_touch(container: Container) -> None:
    visitors = container.rules.generic_degree + 2
    await container.ingestion.ingest(
        [
            message(user=f"customer-{i}", email="info@shop.example", at=float(i))
            for i in range(visitors)
        ]
    )
    rows = await container.graph.read(
        "explore/generic_identifiers", ws=container.settings.workspace, limit=5, neighbours=3
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["type"], row["links"], row["profiles"]) == ("email", visitors, visitors)
    assert row["touches"] == [f"user_id {visitors}"]
    assert len(row["neighbours"]) == len(row["evidence"]) == 3


async def test_shared_devices_show_who_was_seen_on_them(container: Container) -> None:
    await _jane_and_bob(container)
    jane = await profile_id(container, "user_id", "jane")
    bob = await profile_id(container, "user_id", "bob")
    # Browser's `:params {...}` sends numbers as floats; the query accepts them.
    rows = await container.graph.read(
        "explore/shared_devices", ws=container.settings.workspace, limit=5.0
    )
    # The iPad: Jane's and Bob's identifiers were seen on it; the laptop sent no device facts.
    assert [(r["kind"], r["type"], r["model"], r["profiles"]) for r in rows] == [
        ("device", "ios", "iPhone15,2", 2)
    ]
    row = rows[0]
    assert row["events"] == 3  # the screen call and two identify calls named the device
    assert {p["id"] for p in row["profile_nodes"]} == {jane, bob}
    assert sorted(i["type"] for i in row["identifiers"]) == [
        "anonymous_id",
        "device_id",
        "user_id",
        "user_id",
    ]
    assert len(row["seen"]) == len(row["of"]) == 4


async def test_the_review_queue_shows_each_conflict_with_what_it_is_about(
    container: Container,
) -> None:
    # Jane and Bob both on the iPad: Bob's link to it was refused (one user id a profile).
    await _jane_and_bob(container)
    await container.conflict_sweep.sweep()
    jane = await profile_id(container, "user_id", "jane")
    bob = await profile_id(container, "user_id", "bob")
    rows = await container.graph.read(
        "explore/review_queue", ws=container.settings.workspace, limit=10.0
    )
    assert {(r["kind"], r["rule"]) for r in rows} == {("contended_identifier", "type_cap:user_id")}
    assert sorted(r["x"]["type"] for r in rows) == ["user_id", "user_id"]
    assert {r["p"]["id"] for r in rows} == {jane, bob}
