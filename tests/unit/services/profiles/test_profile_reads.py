"""Reading profiles on an in-memory store: golden records opened, masked or explained as
unreadable, identifiers decrypted, and the provenance of one trait."""

from __future__ import annotations

import pytest

from app.adapters.identity_graph import IdentityGraph
from app.domain.identity import Link
from app.domain.traits import Observation, TraitSchema, mask
from app.ports.profiles import GoldenEntry, IdentifierRow, ProfileView, SealedValue
from app.services.identity.curation import CurationService
from app.services.identity.keys import Sealer
from app.services.profiles.service import INTEGRITY_FAILED, KEY_DESTROYED, ProfileService
from app.services.profiles.traits import GoldenRecords, TraitObserver
from tests.fakes.profiles import InMemoryProfileStore
from tests.fakes.unused import unused

T0 = 1_700_000_000.0
OWNER = "ws:user_id:k1:aa"
ERASED = "ws:user_id:k1:bb"
SCHEMA = TraitSchema.from_mapping(
    {
        "fields": {
            "plan": {"type": "string", "pii": "plain"},
            "email": {"type": "string", "pii": "personal", "strategy": "most_recent"},
            "city": {"type": "string", "pii": "personal"},
        },
        "undeclared": "drop",
    }
)


async def _schema() -> TraitSchema:
    return SCHEMA


async def _trusts() -> dict[str, float]:
    return {"crm": 1.0, "web": 0.5}


@pytest.fixture
def store() -> InMemoryProfileStore:
    return InMemoryProfileStore()


@pytest.fixture
def profiles(store: InMemoryProfileStore, sealer: Sealer) -> ProfileService:
    return ProfileService(
        unused(IdentityGraph),
        store,
        sealer,
        unused(CurationService),
        TraitObserver(sealer),
        GoldenRecords(_schema, _trusts),
    )


def _entry(value: str | None, observation: str, personal: bool) -> GoldenEntry:
    return GoldenEntry("vid", value, personal, "web", T0, 0.5, "most_recent", observation)


async def _seal_value(
    store: InMemoryProfileStore, sealer: Sealer, key: str, value: str, owner: str = OWNER
) -> None:
    """Seal a trait value under OWNER's key, stored as belonging to `owner`."""
    data_key = (await sealer.data_keys([OWNER], create=True))[OWNER]
    enc = sealer.seal(data_key, value, owner=OWNER, field=f"trait:{key}")
    store.values[key] = SealedValue(key, None, enc, owner)


async def test_golden_records_are_opened_masked_or_say_why_they_cannot_be(
    store: InMemoryProfileStore, sealer: Sealer, profiles: ProfileService
) -> None:
    await _seal_value(store, sealer, "o-email", "jane@example.com")
    await _seal_value(store, sealer, "o-city", "Lyon", owner=ERASED)  # its key is gone
    store.values["o-plan"] = SealedValue("o-plan", '"pro"', None, OWNER)
    store.golden["p-1"] = {
        "plan": _entry("pro", "o-plan", False),
        "email": _entry(None, "o-email", True),
        "city": _entry(None, "o-city", True),
    }
    store.golden["p-2"] = {"email": _entry(None, "o-tampered", True)}
    data_key = (await sealer.data_keys([OWNER], create=True))[OWNER]
    wrong = sealer.seal(data_key, "x@example.com", owner=OWNER, field="trait:o-other")
    store.values["o-tampered"] = SealedValue("o-tampered", None, wrong, OWNER)

    revealed = await profiles.traits_of(["p-1", "p-2", "p-3"])
    assert revealed == {
        "p-1": {
            "plan": "pro",
            "email": "jane@example.com",
            "city": {"unavailable": KEY_DESTROYED},
        },
        "p-2": {"email": {"unavailable": INTEGRITY_FAILED}},
        "p-3": {},
    }
    masked = await profiles.traits("p-1", reveal=False)
    assert masked["email"] == mask("string", "jane@example.com") != "jane@example.com"
    assert masked["plan"] == "pro"
    assert await profiles.plain_traits_of(["p-1", "p-3"]) == {"p-1": {"plan": "pro"}, "p-3": {}}


