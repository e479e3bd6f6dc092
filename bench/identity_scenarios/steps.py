"""The steps the scenarios are made of: a new e-mail address or UK mobile number, a visit with a
login, a sign-up by e-mail only. Values are made unique per person by construction (random
parts), so any two people share an identifier only where the story says they do.
"""

from __future__ import annotations

from bench.identity_scenarios.model import Script

PROVIDERS = ("gmail.com", "outlook.com", "example.org", "yahoo.com")


def email_address(s: Script, domain: str | None = None) -> str:
    return f"{s.uid('m').replace('-', '.')}@{domain or s.rng.choice(PROVIDERS)}"


def uk_mobile(s: Script) -> str:
    """A UK mobile number (07 then 4, 5, 7, 8 or 9: 076 is pagers and personal numbers)."""
    return f"+447{s.rng.choice('45789')}{s.rng.randint(0, 99):02d}{s.rng.randint(0, 999_999):06d}"


def visit_and_login(s: Script, who: str, at: float, user: str, email: str | None) -> str:
    """A page view in a new browser, then a login there; the browser's anonymous id."""
    anon = s.uid("anon")
    s.send(who, "page", at, anon=anon)
    s.send(who, "identify", at + 60, anon=anon, user=user, email=email)
    s.send(who, "track", at + 120, anon=anon, user=user, event="Viewed Product")
    return anon


def newsletter(s: Script, who: str, at: float, email: str) -> None:
    """A sign-up by e-mail only, in a new browser."""
    anon = s.uid("anon")
    s.send(who, "page", at, anon=anon)
    s.send(who, "identify", at + 30, anon=anon, email=email)
