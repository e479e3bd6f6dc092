"""The named scenarios: each a story trackers really produce, what the platform should make of
it, and a population living it. Values are made unique per person by construction (random
parts), so any two people share an identifier only where the story says they do.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from bench.identity_scenarios.model import DAY, Scenario, Script
from bench.linkage.people import generate

HOUR = 3600.0
PROVIDERS = ("gmail.com", "outlook.com", "example.org", "yahoo.com")
JUNK_EMAILS = ("asdf@asdf.com", "no@email.com", "a@a.com", "none@none.com")
JUNK_PHONES = ("5555555555", "1234567890", "+1 555 555 5555")
JUNK_USER_IDS = ("[object Object]", "UNDEFINED", "user_id", "0000", "NaN ")


def _email(s: Script, domain: str | None = None) -> str:
    return f"{s.uid('m').replace('-', '.')}@{domain or s.rng.choice(PROVIDERS)}"


def _uk_mobile(s: Script) -> str:
    """A UK mobile number (07 then 4, 5, 7, 8 or 9: 076 is pagers and personal numbers)."""
    return f"+447{s.rng.choice('45789')}{s.rng.randint(0, 99):02d}{s.rng.randint(0, 999_999):06d}"


def _visit_and_login(s: Script, who: str, at: float, user: str, email: str | None) -> str:
    """A page view in a new browser, then a login there; the browser's anonymous id."""
    anon = s.uid("anon")
    s.send(who, "page", at, anon=anon)
    s.send(who, "identify", at + 60, anon=anon, user=user, email=email)
    s.send(who, "track", at + 120, anon=anon, user=user, event="Viewed Product")
    return anon


def returning_visitors(s: Script) -> Scenario:
    for n in range(150):
        who = s.person(f"p{n}")
        user, email = s.uid("user"), _email(s)
        for visit in range(s.rng.randint(1, 4)):
            _visit_and_login(s, who, s.start + visit * 5 * DAY + n * 60, user, email)
        if s.rng.random() < 0.3:
            device = s.uid("dev")
            s.send(who, "identify", s.start + 3 * DAY + n * 60, user=user, device=device)
        if s.rng.random() < 0.2:  # a visit on a browser where they never log in
            s.send(who, "page", s.start + 4 * DAY + n * 60, anon=s.uid("anon"))
    return Scenario(
        "returning_visitors",
        "people visit anonymously, log in with a user id and an e-mail, come back on new "
        "browsers, some on a phone app; some also browse somewhere they never log in",
        "one profile per person, and one per browser that never logged in (nothing links it)",
        s,
    )


def cookie_loss_loyal(s: Script) -> Scenario:
    for n in range(15):
        who, user = s.person(f"loyal{n}"), s.uid("user")
        for week in range(s.rng.randint(30, 60)):
            _visit_and_login(s, who, s.start + week * 0.7 * DAY + n * 60, user, None)
    return Scenario(
        "cookie_loss_loyal",
        "a weekly visitor whose browser loses its cookie every visit (Safari's 7-day cap) "
        "logs in each time: 30 to 60 anonymous ids with one user id",
        "one profile per person with every visit",
        s,
    )


def household_email(s: Script) -> Scenario:
    for n in range(30):
        shared = _email(s)
        for member in ("a", "b"):
            who = s.person(f"home{n}{member}")
            _visit_and_login(s, who, s.start + n * HOUR, s.uid("user"), shared)
    return Scenario(
        "household_email",
        "two people with their own accounts log in with one family e-mail address",
        "two profiles: the shared address joins nobody",
        s,
    )


def kiosk_device(s: Script) -> Scenario:
    for k in range(3):
        kiosk = s.uid("kiosk")
        for n in range(40):
            who = s.person(f"k{k}shopper{n}")
            user = s.uid("user")
            s.send(who, "identify", s.start + k * DAY + n * 600, user=user, device=kiosk,
                   email=_email(s))  # fmt: skip
            s.send(who, "track", s.start + k * DAY + n * 600 + 30, user=user, device=kiosk,
                   event="Order Completed")  # fmt: skip
    return Scenario(
        "kiosk_device",
        "a shop tablet (one device id) on which 40 customers each log in",
        "one profile per customer: the tablet joins nobody",
        s,
    )


