"""The named scenarios: each a story trackers really produce, what the platform should make of
it, and a population living it. Values are made unique per person by construction (random
parts), so any two people share an identifier only where the story says they do.

The scenarios are written in two modules by theme: how an identifier is written (spellings.py)
and people's lives across browsers, devices and years (lives.py), from the steps in steps.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from bench.identity_scenarios.lives import (
    alias_migration,
    app_reinstall,
    bot,
    cookie_loss_loyal,
    duplicate_signups,
    email_as_user_id,
    email_change,
    household_email,
    kiosk_device,
    late_and_skewed,
    logout_without_reset,
    over_the_caps,
    reassigned_email,
    recycled_phone,
    returning_visitors,
    two_accounts,
)
from bench.identity_scenarios.model import Scenario, Script
from bench.identity_scenarios.spellings import (
    email_typos,
    email_variants,
    idn_domains,
    national_phones,
    unknown_junk,
)

CATALOG: dict[str, Callable[[Script], Scenario]] = {
    f.__name__: f
    for f in (
        returning_visitors,
        cookie_loss_loyal,
        household_email,
        kiosk_device,
        unknown_junk,
        email_variants,
        email_typos,
        idn_domains,
        national_phones,
        app_reinstall,
        email_change,
        alias_migration,
        recycled_phone,
        reassigned_email,
        two_accounts,
        email_as_user_id,
        duplicate_signups,
        logout_without_reset,
        bot,
        late_and_skewed,
        over_the_caps,
    )
}


#: Scenarios whose people hold more than the caps allow: the tables also give every scenario but
#: these, to show what the caps cost (docs/identity.md 4.4, 4.5).
BEYOND_THE_CAPS = ("over_the_caps",)


def build(names: list[str], seed: int, start: float) -> list[Scenario]:
    return [CATALOG[name](Script(name, start, random.Random(f"{seed}:{name}"))) for name in names]
