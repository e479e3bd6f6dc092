"""The scenarios tests/integration/contracts/test_identity_graph.py runs on Neo4j and on the
in-memory identity graph: batches of messages and operator actions through the real services,
each standing for kinds of case the unit tests of tests/unit/services/identity/ run on the
in-memory graph alone (logins, shared and junk values, replays, aliases, recycled numbers,
unlinks, blocks and manual merges, messy identifiers, rules other than the configured ones)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from app.domain.identity import IdentityRules
from app.domain.messages import TrackedMessage
from app.services.identity.curated import ComponentChange, IdentifierRef
from app.services.identity.ingestion import IngestReport, WriteMode
from tests.messages import message, with_context
from tests.support.identity_world import IdentityWorld

T0 = 1_700_000_000.0
DAY = 86_400.0

Action = Callable[[IdentityWorld], Awaitable[object]]
Step = list[TrackedMessage] | Action


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: Sequence[Step]
    #: The identifiers whose component is compared, as (type, value).
    identifiers: Sequence[tuple[str, str]]


def _sessions(user: str, count: int) -> list[TrackedMessage]:
    return [message("identify", user=user, anon=f"{user}-c{n}", at=T0 + n) for n in range(count)]


def _read_before_the_last_commits(*batch: TrackedMessage) -> Action:
    """A batch written as if it had read the graph before the batches stored meanwhile: every
    identifier looked new to it, so what it decided before the lock is stale."""

    async def write(world: IdentityWorld) -> IngestReport:
        return await world.ingestion.write_batch(list(batch), WriteMode(), set())

    return write


def _ref(type: str, value: str) -> IdentifierRef:
    return IdentifierRef.of(type, value)


async def _merge(world: IdentityWorld, *identifiers: tuple[str, str]) -> object:
    ids = [await world.profile(type, value) for type, value in identifiers]
    return await world.curation.merge_profiles([i for i in ids if i], "same person", "op")


def _without_mailbox_rules(rules: IdentityRules) -> IdentityRules:
    return dataclasses.replace(rules, email_providers={})


async def _before_the_mailbox_rule(world: IdentityWorld) -> IngestReport:
    """An address stored under rules written before mailbox rules (its dots kept)."""
    older = world.under(_without_mailbox_rules(world.rules))
    return await older.ingest(message("identify", anon="mail-old", email="J.Doe@gmail.com", at=T0))


def _junk_user_id(browsers: int) -> list[Step]:
    """A login form that sends "[object Object]" as everyone's user id, one browser a batch."""
    return [
        [
            message("identify", anon=f"browser-{i}", user="[object Object]", at=T0 + 10 * i),
            message("identify", anon=f"browser-{i}", user=f"user-{i}", at=T0 + 10 * i + 1),
        ]
        for i in range(browsers)
    ]


def _under(change: Callable[[IdentityRules], IdentityRules], *batch: TrackedMessage) -> Action:
    """A batch ingested under other rules than the configured ones."""

    async def ingest(world: IdentityWorld) -> IngestReport:
        return await world.under(change(world.rules)).ingest(*batch)

    return ingest


def _small_session_cap(rules: IdentityRules) -> IdentityRules:
    return dataclasses.replace(rules, type_caps={**rules.type_caps, "anonymous_id": 3})


def _late_phones(rules: IdentityRules) -> IdentityRules:
    return dataclasses.replace(rules, late_binding_types=frozenset({"phone"}))


async def _reresolve_with_two_user_ids(world: IdentityWorld) -> list[ComponentChange]:
    """A dry run, then the change applied, under rules that let two user ids share a profile:
    what each reported."""
    looser = world.under(dataclasses.replace(world.rules, type_caps={"user_id": 2}))
    preview = await looser.curation.reresolve(dry_run=True)
    return preview + await looser.curation.reresolve(dry_run=False)


#: Browsers sharing the junk user id: more than generic_rivals (3 in config/identity.yaml),
#: so that the rules catch it.
BROWSERS = 5


