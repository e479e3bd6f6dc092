"""The review queue on a real Neo4j: what the rules refused becomes a suggestion, and
deciding one does what it says (docs/identity.md, "The review queue")."""

from __future__ import annotations

import dataclasses

import pytest

from app.bootstrap import Container
from app.domain.review import Suggestion, explanation
from app.errors import Conflict, NotFound
from app.ports.review import NewSuggestion
from app.services.identity.review.sweep import ConflictSweep
from app.settings import Settings
from tests.messages import message
from tests.subprocess_env import run_cdp
from tests.support.profiles import profile_id
from tests.support.review import household

pytestmark = pytest.mark.integration

T0 = 1_700_000_000.0


async def _household_conflict(container: Container) -> Suggestion:
    """The household's conflict, filed by a sweep."""
    await household(container)
    await container.conflict_sweep.sweep()
    return await _one_open(container)


async def _one_open(container: Container) -> Suggestion:
    found = await container.review.suggestions("open")
    assert len(found) == 1, found
    return found[0]


async def test_a_contended_address_becomes_one_conflict_naming_both_user_ids(
    container: Container,
) -> None:
    mum, dad = await household(container)
    assert mum != dad

    report = await container.conflict_sweep.sweep()
    assert (report.contended, report.generic) == (1, 0)
    s = await _one_open(container)
    assert (s.kind, s.label, s.rule) == ("contended_identifier", "Conflict", "type_cap:user_id")
    assert sorted(i.type for i in s.identifiers) == ["user_id", "user_id"]
    assert set(s.profiles) == {mum, dad}
    keys = {await container.curation.find_key("user_id", u) for u in ("mum", "dad")}
    assert {i.key for i in s.identifiers} == keys

    # Filing is idempotent: the same question is never asked twice.
    again = await container.conflict_sweep.sweep()
    assert (again.contended, again.generic, again.settled) == (0, 0, 0)
    assert len(await container.review.suggestions(None)) == 1


async def test_accepting_a_contended_identifier_joins_two_accounts_of_one_person(
    container: Container,
) -> None:
    s = await _household_conflict(container)

    decision = await container.review.accept(s.id, by="reviewer", note="same person")
    assert decision.refusal is None
    joined = await profile_id(container, "user_id", "mum")
    assert decision.profile_id == joined
    assert await profile_id(container, "user_id", "dad") == joined
    assert await profile_id(container, "email", "family@example.org") == joined
    assert await profile_id(container, "anonymous_id", "a-dad") == joined
    closed = decision.suggestion
    assert (closed.status, closed.decided_by, closed.note) == (
        "accepted",
        "reviewer",
        "same person",
    )
    explained = await container.curation.explain(("user_id", "mum"), ("user_id", "dad"))
    assert explained.connected and explained.profile_a == explained.profile_b
    assert any(step.source == "review:reviewer" for step in explained.path)

    # Deciding twice is refused; the next sweep has nothing to file or settle.
    with pytest.raises(Conflict, match="already accepted"):
        await container.review.dismiss(s.id, by="reviewer")
    report = await container.conflict_sweep.sweep()
    assert (report.contended, report.settled) == (0, 0)


async def test_dismissing_a_contended_identifier_keeps_the_two_apart_for_good(
    container: Container,
) -> None:
    s = await _household_conflict(container)

    decision = await container.review.dismiss(s.id, by="reviewer", note="a household")
    assert decision.suggestion.status == "dismissed"
    # Evidence arriving later does not join them, and nothing is filed again.
    await container.ingestion.ingest(
        [message("identify", user="dad", email="family@example.org", at=T0 + 60)]
    )
    assert await profile_id(container, "user_id", "mum") != await profile_id(
        container, "user_id", "dad"
    )
    report = await container.conflict_sweep.sweep()
    assert report.contended == 0
    assert await container.review.suggestions("open") == []