def unknown_junk(s: Script) -> Scenario:
    for n in range(100):
        who, user, email = s.person(f"j{n}"), s.uid("user"), _email(s)
        at = s.start + n * 300
        _visit_and_login(s, who, at, user, email)
        kind = n % 3
        if kind == 0:
            s.send(who, "identify", at + 600, user=user, email=s.rng.choice(JUNK_EMAILS),
                   junk=("email",))  # fmt: skip
        elif kind == 1:
            s.send(who, "identify", at + 600, user=user, phone=s.rng.choice(JUNK_PHONES),
                   junk=("phone",))  # fmt: skip
        else:
            anon = s.uid("anon")
            s.send(who, "identify", at + 600, anon=anon, user=s.rng.choice(JUNK_USER_IDS),
                   junk=("user",))  # fmt: skip
            s.send(who, "identify", at + 660, anon=anon, user=user, email=email)
    return Scenario(
        "unknown_junk",
        "forms and SDK bugs send placeholders no blocklist knows: asdf@asdf.com, "
        "5555555555, '[object Object]', 'UNDEFINED'",
        "junk links nobody: one profile per person",
        s,
    )


def email_variants(s: Script) -> Scenario:
    for n in range(60):
        who = s.person(f"v{n}")
        local = s.uid("m").replace("-", ".")
        domain = "gmail.com" if n % 2 == 0 else "outlook.com"
        spellings = [
            f"{local}@{domain}",
            f"{local.upper()}@{domain.upper()}",
            f" {local}@{domain} ",
            f"{local}+news@{domain}",
        ]
        if domain == "gmail.com":
            spellings.append(f"{local.replace('.', '')}@googlemail.com")
        for visit, spelling in enumerate(spellings):
            anon = s.uid("anon")
            s.send(who, "page", s.start + visit * DAY + n * 60, anon=anon)
            s.send(who, "identify", s.start + visit * DAY + n * 60 + 30, anon=anon,
                   email=spelling)  # fmt: skip
    return Scenario(
        "email_variants",
        "newsletter sign-ups by e-mail only, spelled as people type them: case, spaces, "
        "+tags, Gmail's dots and googlemail.com",
        "one profile per mailbox (case and spaces are the same address; Gmail ignores dots, "
        "most providers ignore +tags)",
        s,
    )


def _newsletter(s: Script, who: str, at: float, email: str) -> None:
    """A sign-up by e-mail only, in a new browser."""
    anon = s.uid("anon")
    s.send(who, "page", at, anon=anon)
    s.send(who, "identify", at + 30, anon=anon, email=email)


def email_typos(s: Script) -> Scenario:
    typos = {"gmail.com": "gmial.com", "hotmail.com": "hotmial.com", "yahoo.com": "yaho.com",
             "outlook.com": "outlok.com"}  # fmt: skip
    for n in range(40):
        who = s.person(f"typo{n}")
        domain = s.rng.choice(sorted(typos))
        local = s.uid("m")
        _newsletter(s, who, s.start + n * 60, f"{local}@{typos[domain]}")
        _newsletter(s, who, s.start + DAY + n * 60, f"{local}@{domain}")
    return Scenario(
        "email_typos",
        "people sign up once with a mistyped provider (gmial.com, hotmial.com, yaho.com, "
        "outlok.com) and later with the right one",
        "one profile per person: a mistyped provider is the one they meant",
        s,
    )


def idn_domains(s: Script) -> Scenario:
    domains = ("müller.de", "bücher.example", "café.fr", "日本語.jp")
    for n in range(30):
        who = s.person(f"idn{n}")
        domain = domains[n % len(domains)]
        local = s.uid("m")
        ascii_domain = domain.encode("idna").decode("ascii")
        _newsletter(s, who, s.start + n * 60, f"{local}@{domain.upper()}")
        _newsletter(s, who, s.start + DAY + n * 60, f"{local}@{ascii_domain}")
    return Scenario(
        "idn_domains",
        "addresses at internationalised domains, typed in Unicode (capitals included) on one "
        "form and sent in their ASCII form (xn--...) by another",
        "one profile per address: a domain is the same in either form",
        s,
    )