SCENARIOS = [
    Scenario(
        "anonymous_then_login",
        [
            [message("track", anon="a1", at=T0)],
            [message("identify", user="u1", email="u1@example.com", at=T0 + 1)],
            [message("identify", user="u1", anon="a1", at=T0 + 2)],
        ],
        [("anonymous_id", "a1"), ("user_id", "u1"), ("email", "u1@example.com")],
    ),
    Scenario(
        "loyal_user_over_the_degree",
        [_sessions("loyal", 30)],
        [("user_id", "loyal"), ("anonymous_id", "loyal-c0"), ("anonymous_id", "loyal-c29")],
    ),
    Scenario(
        "kiosk_device",
        [[message("identify", user=f"u{n}", device="kiosk", at=T0 + n) for n in range(30)]],
        [("device_id", "kiosk"), ("user_id", "u0"), ("user_id", "u29")],
    ),
    Scenario(
        "household_email_one_batch_at_a_time",
        [
            [message("identify", user="u1", email="home@example.com", at=T0)],
            [message("identify", user="u2", email="home@example.com", at=T0 + 1)],
            [message("identify", user="u2", anon="a2", email="home@example.com", at=T0 + 2)],
        ],
        [("email", "home@example.com"), ("user_id", "u1"), ("user_id", "u2")],
    ),
    Scenario(
        "replayed_and_late",
        [
            [message("identify", user="u1", anon="a1", at=T0 + 10, message_id="m1")],
            [message("identify", user="u1", anon="a1", at=T0 + 10, message_id="m1")],
            [message("track", anon="a1", at=T0 - DAY, message_id="late")],
            _read_before_the_last_commits(
                message("identify", user="u1", anon="a1", at=T0 + 10, message_id="m1"),
                message(anon="a2", user="u1", at=T0 + 20),
                message("identify", anon="n1", user="n-user", at=T0 + 30),
            ),
        ],
        [
            ("user_id", "u1"),
            ("anonymous_id", "a1"),
            ("anonymous_id", "a2"),
            ("user_id", "n-user"),
            ("anonymous_id", "n1"),
        ],
    ),
    Scenario(
        "alias_and_previous_id",
        [
            [message("alias", user="new-id", previous="old-id", at=T0)],
            [message("identify", user="old-id", email="p@example.com", at=T0 + 1)],
        ],
        [("user_id", "new-id"), ("user_id", "old-id"), ("email", "p@example.com")],
    ),
    Scenario(
        "phone_passed_on",
        [
            [message("identify", user="u1", phone="+14155550100", at=T0)],
            [message("identify", user="u2", phone="+14155550100", at=T0 + 200 * DAY)],
        ],
        [("phone", "+14155550100"), ("user_id", "u1"), ("user_id", "u2")],
    ),
    Scenario(
        "unlink_then_seen_together_again",
        [
            [message("identify", user="u1", anon="a1", device="d1", at=T0)],
            lambda w: w.curation.unlink(_ref("anonymous_id", "a1"), "op", "shared laptop"),
            [message("identify", user="u1", anon="a1", at=T0 + 5)],
        ],
        [("user_id", "u1"), ("anonymous_id", "a1"), ("device_id", "d1")],
    ),
    Scenario(
        "block_relink_manual_merges_and_unblock",
        [
            [message("identify", user="u1", anon="a1", at=T0)],
            [message("identify", user="u2", anon="a1", at=T0 + 1)],
            lambda w: w.curation.set_blocked(_ref("anonymous_id", "a1"), True, "op"),
            lambda w: _merge(w, ("user_id", "u1"), ("user_id", "u2")),  # refused
            lambda w: w.curation.relink(_ref("anonymous_id", "a1"), "op"),
            [message("track", anon="a3", at=T0 + 2)],
            lambda w: _merge(w, ("anonymous_id", "a3"), ("user_id", "u1")),
            lambda w: w.curation.set_blocked(_ref("anonymous_id", "a1"), False, "op"),
        ],
        [("user_id", "u1"), ("user_id", "u2"), ("anonymous_id", "a1"), ("anonymous_id", "a3")],
    ),
    Scenario(
        "messy_identifiers",
        [
            [
                message("identify", anon="phone-a1", phone="+44 7400 123456", at=T0),
                # Placeholders: the event is stored unowned, nothing else.
                message("track", anon="undefined", user="null", at=T0),
            ],
            [
                with_context(
                    message("identify", anon="phone-a2", phone="07400 123456", at=T0 + 1),
                    locale="en-GB",
                )
            ],
            _before_the_mailbox_rule,
            [message("identify", anon="mail-new", email="j.doe@gmail.com", at=T0 + 2)],
            [message("identify", anon="legacy-a", user="legacy-7", at=T0 + 3)],
            [message("alias", user="acct-7", previous="legacy-7", at=T0 + 4)],
            [message("identify", anon="acct-a", user="acct-7", at=T0 + 5)],
            *_junk_user_id(BROWSERS),
        ],
        [
            ("anonymous_id", "phone-a1"),
            ("anonymous_id", "phone-a2"),
            ("phone", "+447400123456"),
            ("anonymous_id", "mail-old"),
            ("anonymous_id", "mail-new"),
            ("email", "jdoe@gmail.com"),
            ("user_id", "legacy-7"),
            ("user_id", "acct-7"),
            ("anonymous_id", "legacy-a"),
            ("anonymous_id", "acct-a"),
            ("user_id", "[object Object]"),
            *[("anonymous_id", f"browser-{i}") for i in range(BROWSERS)],
            *[("user_id", f"user-{i}") for i in range(BROWSERS)],
        ],
    ),
    Scenario(
        "rules_other_than_configured",
        [
            [message("identify", user="tv-u1", device="tv-1", at=T0)],
            [message("identify", user="tv-u2", device="tv-1", at=T0 + 1)],
            _reresolve_with_two_user_ids,
            # Past the session cap the oldest session leaves (each batch decides only its
            # own component: the re-resolution above is not undone).
            *[
                _under(
                    _small_session_cap,
                    message("identify", anon=f"visit-{n}", user="weekly", at=T0 + n * DAY),
                )
                for n in range(5)
            ],
            _under(_late_phones, message("track", anon="late-a", phone="+14155550199", at=T0)),
            _under(_late_phones, message("track", anon="late-a", phone="+14155550199", at=T0 + 9)),
        ],
        [
            ("user_id", "weekly"),
            *[("anonymous_id", f"visit-{n}") for n in range(5)],
            ("device_id", "tv-1"),
            ("user_id", "tv-u1"),
            ("user_id", "tv-u2"),
            ("anonymous_id", "late-a"),
            ("phone", "+14155550199"),
        ],
    ),
]