async def test_accepting_is_refused_when_the_join_would_break_another_cap(
    container: Container,
) -> None:
    """Mum holds three addresses and dad two of his own: one person would hold five, over
    the cap of three. Nothing changes and the suggestion stays open."""
    mails = [f"mum{i}@example.org" for i in range(2)] + ["family@example.org"]
    await container.ingestion.ingest(
        [message("identify", user="mum", email=m, at=T0 + i) for i, m in enumerate(mails)]
        + [
            message("identify", user="dad", email=m, at=T0 + 10 + i)
            for i, m in enumerate(["dad0@example.org", "dad1@example.org"])
        ]
        + [message("identify", user="dad", email="family@example.org", at=T0 + 20)]
    )
    await container.conflict_sweep.sweep()
    s = await _one_open(container)
    decision = await container.review.accept(s.id, by="reviewer")
    assert decision.refusal == "type_cap:email"
    assert decision.suggestion.status == "open"
    assert await profile_id(container, "user_id", "mum") != await profile_id(
        container, "user_id", "dad"
    )


async def test_a_generic_value_is_filed_and_accepting_blocks_it(container: Container) -> None:
    """A shop tablet's device id used by 27 customers: generic; accepting says junk."""
    await container.ingestion.ingest(
        [message("identify", user=f"c{i}", device="tablet-1", at=T0 + i) for i in range(27)]
    )
    report = await container.conflict_sweep.sweep()
    assert report.generic == 1
    (s,) = await container.review.suggestions("open", "generic_value")
    assert (s.rule, [i.type for i in s.identifiers]) == ("generic_degree", ["device_id"])
    assert s.identifiers[0].generic and not s.identifiers[0].blocked

    await container.review.accept(s.id, by="reviewer")
    found = await container.curation.find("device_id", "tablet-1")
    assert found is not None and found["blocked"]
    assert (await container.review.suggestion(s.id)).status == "accepted"


async def test_an_identifier_over_the_bot_rate_is_filed_and_accepting_blocks_it(
    container: Container,
) -> None:
    """Over a rate of 20 events an hour: a crawler's 30 page views in five minutes are filed;
    a visitor's 5 events, and a busy user's 25 spread over a day, are not. Dismissing the
    other crawler closes it for good."""
    hour = 3600.0
    rules = dataclasses.replace(container.rules, bot_events=20, bot_window_hours=1)
    sweep = ConflictSweep(container.conflict_sweep.store, container.curation, rules, lambda: T0)
    crawlers = [
        message("page", anon=crawler, at=T0 - 300 + n * 10, event=None)
        for crawler in ("crawler-1", "crawler-2")
        for n in range(30)
    ]
    visitor = [message("track", anon="visitor", at=T0 - n * 60) for n in range(5)]
    busy = [message("track", user="busy", at=T0 - n * hour) for n in range(25)]
    await container.ingestion.ingest([*crawlers, *visitor, *busy])

    report = await sweep.sweep()
    assert (report.bots, report.contended, report.generic) == (2, 0, 0)
    found = await container.review.suggestions("open", "bot_suspect")
    assert sorted(s.rule or "" for s in found) == ["bot_rate:30", "bot_rate:30"]
    keys = {
        await container.curation.find_key("anonymous_id", c) for c in ("crawler-1", "crawler-2")
    }
    assert {s.identifiers[0].key for s in found} == keys
    assert all(s.label == "Conflict" and "bot rate" in explanation(s) for s in found)

    first, second = sorted(found, key=lambda s: s.identifiers[0].key)
    await container.review.accept(first.id, by="reviewer")
    blocked = await container.curation.find("anonymous_id", "crawler-1")
    assert blocked is not None and blocked["blocked"]
    # Logging in from the blocked bot does not pull its traffic into the account's profile.
    await container.ingestion.ingest([message("identify", user="victim", anon="crawler-1")])
    assert await profile_id(container, "user_id", "victim") != blocked["profile"]
    await container.review.dismiss(second.id, by="reviewer")
    again = await sweep.sweep()
    assert again.bots == 0  # neither asked again
    statuses = {s.id: s.status for s in await container.review.suggestions(None, "bot_suspect")}
    assert statuses == {first.id: "accepted", second.id: "dismissed"}


