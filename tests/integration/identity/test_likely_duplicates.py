"""Likely the same person, on a real Neo4j: two sign-ups sharing no identifier whose traits
agree become a merge suggestion; a stranger with the same name does not; deciding works."""

from __future__ import annotations

from typing import Any

import pytest

from app.bootstrap import Container
from tests.messages import message
from tests.support.profiles import profile_id

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0

JON = {
    "first_name": "Jonathan",
    "last_name": "Smithson",
    "birthday": "1985-03-12",
    "address": "12 Oakfield Street",
    "city": "Springfield",
    "postal_code": "62704",
    "state": "IL",
}
#: Jon again, as people type: a nickname, a mistyped surname, the street abbreviated.
JON_AGAIN = {**JON, "first_name": "Jon", "last_name": "Smithsen", "address": "12 Oakfield St"}
#: A stranger with Jon's name in another street, born another year.
NAMESAKE = {
    **JON,
    "birthday": "1962-11-30",
    "address": "480 Lakeview Avenue",
    "postal_code": "62711",
}


async def _signup(container: Container, n: int, traits: dict[str, Any]) -> str:
    await container.ingestion.ingest(
        [
            message(
                "identify",
                user=f"user-{n}",
                anon=f"anon-{n}",
                email=f"person{n}@example.org",
                traits=traits,
                at=T0 + n,
            )
        ]
    )
    return await profile_id(container, "user_id", f"user-{n}")


async def test_two_signups_of_one_person_become_one_suggestion_and_accepting_joins_them(
    container: Container,
) -> None:
    jon, again, stranger = (
        await _signup(container, 1, JON),
        await _signup(container, 2, JON_AGAIN),
        await _signup(container, 3, NAMESAKE),
    )
    report = await container.duplicate_scan.scan()
    assert (report.profiles, report.compared, report.filed) == (3, 3, 1)
    (s,) = await container.review.suggestions("open", "likely_same_person")
    assert s.label == "MergeSuggestion"
    assert set(s.profiles) == {jon, again}
    assert s.probability is not None and s.probability >= container.duplicate_scan.model().threshold
    fields = {v.field for v in s.verdicts}
    assert {"first_name", "last_name", "birthday"} <= fields
    # Field names, levels and weights: no value of Jon's anywhere.
    assert not [v for v in JON_AGAIN.values() if v in repr(s)]
    assert stranger not in s.profiles

    # Scanning again files nothing new.
    assert (await container.duplicate_scan.scan()).filed == 0

    decision = await container.review.accept(s.id, by="reviewer")
    assert decision.refusal is None
    assert await profile_id(container, "user_id", "user-2") == decision.profile_id
    assert await profile_id(container, "user_id", "user-1") == decision.profile_id


async def test_a_dismissed_pair_is_not_suggested_again(container: Container) -> None:
    await _signup(container, 1, JON)
    await _signup(container, 2, JON_AGAIN)
    await container.duplicate_scan.scan()
    (s,) = await container.review.suggestions("open", "likely_same_person")
    await container.review.dismiss(s.id, by="reviewer", note="father and son")
    assert (await container.duplicate_scan.scan()).filed == 0
    assert await container.review.suggestions("open") == []
    assert (await container.review.suggestion(s.id)).status == "dismissed"


async def test_a_placeholder_phone_two_namesakes_typed_does_not_make_them_one(
    container: Container,
) -> None:
    """Jon and a stranger of his name both typed the form's placeholder number: identity
    resolution drops it, and so does the scan; nothing is suggested. A real number they
    share would count."""
    await _signup(container, 1, {**JON, "phone": "5555555555"})
    await _signup(container, 2, {**NAMESAKE, "phone": "5555555555"})
    assert (await container.duplicate_scan.scan()).filed == 0