def national_phones(s: Script) -> Scenario:
    for n in range(60):
        who = s.person(f"tel{n}")
        e164 = _uk_mobile(s)
        national = f"0{e164[3:7]} {e164[7:]}"
        for visit, (spelling, locale) in enumerate(((e164, None), (national, "en-GB"))):
            anon = s.uid("anon")
            s.send(who, "page", s.start + visit * DAY + n * 60, anon=anon, locale=locale)
            s.send(who, "identify", s.start + visit * DAY + n * 60 + 30, anon=anon,
                   phone=spelling, locale=locale)  # fmt: skip
    return Scenario(
        "national_phones",
        "people give a UK mobile number once in international form and once as they dial "
        "it at home (07400 123456) from a browser whose locale is en-GB",
        "one profile per number: the locale tells the country",
        s,
    )


def app_reinstall(s: Script) -> Scenario:
    for n in range(50):
        who, user = s.person(f"app{n}"), s.uid("user")
        for install in range(2):
            device = s.uid("dev")
            at = s.start + install * 10 * DAY + n * 60
            s.send(who, "track", at, anon=s.uid("anon"), device=device, event="App Opened")
            s.send(who, "identify", at + 60, user=user, device=device)
    return Scenario(
        "app_reinstall",
        "an app reinstalled gets a new device id; the person logs in again",
        "one profile with both devices",
        s,
    )


def email_change(s: Script) -> Scenario:
    for n in range(50):
        who, user = s.person(f"chg{n}"), s.uid("user")
        anon = _visit_and_login(s, who, s.start + n * 60, user, _email(s))
        s.send(who, "identify", s.start + 20 * DAY + n * 60, anon=anon, user=user,
               email=_email(s))  # fmt: skip
    return Scenario(
        "email_change",
        "a person changes e-mail address in their account",
        "one profile with both addresses",
        s,
    )


def alias_migration(s: Script) -> Scenario:
    for n in range(40):
        who = s.person(f"mig{n}")
        old, new = s.uid("legacy"), s.uid("user")
        _visit_and_login(s, who, s.start + n * 60, old, None)
        s.send(who, "alias", s.start + 15 * DAY + n * 60, user=new, previous=old)
        _visit_and_login(s, who, s.start + 16 * DAY + n * 60, new, None)
    return Scenario(
        "alias_migration",
        "an account system migrates: alias(previousId=old user id, userId=new user id)",
        "one profile (the alias says so), or a conflict the review queue shows",
        s,
    )


def recycled_phone(s: Script) -> Scenario:
    for n in range(30):
        number = _uk_mobile(s)
        old, new = s.person(f"old{n}"), s.person(f"new{n}")
        # The old owner gives the number at sign-up, then keeps visiting without it...
        before = s.start - 200 * DAY + n * HOUR
        user = s.uid("user")
        anon = s.uid("anon")
        s.send(old, "identify", before, anon=anon, user=user, phone=number, former=("phone",))
        for visit in range(1, 4):
            s.send(old, "track", before + visit * 20 * DAY, anon=anon, user=user)
        # ... and months after their last use, the carrier gives it to someone else.
        successor = s.uid("user")
        _visit_and_login(s, new, s.start + n * HOUR, successor, None)
        s.send(new, "identify", s.start + n * HOUR + 300, user=successor, phone=number)
    return Scenario(
        "recycled_phone",
        "a phone number unused for months is given to someone else, who signs up with it",
        "the number in the new owner's profile; the old owner's profile keeps the rest",
        s,
    )


def reassigned_email(s: Script) -> Scenario:
    for n in range(30):
        address = f"{s.uid('sales')}@corp.example"
        old, new = s.person(f"left{n}"), s.person(f"successor{n}")
        before = s.start - 420 * DAY + n * HOUR
        holder = s.uid("user")
        _visit_and_login(s, old, before, holder, None)
        s.send(old, "identify", before + 300, user=holder, email=address, former=("email",))
        successor = s.uid("user")
        _visit_and_login(s, new, s.start + n * HOUR, successor, address)
    return Scenario(
        "reassigned_email",
        "a work address (sales@...) passes to a successor more than a year after its holder left",
        "the address in the successor's profile; the former holder's profile keeps the rest",
        s,
    )


def two_accounts(s: Script) -> Scenario:
    for n in range(30):
        who, email = s.person(f"twice{n}"), _email(s)
        _visit_and_login(s, who, s.start + n * HOUR, s.uid("user"), email)
        # Months later, a second account (a forgotten password, a work login) with the same
        # address: deterministic rules cannot tell it from a household sharing one.
        _visit_and_login(s, who, s.start + 10 * DAY + n * HOUR, s.uid("user"), email)
    return Scenario(
        "two_accounts",
        "a person opens a second account with the e-mail address of their first",
        "two profiles (one user id each, as for a household) and a conflict in the review "
        "queue; accepting it makes one profile",
        s,
    )