async def test_a_loyal_visitor_keeps_more_browsers_than_the_cap_over_the_weeks(
    container: Container,
) -> None:
    """The session cap counts a week of new browsers (docs/identity.md 4.4): a login seen
    with 103 browsers, one every other day, keeps all of them, and nothing is asked."""
    cap = container.rules.type_caps["anonymous_id"]
    day = 86_400.0
    await container.ingestion.ingest(
        [
            message("identify", user="loyal", anon=f"browser-{n}", at=T0 + n * 2 * day)
            for n in range(cap + 3)
        ]
    )
    loyal = await profile_id(container, "user_id", "loyal")
    for n in range(cap + 3):
        assert await profile_id(container, "anonymous_id", f"browser-{n}") == loyal
    report = await container.conflict_sweep.sweep()
    assert (report.at_cap, report.contended, report.generic, report.bots) == (0, 0, 0, 0)


async def test_a_profile_that_lets_sessions_go_at_its_cap_is_asked_about(
    container: Container,
) -> None:
    """A login seen with 103 browsers (the session cap is 100): the oldest leave, and the
    sweep asks whether the login is one person's or shared; accepting blocks it."""
    cap = container.rules.type_caps["anonymous_id"]
    await container.ingestion.ingest(
        [message("identify", user="team", anon=f"browser-{n}", at=T0 + n) for n in range(cap + 3)]
    )
    team = await profile_id(container, "user_id", "team")
    report = await container.conflict_sweep.sweep()
    assert (report.at_cap, report.contended, report.generic, report.bots) == (1, 0, 0, 0)
    (s,) = await container.review.suggestions("open", "profile_at_cap")
    assert (s.rule, s.label, s.profiles) == ("type_cap:anonymous_id", "Conflict", (team,))
    assert [i.key for i in s.identifiers] == [await container.curation.find_key("user_id", "team")]
    assert "shared" in explanation(s)
    assert (await container.conflict_sweep.sweep()).at_cap == 0  # asked once

    await container.review.accept(s.id, by="reviewer")
    newest = await container.curation.find("anonymous_id", f"browser-{cap + 2}")
    assert newest is not None and newest["profile"] != team
    found = await container.curation.find("user_id", "team")
    assert found is not None and found["blocked"]


