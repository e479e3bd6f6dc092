"""The scenarios about people's lives across browsers, devices and years: returning visitors,
lost cookies, shared addresses and devices, reinstalled apps, changed, migrated, recycled and
reassigned identifiers, second accounts and sign-ups, bots, and events late or out of order.
"""

from __future__ import annotations

from bench.identity_scenarios.model import DAY, Scenario, Script
from bench.identity_scenarios.steps import email_address, uk_mobile, visit_and_login
from bench.linkage.people import generate

HOUR = 3600.0


def returning_visitors(s: Script) -> Scenario:
    for n in range(150):
        who = s.person(f"p{n}")
        user, email = s.uid("user"), email_address(s)
        for visit in range(s.rng.randint(1, 4)):
            visit_and_login(s, who, s.start + visit * 5 * DAY + n * 60, user, email)
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
            visit_and_login(s, who, s.start + week * 0.7 * DAY + n * 60, user, None)
    return Scenario(
        "cookie_loss_loyal",
        "a weekly visitor whose browser loses its cookie every visit (Safari's 7-day cap) "
        "logs in each time: 30 to 60 anonymous ids with one user id",
        "one profile per person with every visit",
        s,
    )


def household_email(s: Script) -> Scenario:
    for n in range(30):
        shared = email_address(s)
        for member in ("a", "b"):
            who = s.person(f"home{n}{member}")
            visit_and_login(s, who, s.start + n * HOUR, s.uid("user"), shared)
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
                   email=email_address(s))  # fmt: skip
            s.send(who, "track", s.start + k * DAY + n * 600 + 30, user=user, device=kiosk,
                   event="Order Completed")  # fmt: skip
    return Scenario(
        "kiosk_device",
        "a shop tablet (one device id) on which 40 customers each log in",
        "one profile per customer: the tablet joins nobody",
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
        anon = visit_and_login(s, who, s.start + n * 60, user, email_address(s))
        s.send(who, "identify", s.start + 20 * DAY + n * 60, anon=anon, user=user,
               email=email_address(s))  # fmt: skip
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
        visit_and_login(s, who, s.start + n * 60, old, None)
        s.send(who, "alias", s.start + 15 * DAY + n * 60, user=new, previous=old)
        visit_and_login(s, who, s.start + 16 * DAY + n * 60, new, None)
    return Scenario(
        "alias_migration",
        "an account system migrates: alias(previousId=old user id, userId=new user id)",
        "one profile (the alias says so), or a conflict the review queue shows",
        s,
    )


def recycled_phone(s: Script) -> Scenario:
    for n in range(30):
        number = uk_mobile(s)
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
        visit_and_login(s, new, s.start + n * HOUR, successor, None)
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
        visit_and_login(s, old, before, holder, None)
        s.send(old, "identify", before + 300, user=holder, email=address, former=("email",))
        successor = s.uid("user")
        visit_and_login(s, new, s.start + n * HOUR, successor, address)
    return Scenario(
        "reassigned_email",
        "a work address (sales@...) passes to a successor more than a year after its holder left",
        "the address in the successor's profile; the former holder's profile keeps the rest",
        s,
    )


def two_accounts(s: Script) -> Scenario:
    for n in range(30):
        who, email = s.person(f"twice{n}"), email_address(s)
        visit_and_login(s, who, s.start + n * HOUR, s.uid("user"), email)
        # Months later, a second account (a forgotten password, a work login) with the same
        # address: deterministic rules cannot tell it from a household sharing one.
        visit_and_login(s, who, s.start + 10 * DAY + n * HOUR, s.uid("user"), email)
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
        address = email_address(s, "example.org")
        # The web shop logs people in by address: its user id is the address...
        visit_and_login(s, who, s.start + n * HOUR, address, None)
        # ... the app has an internal user id and sends the address as a trait.
        visit_and_login(s, who, s.start + 2 * DAY + n * HOUR, s.uid("user"), address)
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
        s.send(
            who, "identify", at + 60, anon=anon, user=user, email=email_address(s), traits=traits
        )
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
            s.send(who, "identify", at, anon=laptop, user=user, email=email_address(s))
            s.send(who, "track", at + 60, anon=laptop, user=user, event="Viewed Product")
    return Scenario(
        "logout_without_reset",
        "two people log in one after the other on one browser that never reset its anonymous id",
        "two profiles: the browser's id goes to neither or to one, never joins them",
        s,
    )


def bot(s: Script) -> Scenario:
    for b in range(2):
        who, anon = s.person(f"bot{b}", bot=True), s.uid("anon")
        for n in range(1500):
            s.send(who, "page", s.start + n * 20 + b, anon=anon)
    rotator = s.person("rotator", bot=True)  # a new anonymous id every five pages
    for n in range(200):
        anon = s.uid("anon")
        for page in range(5):  # nobody's: no person to join them to
            s.send(rotator, "page", s.start + n * 100 + page * 20 + 7, anon=anon, junk=("anon",))
    for n in range(20):
        who = s.person(f"human{n}")
        visit_and_login(s, who, s.start + n * 600, s.uid("user"), email_address(s))
    return Scenario(
        "bot",
        "a crawler keeps one anonymous id for 1,500 page views beside ordinary visitors; "
        "another takes a new one every five pages (200 ids)",
        "the first bot is one profile of its own; each id of the second joins nobody (nothing "
        "the platform keeps ties them: it stores no IP address); the others are untouched",
        s,
    )


def late_and_skewed(s: Script) -> Scenario:
    for n in range(50):
        who, user, email = s.person(f"late{n}"), s.uid("user"), email_address(s)
        anon = s.uid("anon")
        at = s.start + n * 600
        skew = 2 * DAY if n % 2 else 0.0  # a phone whose clock runs two days ahead
        late = 3 * DAY if n % 2 == 0 else 0.0  # a phone offline for three days
        s.send(who, "page", at + skew, anon=anon, arrives=at + late)
        s.send(who, "identify", at + 60 + skew, anon=anon, user=user, email=email,
               arrives=at + 60 + late)  # fmt: skip
        visit_and_login(s, who, at + 5 * DAY, user, email)
    return Scenario(
        "late_and_skewed",
        "events arrive three days late (an offline phone), or stamped two days ahead (a "
        "clock running fast)",
        "one profile per person, whatever the order",
        s,
    )


def over_the_caps(s: Script) -> Scenario:
    for n in range(3):  # a new browser session most days for months
        who, user = s.person(f"power{n}"), s.uid("user")
        for visit in range(130):
            visit_and_login(s, who, s.start + visit * 0.15 * DAY + n * 60, user, None)
    for n in range(5):  # five addresses over the years; the cap is three
        who, user = s.person(f"addresses{n}"), s.uid("user")
        for k in range(5):
            s.send(who, "identify", s.start + k * DAY + n * 60, user=user, email=email_address(s))
    team = s.uid("user")  # one login four colleagues share, each on browsers of their own
    for member in range(4):
        who = s.person(f"colleague{member}")
        for visit in range(30):
            visit_and_login(s, who, s.start + visit * 0.5 * DAY + member * 600, team, None)
    return Scenario(
        "over_the_caps",
        "people with more identifiers of a type than its cap allows: 130 browser sessions "
        "(the cap is 100), five e-mail addresses (the cap is three); and one login four "
        "colleagues share, each on browsers of their own",
        "each person one profile with every session (the cap counts a week's new browsers, "
        "fewer than 100); addresses past the third apart, with a conflict; the shared login's "
        "browsers one profile (nothing deterministic tells it from one person's: four people "
        "to the human truth)",
        s,
    )
