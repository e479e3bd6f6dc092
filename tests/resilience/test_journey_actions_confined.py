"""Journey actions run only within the rights of whoever saved the journey.

Regressions:
- the example plugin's journey action (`example_note`) appended to any file path a journey
  definition gave it, and a marketer's key could save and activate such a journey: a file
  written anywhere the worker could write. The action now takes only its note (any other
  field is refused), writes only in the directory the operator's data dir gives it, and, like
  every plugin action that declares nothing else, needs an admin to save or activate it;
- a marketer could overwrite personal traits through a journey's `set_trait` although the
  `setTrait` mutation refuses that role. Saving or activating such a journey is now refused
  for roles that may not set the trait, and a step is checked again when it runs (with the
  role the version was saved with, and the trait schema in force): `refused`, never written.

Everything goes through the real GraphQL API with real API keys, a real change feed, and a
real arq worker on real Neo4j and Valkey.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from arq.worker import Worker

from app.bootstrap import Container
from app.domain.access import Role
from app.ports.journeys import JourneyVersionSpec
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.messages import message
from tests.support.graphql import graphql_body, graphql_data

pytestmark = pytest.mark.integration

SAVE = (
    "mutation($d: JSON!){saveJourney(definition:$d){__typename"
    " ... on Journey{name version active} ... on InvalidJourney{message}}}"
)
ACTIVATE = (
    "mutation($n: String!, $a: Boolean!){setJourneyActive(name:$n, active:$a){__typename"
    " ... on Journey{active} ... on InvalidJourney{message} ... on JourneyNotFound{message}}}"
)
PROFILE = (
    'query($id: String!){profile(id:$id){traits trait(name:"email"){candidates{source}}'
    " journeyRuns{journey status exitReason steps}}}"
)


def _refusal(body: dict[str, Any]) -> str:
    """The message of a refused mutation (the shape GraphQL uses for every refusal)."""
    assert body.get("data") is None, body
    [error] = body["errors"]
    message: str = error["message"]
    assert message.startswith("Forbidden: "), message
    return message


def _journey(name: str, event: str, action: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "trigger": {"event": event},
        "start": "act",
        "steps": {"act": {"type": "action", "action": action}},
    }


@pytest.fixture
async def keys(container: Container) -> dict[Role, str]:
    return {
        role: (await container.apikeys.create(f"confined-{role.value}", role, None)).secret
        for role in Role
    }


async def _burst(settings: Settings, jobs: int = -1) -> Worker:
    """A real arq worker that runs the queued journey steps (the first `jobs` jobs due), then
    stops."""
    return await run_burst(
        settings, jobs, worker_runs_segments=False, worker_runs_destinations=False
    )


async def _trigger(container: Container, user: str, event: str, **traits: Any) -> str:
    """Track `event` for `user` (after an identify with `traits`), feed the change to the
    journeys, and return the profile id."""
    feed = container.change_dispatcher("test")
    await feed.ensure_group()
    await container.ingestion.ingest(
        [message("identify", user=user, traits=traits), message(user=user, event=event)]
    )
    await feed.step(block_ms=100)
    view = await container.profiles.profile_by_identifier("user_id", user)
    assert view is not None
    return view.id


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# -- the example plugin action -----------------------------------------------------------------


async def test_only_an_admin_may_save_or_activate_a_journey_using_the_example_action(
    container: Container, api_url: str, keys: dict[Role, str]
) -> None:
    definition = _journey("noted", "Noted", {"kind": "example_note", "note": "hello"})
    for role in Role:
        if role is Role.ADMIN:
            continue
        message = _refusal(await graphql_body(api_url, keys[role], SAVE, d=definition))
        if role is Role.MARKETER:
            # It may save journeys, but not this action: the action and who may are named.
            assert message == (
                "Forbidden: the marketer role lacks 'admin', which the example_note action "
                "(steps.act.action) needs (roles that may: admin)"
            )
        else:
            assert message == f"Forbidden: the {role.value} role lacks 'segments'"
    assert (await graphql_data(api_url, keys[Role.ADMIN], "{journeys{name}}"))["journeys"] == []

    saved = await graphql_data(api_url, keys[Role.ADMIN], SAVE, d=definition)
    assert saved["saveJourney"] == {
        "__typename": "Journey",
        "name": "noted",
        "version": 1,
        "active": False,
    }
    # Saved by an admin, it still may not be activated by a marketer...
    message = _refusal(
        await graphql_body(api_url, keys[Role.MARKETER], ACTIVATE, n="noted", a=True)
    )
    assert "the marketer role lacks 'admin'" in message and "example_note" in message
    view = await container.journeys.get("noted")
    assert view.active is False
    # ... who may pause it, and an admin may activate it.
    paused = await graphql_data(api_url, keys[Role.MARKETER], ACTIVATE, n="noted", a=False)
    assert paused["setJourneyActive"] == {"__typename": "Journey", "active": False}
    active = await graphql_data(api_url, keys[Role.ADMIN], ACTIVATE, n="noted", a=True)
    assert active["setJourneyActive"] == {"__typename": "Journey", "active": True}


@pytest.mark.parametrize(
    "field",
    ["path", "file", "filename", "dir", "directory", "output", "target", "to", "../notes"],
)
async def test_the_example_action_refuses_any_path_like_field(
    container: Container, api_url: str, keys: dict[Role, str], tmp_path: Path, field: str
) -> None:
    target = tmp_path / "written-by-a-journey.txt"
    action = {"kind": "example_note", "note": "hello", field: str(target)}
    definition = _journey("noted", "Noted", action)
    expected = f"steps.act.action.{field}: not a field of example_note (it takes purpose, note)"
    for role in (Role.ADMIN, Role.MARKETER):
        saved = await graphql_data(api_url, keys[role], SAVE, d=definition)
        assert saved["saveJourney"] == {"__typename": "InvalidJourney", "message": expected}
    checked = await graphql_data(
        api_url,
        keys[Role.VIEWER],
        "query($d: JSON!){validateJourney(definition:$d){... on InvalidJourney{message}}}",
        d=definition,
    )
    assert checked["validateJourney"] == {"message": expected}
    assert await container.journeys.all() == []
    assert not target.exists()


async def test_an_admins_example_action_writes_only_inside_the_configured_directory(
    container: Container, settings: Settings, api_url: str, keys: dict[Role, str], tmp_path: Path
) -> None:
    admin = keys[Role.ADMIN]
    escape = tmp_path / "escape.txt"
    # The note is text: even one that looks like a path is only written into the note file.
    definition = _journey("noted", "Noted", {"kind": "example_note", "note": str(escape)})
    assert (await graphql_data(api_url, admin, SAVE, d=definition))["saveJourney"]["version"] == 1
    await graphql_data(api_url, admin, ACTIVATE, n="noted", a=True)

    directory = settings.local_dir / "plugins" / settings.workspace / "example_note"
    notes = directory / "notes.ndjson"
    before = notes.read_text().splitlines() if notes.exists() else []
    pid = await _trigger(container, "noted-1", "Noted")
    files_before = _files(settings.local_dir)
    worker = await _burst(settings)
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)

    [line] = notes.read_text().splitlines()[len(before) :]
    written = json.loads(line)
    assert (written["profile"], written["note"]) == (pid, str(escape))
    assert not escape.exists()
    new_files = _files(settings.local_dir) - files_before
    assert all(directory in f.parents for f in new_files), new_files
    profile = (await graphql_data(api_url, admin, PROFILE, id=pid))["profile"]
    [run] = profile["journeyRuns"]
    assert run["status"] == "completed"
    assert [(s["step"], s["outcome"]) for s in run["steps"]] == [("act", "taken")]


async def test_example_actions_a_marketer_stored_before_the_check_never_write(
    container: Container, settings: Settings, api_url: str, keys: dict[Role, str], tmp_path: Path
) -> None:
    """Journeys stored and activated before these checks existed: one still giving a path,
    one without (valid today, but saved by a marketer). Neither writes anything."""
    target = tmp_path / "planted.txt"
    stored = {
        "with_path": {"kind": "example_note", "note": "x", "path": str(target)},
        "without_path": {"kind": "example_note", "note": "x"},
    }
    definitions = container.journeys.storage.definitions
    for name, action in stored.items():
        spec = JourneyVersionSpec(
            name, "", _journey(name, "Noted", action), "marketer:growth", None
        )
        await definitions.save(spec, time.time())
        await definitions.set_active(name, True, time.time())
    # Neither can be activated again by anyone: one no longer validates, one needs an admin.
    await graphql_data(api_url, keys[Role.ADMIN], ACTIVATE, n="with_path", a=False)
    again = await graphql_data(api_url, keys[Role.ADMIN], ACTIVATE, n="with_path", a=True)
    assert again["setJourneyActive"]["message"].startswith(
        "the stored definition no longer validates: steps.act.action.path: not a field"
    )
    await definitions.set_active("with_path", True, time.time())

    directory = settings.local_dir / "plugins" / settings.workspace / "example_note"
    notes = directory / "notes.ndjson"
    before = notes.read_text() if notes.exists() else ""
    pid = await _trigger(container, "noted-2", "Noted")
    worker = await _burst(settings)
    assert worker.jobs_failed == 0
    assert not target.exists()
    assert (notes.read_text() if notes.exists() else "") == before
    profile = (await graphql_data(api_url, keys[Role.ADMIN], PROFILE, id=pid))["profile"]
    [run] = profile["journeyRuns"]  # the one with a path starts no run
    assert (run["journey"], run["status"], run["exitReason"]) == (
        "without_path",
        "failed",
        "act refused",
    )
    [step] = run["steps"]
    assert (step["outcome"], step["reason"]) == (
        "refused",
        "the marketer role lacks 'admin', which the example_note action (steps.act.action) "
        "needs (roles that may: admin)",
    )


# -- set_trait and personal traits -----------------------------------------------------------


async def test_a_marketer_may_set_plain_traits_through_a_journey_but_not_personal_ones(
    container: Container, settings: Settings, api_url: str, keys: dict[Role, str]
) -> None:
    marketer, admin = keys[Role.MARKETER], keys[Role.ADMIN]
    # The rule setTrait applies: the marketer role may not set traits by hand at all...
    by_hand = await graphql_body(
        api_url, marketer, 'mutation{setTrait(profileId:"p",name:"email",value:"x"){__typename}}'
    )
    assert _refusal(by_hand) == "Forbidden: the marketer role lacks 'curate'"
    # ... so not a personal trait through a journey either.
    personal = _journey(
        "rewrite_email", "Rewrite", {"kind": "set_trait", "name": "email", "value": "x@evil.test"}
    )
    assert _refusal(await graphql_body(api_url, marketer, SAVE, d=personal)) == (
        "Forbidden: the marketer role lacks 'curate', which set_trait of the personal trait "
        "email (steps.act.action) needs (roles that may: admin)"
    )
    assert await container.journeys.all() == []
    # A plain trait is what marketers set through journeys, as before.
    plain = _journey("to_pro", "Upgraded", {"kind": "set_trait", "name": "plan", "value": "pro"})
    saved = await graphql_data(api_url, marketer, SAVE, d=plain)
    assert saved["saveJourney"]["__typename"] == "Journey"
    await graphql_data(api_url, marketer, ACTIVATE, n="to_pro", a=True)
    # An undeclared trait is refused when the journey is saved, naming the field.
    undeclared = _journey(
        "odd", "Odd", {"kind": "set_trait", "name": "glove_size_undeclared", "value": 1}
    )
    refused = await graphql_data(api_url, marketer, SAVE, d=undeclared)
    assert refused["saveJourney"] == {
        "__typename": "InvalidJourney",
        "message": "steps.act.action.name: 'glove_size_undeclared' is not a declared trait",
    }
    # An admin may still save a personal one; a marketer may not activate it.
    assert (await graphql_data(api_url, admin, SAVE, d=personal))["saveJourney"]["version"] == 1
    message = _refusal(await graphql_body(api_url, marketer, ACTIVATE, n="rewrite_email", a=True))
    assert "set_trait of the personal trait email" in message
    assert (await container.journeys.get("rewrite_email")).active is False

    pid = await _trigger(container, "upgrader", "Upgraded", email="jane@example.com")
    worker = await _burst(settings)
    assert worker.jobs_failed == 0
    profile = (await graphql_data(api_url, admin, PROFILE, id=pid))["profile"]
    assert profile["traits"]["plan"] == "pro"
    assert profile["traits"]["email"] == "jane@example.com"
    [run] = profile["journeyRuns"]
    assert (run["journey"], run["status"]) == ("to_pro", "completed")


async def test_a_personal_trait_step_is_refused_when_it_runs_without_the_savers_right(
    container: Container, settings: Settings, api_url: str, keys: dict[Role, str]
) -> None:
    admin = keys[Role.ADMIN]
    # Versions stored without going through saveJourney's check: one a marketer saved before
    # the check existed (its saver recorded only as `marketer:<key name>`), one naming nobody.
    for name, by in (("legacy_email", "marketer:growth"), ("anonymous_email", None)):
        definition = _journey(
            name, "Rewrite", {"kind": "set_trait", "name": "email", "value": "x@evil.test"}
        )
        spec = JourneyVersionSpec(name, "", definition, by, None)
        await container.journeys.storage.definitions.save(spec, time.time())
        # An admin activates it: activating does not lend the admin's rights to its steps.
        activated = await graphql_data(api_url, admin, ACTIVATE, n=name, a=True)
        assert activated["setJourneyActive"] == {"__typename": "Journey", "active": True}
    # An admin's own journey on a personal trait still runs.
    own = _journey(
        "admin_name", "Rewrite", {"kind": "set_trait", "name": "last_name", "value": "D"}
    )
    assert (await graphql_data(api_url, admin, SAVE, d=own))["saveJourney"]["version"] == 1
    await graphql_data(api_url, admin, ACTIVATE, n="admin_name", a=True)

    pid = await _trigger(container, "victim", "Rewrite", email="jane@example.com")
    worker = await _burst(settings)
    # One job carries the three runs the event started; refused, not crashed.
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)

    profile = (await graphql_data(api_url, admin, PROFILE, id=pid))["profile"]
    assert profile["traits"]["email"] == "jane@example.com"
    assert profile["traits"]["last_name"] == "D"
    assert "manual" not in {c["source"] for c in profile["trait"]["candidates"]}
    runs = {r["journey"]: r for r in profile["journeyRuns"]}
    assert runs["admin_name"]["status"] == "completed"
    for name, who in (
        ("legacy_email", "the marketer role"),
        ("anonymous_email", "an unknown role"),
    ):
        run = runs[name]
        assert (run["status"], run["exitReason"]) == ("failed", "act refused")
        [step] = run["steps"]
        assert (step["step"], step["outcome"]) == ("act", "refused")
        assert step["reason"] == (
            f"{who} lacks 'curate', which set_trait of the personal trait email "
            "(steps.act.action) needs (roles that may: admin)"
        )
    stats = await graphql_data(api_url, admin, '{journey(name:"legacy_email"){stats}}')
    assert stats["journey"]["stats"] == {"act": {"refused": 1}}


async def test_a_trait_that_became_personal_is_refused_to_a_marketers_journey(
    container: Container, settings: Settings, api_url: str, keys: dict[Role, str]
) -> None:
    marketer, admin = keys[Role.MARKETER], keys[Role.ADMIN]
    plain = _journey("to_pro", "Upgraded", {"kind": "set_trait", "name": "plan", "value": "pro"})
    assert (await graphql_data(api_url, marketer, SAVE, d=plain))["saveJourney"]["version"] == 1
    await graphql_data(api_url, marketer, ACTIVATE, n="to_pro", a=True)
    found = await graphql_data(api_url, admin, "{traitSchema{schema}}")
    original = found["traitSchema"]["schema"]
    changed = json.loads(json.dumps(original))
    changed["fields"]["plan"]["pii"] = "personal"
    changed["fields"]["plan"].pop("source_priority", None)
    changed["fields"]["plan"]["strategy"] = "most_recent"
    update = "mutation($s: JSON!){updateTraitSchema(schema:$s){__typename}}"
    try:
        # An admin declares `plan` personal after the marketer's journey was saved.
        assert (await graphql_data(api_url, admin, update, s=changed))["updateTraitSchema"] == {
            "__typename": "TraitSchemaUpdated"
        }
        pid = await _trigger(container, "planner", "Upgraded")
        # The journey's job only: the schema change also queued a re-decision of every golden
        # record, deferred until the API's schema cache has expired (half a minute).
        worker = await _burst(settings, jobs=1)
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        profile = (await graphql_data(api_url, admin, PROFILE, id=pid))["profile"]
        assert "plan" not in profile["traits"]
        [run] = profile["journeyRuns"]
        assert (run["status"], run["exitReason"]) == ("failed", "act refused")
        [step] = run["steps"]
        assert step["outcome"] == "refused"
        assert step["reason"].startswith(
            "the marketer role lacks 'curate', which set_trait of the personal trait plan"
        )
        # Activating it again is refused too, naming the trait.
        await graphql_data(api_url, marketer, ACTIVATE, n="to_pro", a=False)
        message = _refusal(await graphql_body(api_url, marketer, ACTIVATE, n="to_pro", a=True))
        assert "personal trait plan" in message
    finally:
        await graphql_data(api_url, admin, update, s=original)
