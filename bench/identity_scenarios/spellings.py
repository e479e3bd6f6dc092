"""The scenarios about how an identifier is written: one address or number typed and sent in
several forms (case, spaces, +tags, typos, Unicode or ASCII domains, national or international
phone numbers), and placeholders typed where an identifier should be.
"""

from __future__ import annotations

from bench.identity_scenarios.model import DAY, Scenario, Script
from bench.identity_scenarios.steps import email_address, newsletter, uk_mobile, visit_and_login

JUNK_EMAILS = ("asdf@asdf.com", "no@email.com", "a@a.com", "none@none.com")
JUNK_PHONES = ("5555555555", "1234567890", "+1 555 555 5555")
JUNK_USER_IDS = ("[object Object]", "UNDEFINED", "user_id", "0000", "NaN ")


def unknown_junk(s: Script) -> Scenario:
    for n in range(100):
        who, user, email = s.person(f"j{n}"), s.uid("user"), email_address(s)
        at = s.start + n * 300
        visit_and_login(s, who, at, user, email)
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


def email_typos(s: Script) -> Scenario:
    typos = {"gmail.com": "gmial.com", "hotmail.com": "hotmial.com", "yahoo.com": "yaho.com",
             "outlook.com": "outlok.com"}  # fmt: skip
    for n in range(40):
        who = s.person(f"typo{n}")
        domain = s.rng.choice(sorted(typos))
        local = s.uid("m")
        newsletter(s, who, s.start + n * 60, f"{local}@{typos[domain]}")
        newsletter(s, who, s.start + DAY + n * 60, f"{local}@{domain}")
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
        newsletter(s, who, s.start + n * 60, f"{local}@{domain.upper()}")
        newsletter(s, who, s.start + DAY + n * 60, f"{local}@{ascii_domain}")
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
        e164 = uk_mobile(s)
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
