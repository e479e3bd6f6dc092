"""Drawing identifiers for the traffic: fresh values of each type that the platform keeps
(never a junk or blocked one), spelled as trackers spell them, and the truth of who owns each.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

from app.domain.identity import (
    BlockList,
    IdentifierError,
    IdentityRules,
    NormalisedIdentifier,
    normalise,
)
from bench.traffic_model import (
    DOMAINS,
    FIRST,
    JUNK,
    LAST,
    US_AREAS,
    TrafficConfig,
    TrafficStats,
)


class IdentifierDraws:
    """The generator's state and random streams, and its identifier draws."""

    def __init__(self, config: TrafficConfig, rules: IdentityRules | None = None) -> None:
        self.config = config
        self.rules = rules or IdentityRules()
        self.blocklist = BlockList.from_rules(self.rules)
        self.rng = random.Random(config.seed)
        #: Traits and consent: a stream of their own, so that they leave the rest unchanged.
        self.profile_rng = random.Random(f"{config.seed}:profile")
        self.truth: dict[tuple[str, str], str] = {}
        self.stats = TrafficStats()
        #: The traffic of `returning()`.
        self.returning_stats = TrafficStats()
        self._used: set[tuple[str, str]] = set()
        #: New anonymous ids of returning visits (apart, so the people's own draws never see
        #: them).
        self._returned: set[tuple[str, str]] = set()
        self._people = 0
        self._check_junk()

    # -- identifiers ----------------------------------------------------------------------

    def _check_junk(self) -> None:
        """Every junk value must be dropped by the platform, or it would glue people."""
        for type_, values in JUNK.items():
            for raw in values:
                if self._usable(type_, raw) is not None:
                    raise ValueError(f"junk {type_} value {raw!r} would become an identifier")

    def _usable(self, type_: str, raw: str) -> str | None:
        """The normalised value, or None when the platform drops it (invalid or blocked)."""
        try:
            value = normalise(type_, raw, self.rules.default_region, self.rules.mailboxes)
        except IdentifierError:
            return None
        if self.blocklist.is_blocked(NormalisedIdentifier(type_, value), raw):
            return None
        return value

    def junk_identifiers(self) -> set[tuple[str, str]]:
        """(type, normalised value) of junk values that normalise: none may exist in the graph."""
        out: set[tuple[str, str]] = set()
        for type_, values in JUNK.items():
            for raw in values:
                try:
                    out.add(
                        (
                            type_,
                            normalise(type_, raw, self.rules.default_region, self.rules.mailboxes),
                        )
                    )
                except IdentifierError:
                    continue
        return out

    def _claim(self, type_: str, make: Callable[[], str]) -> tuple[str, str]:
        """A fresh (raw, normalised) value of this type, unique within the generator."""
        for _ in range(100):
            raw = make()
            value = self._usable(type_, raw)
            if value is not None and (type_, value) not in self._used:
                self._used.add((type_, value))
                return raw, value
        raise RuntimeError(f"could not make a fresh {type_}")

    def _uuid(self, rng: random.Random | None = None) -> str:
        return str(uuid.UUID(int=(rng or self.rng).getrandbits(128), version=4))

    def _hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def _email(self) -> str:
        r = self.rng
        local = f"{r.choice(FIRST)}.{r.choice(LAST)}.{self._hex(24)}"
        return f"{local}@{r.choice(DOMAINS)}"

    def _phone(self) -> str:
        r = self.rng
        if r.random() < 0.7:
            return f"+1{r.choice(US_AREAS)}{r.randint(2, 9)}{r.randint(0, 999_999):06d}"
        return f"+447{r.randint(400, 999)}{r.randint(0, 999_999):06d}"

    def _spell_email(self, email: str, rng: random.Random | None = None) -> str:
        """Another spelling of the same address: case and surrounding spaces vary."""
        r = rng or self.rng
        style = r.randrange(4)
        if style == 1:
            email = email.upper()
        elif style == 2:
            local, _, domain = email.partition("@")
            email = f"{local.title()}@{domain.upper()}"
        return f" {email} " if r.random() < 0.2 else email

    def _spell_phone(self, e164: str) -> str:
        r = self.rng
        style = r.randrange(3)
        if e164.startswith("+1") and style == 1:
            return f"+1 ({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
        if e164.startswith("+1") and style == 2:
            return f"+1 {e164[2:5]} {e164[5:8]} {e164[8:]}"
        if e164.startswith("+44") and style == 1:
            return f"+44 {e164[3:7]} {e164[7:]}"
        return e164

    def _remember(
        self, type_: str, value: str, pid: str, stats: TrafficStats | None = None
    ) -> None:
        if not self.config.track_truth:
            return
        owner = self.truth.setdefault((type_, value), pid)
        if owner != pid:
            raise RuntimeError(f"{type_} value given to two people")
        (stats or self.stats).identifiers += 1