async def test_a_long_queue_is_settled_a_page_a_pass(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sweep reads one page of the open suggestions, going on where the last stopped."""
    monkeypatch.setattr("app.services.identity.review.sweep.SETTLE_PAGE", 2)
    for n in range(3):
        address = f"family-{n}@example.org"
        await container.ingestion.ingest(
            [
                message("identify", user=f"a-{n}", anon=f"x-{n}", email=address, at=T0 + n),
                message("identify", user=f"b-{n}", anon=f"y-{n}", email=address, at=T0 + n + 1),
            ]
        )
    assert (await container.conflict_sweep.sweep()).contended == 3
    for s in await container.review.suggestions("open"):
        a, b = s.identifiers
        await container.curation.keep_apart(a.key, b.key, "operator", "two people")
    # The pass that filed them read the first page (nothing to settle then): the next one goes
    # on with the third, the one after starts over with the first two.
    assert [(await container.conflict_sweep.sweep()).settled for _ in range(3)] == [1, 2, 0]
    assert await container.review.suggestions("open") == []


async def test_a_question_answered_by_later_evidence_is_settled(container: Container) -> None:
    s = await _household_conflict(container)
    # The account system migrates dad's account into mum's: the alias answers the question.
    await container.ingestion.ingest(
        [message("alias", user="mum", previous="dad", event=None, at=T0 + 60)]
    )
    report = await container.conflict_sweep.sweep()
    assert report.settled == 1
    assert (await container.review.suggestion(s.id)).status == "settled"


async def test_another_workspace_neither_sees_nor_decides_a_suggestion(
    container: Container, elsewhere: Container
) -> None:
    s = await _household_conflict(container)
    assert await elsewhere.review.suggestions(None) == []
    with pytest.raises(NotFound):
        await elsewhere.review.accept(s.id, by="intruder")
    with pytest.raises(NotFound):
        await elsewhere.review.dismiss(s.id, by="intruder")
    assert (await container.review.suggestion(s.id)).status == "open"


async def test_erasing_a_subject_deletes_the_suggestions_about_them(container: Container) -> None:
    s = await _household_conflict(container)

    async def no_enqueue(request_id: str) -> None:
        return None

    request = await container.erasure.request("user_id", "dad", "dpo", "art. 17", no_enqueue)
    assert (await container.erasure.run(request.id)).status == "completed"
    with pytest.raises(NotFound):
        await container.review.suggestion(s.id)
    rows = await container.graph.read("admin/all_properties")
    assert not [r for r in rows if s.id in str(r["props"])]
    # His user id is his own, though a refused link tied it to the family address: erased,
    # not kept as shared. The address stays with mum.
    assert await container.curation.find("user_id", "dad") is None
    assert await profile_id(container, "email", "family@example.org") == await profile_id(
        container, "user_id", "mum"
    )


async def test_a_claimed_suggestion_cannot_be_decided_twice_and_a_dead_claim_is_given_back(
    container: Container,
) -> None:
    s = await _household_conflict(container)
    store = container.review.store
    # Another operator's decision is under way: this one is refused, nothing written.
    assert await store.claim(s.id, "other-token", "someone", T0)
    with pytest.raises(Conflict, match="already deciding"):
        await container.review.accept(s.id, by="reviewer")
    assert await profile_id(container, "user_id", "mum") != await profile_id(
        container, "user_id", "dad"
    )
    # That process died: the sweep gives the claim back after CLAIM_SECONDS.
    await container.conflict_sweep.sweep()
    assert (await container.review.suggestion(s.id)).status == "open"
    assert (await container.review.dismiss(s.id, by="reviewer")).suggestion.status == "dismissed"


async def test_a_suggestion_naming_a_profile_gone_meanwhile_is_not_filed(
    container: Container,
) -> None:
    """A scan read two profiles; one was merged away before it filed the pair."""
    mum, dad = await household(container)
    row = NewSuggestion(
        id="s-gone",
        kind="likely_same_person",
        subject=f"same_person:{mum}|gone",
        profiles=(mum, "gone"),
    )
    assert await container.review.store.file([row], T0) == 0
    kept = NewSuggestion(
        id="s-kept",
        kind="likely_same_person",
        subject=f"same_person:{dad}|{mum}",
        profiles=(dad, mum),
    )
    assert await container.review.store.file([kept], T0) == 1
    assert await container.review.store.filed([kept.subject, row.subject]) == {kept.subject}


async def test_cdp_identity_review_and_report_show_keys_and_counts_only(
    container: Container, settings: Settings
) -> None:
    await household(container)
    out, _ = await run_cdp(settings, "identity", "review")
    lines = out.splitlines()
    assert lines[0] == "filed: contended=1\tgeneric=0\tbots=0\tat_cap=0\tsettled=0"
    (listed,) = [line for line in lines if "contended_identifier" in line]
    keys = [await container.curation.find_key("user_id", u) for u in ("mum", "dad")]
    assert all(k is not None and k in listed for k in keys)
    report, _ = await run_cdp(settings, "identity", "report")
    assert "refused\ttype_cap:user_id\t1" in report.splitlines()
    assert "suggestions\tcontended_identifier\topen\t1" in report.splitlines()
    assert "\tbot_events=1000\tbot_window_hours=24" in report.splitlines()[0]
    # Keys (hex) and counts only: no user id or address of theirs anywhere.
    for value in ("mum", "dad", "family@"):
        assert value not in out + report


async def test_a_conflict_kept_apart_some_other_way_is_settled(container: Container) -> None:
    s = await _household_conflict(container)
    a, b = s.identifiers
    await container.curation.keep_apart(a.key, b.key, "operator", "two people")
    assert (await container.conflict_sweep.sweep()).settled == 1
    assert (await container.review.suggestion(s.id)).status == "settled"
