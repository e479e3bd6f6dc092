"""The two truths, from the scenarios' facts alone.

Items are identifiers as sent, (type, raw value): two spellings of one address are two items,
so a platform that keeps them apart splits a person. An item is scored when exactly one person
sent its canonical value and nobody sent it as junk; a value two people share (a family
e-mail, a shop tablet, a browser passed on without a reset) has no single owner and is not an
item, but whatever it wrongly joins shows in the others' precision. A value that passed from
one person to another (a recycled phone number) is its last owner's: what its former owner
sent of it is left out of both truths.

- Human truth: the person who sent the item.
- Linkable truth: the part of that person's identifiers that deterministic rules can join:
  canonical values carried together in one message, joined transitively, except that a part
  holds one user id: two accounts joined only through a shared value (an e-mail address used
  on both) stay two parts, since nothing deterministic tells them from a household; a message
  naming both user ids (an alias) joins them; a user id that is an e-mail address is joined to
  that address. Someone who never logs in on their second browser is one person and two
  linkable parts. A login several people share, which no other user id meets, joins the
  browsers it is used in (it is not scored itself): nothing deterministic tells it from one
  person's many browsers, so those browsers are one linkable part and several humans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from bench.identity_scenarios.canon import canonical
from bench.identity_scenarios.model import Scenario, Sent


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}
        #: The user ids of each part, by its root.
        self.users: dict[tuple[str, str], set[tuple[str, str]]] = {}

    def find(self, x: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: tuple[str, str], b: tuple[str, str], *, accounts: bool = False) -> None:
        """Join the parts of `a` and `b`; two parts with a user id each only if `accounts`
        (the message itself named both)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        users_a, users_b = self.users.get(ra, set()), self.users.get(rb, set())
        if users_a and users_b and not accounts:
            return
        root, other = min(ra, rb), max(ra, rb)
        self.parent[other] = root
        self.users[root] = users_a | users_b

    def add(self, key: tuple[str, str]) -> None:
        root = self.find(key)
        if key[0] == "user_id":
            self.users.setdefault(root, set()).add(key)


@dataclass(frozen=True)
class Truth:
    human: dict[Sent, str]
    linkable: dict[Sent, str]
    #: Items by scenario name.
    scenario_items: dict[str, list[Sent]]
    shared: int
    junk: int
    #: Per item, where the first message carrying it said its country (trait, locale).
    said: dict[Sent, tuple[str | None, str | None]]


def build_truth(scenarios: Iterable[Scenario]) -> Truth:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    junk: set[tuple[str, str]] = set()
    spellings: dict[Sent, tuple[str, str]] = {}
    said: dict[Sent, tuple[str | None, str | None]] = {}
    scenario_of: dict[Sent, str] = {}
    listed = list(scenarios)
    for scenario in listed:
        for carried in (c for message in scenario.script.carried for c in message):
            if carried.former:
                continue
            key = carried.canonical
            spellings.setdefault(carried.sent, key)
            said.setdefault(carried.sent, carried.said)
            if carried.person is None:
                junk.add(key)
            else:
                owners[key].add(carried.person)
                scenario_of.setdefault(carried.sent, scenario.name)
    single = {key: next(iter(o)) for key, o in owners.items() if len(o) == 1 and key not in junk}
    logins = {k for k, o in owners.items() if len(o) > 1 and k[0] == "user_id" and k not in junk}
    parts = _UnionFind()
    for scenario in listed:
        for message in scenario.script.carried:
            keys = [
                c.canonical
                for c in message
                if c.person is not None
                and not c.former
                and (c.canonical in single or c.canonical in logins)
            ]
            for key in keys:
                parts.add(key)
            accounts = sum(1 for key in keys if key[0] == "user_id") > 1
            for a, b in pairwise(keys):
                parts.union(a, b, accounts=accounts)
            for key in keys:
                # A user id that is an e-mail address is that address as well.
                address = ("email", canonical("email", key[1])) if "@" in key[1] else None
                if key[0] == "user_id" and address in single:
                    parts.add(address)
                    parts.union(key, address)
    human: dict[Sent, str] = {}
    linkable: dict[Sent, str] = {}
    by_scenario: dict[str, list[Sent]] = defaultdict(list)
    for sent, key in spellings.items():
        if key not in single:
            continue
        human[sent] = single[key]
        root = parts.find(key)
        linkable[sent] = f"{root[0]}:{root[1]}"
        by_scenario[scenario_of[sent]].append(sent)
    shared = sum(1 for key, o in owners.items() if len(o) > 1)
    return Truth(human, linkable, dict(by_scenario), shared, len(junk), said)