def email_as_user_id(s: Script) -> Scenario:
    for n in range(30):
        who = s.person(f"shop{n}")
        address = _email(s, "example.org")
        # The web shop logs people in by address: its user id is the address...
        _visit_and_login(s, who, s.start + n * HOUR, address, None)
        # ... the app has an internal user id and sends the address as a trait.
        _visit_and_login(s, who, s.start + 2 * DAY + n * HOUR, s.uid("user"), address)
    return Scenario(
        "email_as_user_id",
        "one source's user id is the person's e-mail address; another has an internal user "
        "id and sends the address as a trait",
        "two profiles (two user ids) and a conflict in the review queue naming both; "
        "accepting it makes one profile",
        s,
    )


def duplicate_signups(s: Script) -> Scenario:
    """People from the linkage generator (households, twins, namesakes, typos, moves): each
    record is a sign-up with an account and an address of its own, and the traits as typed."""
    population = generate(150, seed=s.rng.randint(0, 2**31))
    for n, record in enumerate(population.records):
        who = s.person(f"signup{record.person}")
        anon, user = s.uid("anon"), s.uid("user")
        at = s.start + n * 600
        traits = {k: v for k, v in record.traits.items() if k != "phone"}
        s.send(who, "page", at, anon=anon)
        s.send(who, "identify", at + 60, anon=anon, user=user, email=_email(s), traits=traits)
    return Scenario(
        "duplicate_signups",
        "people sign up more than once, each time with a new account and e-mail address, "
        "typing their name, birthday and address as people do; among them twins, namesakes "
        "and families at one address",
        "one profile per sign-up (no identifier joins them) and a merge suggestion for each "
        "pair of one person's sign-ups; none for two people",
        s,
    )


def logout_without_reset(s: Script) -> Scenario:
    for n in range(30):
        laptop = s.uid("anon")
        for member in ("a", "b"):
            who = s.person(f"lap{n}{member}")
            at = s.start + n * HOUR + (0 if member == "a" else 2 * DAY)
            user = s.uid("user")
            s.send(who, "identify", at, anon=laptop, user=user, email=_email(s))
            s.send(who, "track", at + 60, anon=laptop, user=user, event="Viewed Product")
    return Scenario(
        "logout_without_reset",
        "two people log in one after the other on one browser that never reset its anonymous id",
        "two profiles: the browser's id goes to neither or to one, never joins them",
        s,
    )


def bot(s: Script) -> Scenario:
    for b in range(2):
        who, anon = s.person(f"bot{b}"), s.uid("anon")
        for n in range(1500):
            s.send(who, "page", s.start + n * 20 + b, anon=anon)
    for n in range(20):
        who = s.person(f"human{n}")
        _visit_and_login(s, who, s.start + n * 600, s.uid("user"), _email(s))
    return Scenario(
        "bot",
        "a crawler keeps one anonymous id for 1,500 page views beside ordinary visitors",
        "the bot is one profile of its own; the others are untouched",
        s,
    )


def late_and_skewed(s: Script) -> Scenario:
    for n in range(50):
        who, user, email = s.person(f"late{n}"), s.uid("user"), _email(s)
        anon = s.uid("anon")
        at = s.start + n * 600
        skew = 2 * DAY if n % 2 else 0.0  # a phone whose clock runs two days ahead
        late = 3 * DAY if n % 2 == 0 else 0.0  # a phone offline for three days
        s.send(who, "page", at + skew, anon=anon, arrives=at + late)
        s.send(who, "identify", at + 60 + skew, anon=anon, user=user, email=email,
               arrives=at + 60 + late)  # fmt: skip
        _visit_and_login(s, who, at + 5 * DAY, user, email)
    return Scenario(
        "late_and_skewed",
        "events arrive three days late (an offline phone), or stamped two days ahead (a "
        "clock running fast)",
        "one profile per person, whatever the order",
        s,
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
    )
}


def build(names: list[str], seed: int, start: float) -> list[Scenario]:
    return [CATALOG[name](Script(name, start, random.Random(f"{seed}:{name}"))) for name in names]