async def test_identifiers_are_decrypted_and_an_erased_one_has_no_value(
    store: InMemoryProfileStore, sealer: Sealer, profiles: ProfileService
) -> None:
    data_key = (await sealer.data_keys([OWNER], create=True))[OWNER]
    enc = sealer.seal(data_key, "user-7", owner=OWNER, field="value")
    store.identifiers = [
        IdentifierRow("p-1", ERASED, "email", "sealed", T0 + 1, T0 + 2, 0, False, False),
        IdentifierRow("p-1", OWNER, "user_id", enc, T0, T0 + 5, 3, False, True),
    ]
    found = await profiles.identifiers_of(["p-1", "p-2"])
    assert [(i.type, i.value, i.events, i.blocked) for i in found["p-1"]] == [
        ("email", None, 0, False),
        ("user_id", "user-7", 3, True),
    ]
    assert found["p-2"] == []


def _seen(value: str, source: str, at: float, key: str, owner: str = OWNER) -> Observation:
    return Observation(
        field="plan",
        value_id=f'"{value}"',
        value=value,
        source=source,
        at=at,
        confidence=1.0,
        count=1,
        first_at=at,
        identifier=owner,
        observation_id=key,
    )


async def test_a_trait_explains_its_winner_and_the_candidates_it_beat(
    store: InMemoryProfileStore, profiles: ProfileService
) -> None:
    store.add(ProfileView("p-1", "active", None, T0, T0, 1))
    store.observations["p-1"] = [
        _seen("free", "web", T0 + 10, "o-1"),
        _seen("pro", "crm", T0, "o-2"),
    ]
    found = await profiles.trait("p-1", "plan")
    assert found is not None and not found.personal
    assert (found.winner.value, found.winner.source) == ("pro", "crm")  # trusted more
    assert [c.value for c in found.candidates] == ["pro", "free"]
    one = await profiles.trait("p-1", "plan", limit=1)
    assert one is not None and [c.value for c in one.candidates] == ["pro"]
    assert await profiles.trait("p-1", "nickname") is None  # not declared
    assert await profiles.trait("p-1", "email") is None  # nothing observed
    assert await profiles.profile("p-1") == store.profiles["p-1"]


async def test_a_trait_weighs_and_shows_each_candidates_bond(
    store: InMemoryProfileStore, profiles: ProfileService
) -> None:
    """A value seen on an anonymous id two co-occurrences away from the login (0.6 x 0.6)
    weighs 1.0 x 0.36 and loses to the login's own 0.5 x 1.0."""
    anon, device = "ws:anonymous_id:k1:cc", "ws:device_id:k1:dd"
    store.add(ProfileView("p-1", "active", None, T0, T0, 1))
    store.identifiers = [
        IdentifierRow("p-1", OWNER, "user_id", "sealed", T0 + 5, T0 + 5, 1, False, False),
        IdentifierRow("p-1", device, "device_id", "sealed", T0, T0, 1, False, False),
        IdentifierRow("p-1", anon, "anonymous_id", "sealed", T0, T0, 1, False, False),
    ]
    store.links["p-1"] = [
        Link(device, OWNER, "co_occurrence"),
        Link(anon, device, "co_occurrence"),
    ]
    store.observations["p-1"] = [
        _seen("pro", "crm", T0, "o-1", owner=anon),
        _seen("free", "web", T0, "o-2"),
    ]
    found = await profiles.trait("p-1", "plan")
    assert found is not None
    assert [(c.value, c.trust, c.bond, c.decay) for c in found.candidates] == [
        ("free", 0.5, 1.0, 1.0),
        ("pro", 1.0, pytest.approx(0.36), 1.0),
    ]
    assert found.candidates[1].weight == pytest.approx(0.36)
    # The direct link gone, nothing ties the anonymous id to the login: its bond is 0.
    store.links["p-1"] = [Link(anon, device, "co_occurrence")]
    found = await profiles.trait("p-1", "plan")
    assert found is not None and [(c.value, c.bond) for c in found.candidates] == [
        ("free", 1.0),
        ("pro", 0.0),
    ]
