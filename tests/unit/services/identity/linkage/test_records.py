"""A golden record read as the scorer compares it: names split and cleaned, birthdays as
YYYYMMDD, abbreviations written out, phone numbers by their last digits; and nothing when
there is too little to compare."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.traits.schema import DEFAULT_TRAITS
from app.domain.traits.values import coerce
from app.services.identity.linkage import LinkageRecord, record_of
from app.services.identity.linkage.records import address, birthday, phone, postal_code


def test_messy_traits_are_cleaned() -> None:
    record = record_of(
        "p-1",
        {
            "name": "Dr. José Q. O'Brien-Müller Jr.",
            "birthday": "1980-05-17T00:00:00Z",
            "address": "12 St. James St., Apt 4B",
            "city": "  Mt. Vernon ",
            "postal_code": "94110-1234",
            "state": "NY",
            "phone": "+1 (415) 555-0134",
            "email": "not compared",
        },
    )
    assert record is not None
    assert dict(record.fields) == {
        "first_name": "jose",
        "last_name": "obrien muller",
        "birthday": "19800517",
        "address": "12 saint james street apartment 4b",
        "city": "mount vernon",
        "postal_code": "94110",
        "state": "ny",
        "phone": "155550134",
    }


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [("Doe, Jane Mary", "jane", "doe"), ("Jane Mary Doe", "jane", "doe"), ("Jane", "jane", "")],
)
def test_a_full_name_is_split_when_first_and_last_names_are_absent(
    full: str, first: str, last: str
) -> None:
    record = record_of("p", {"name": full, "birthday": "1990-01-02"})
    assert record is not None
    assert record.fields.get("first_name", "") == first
    assert record.fields.get("last_name", "") == last


def test_first_and_last_names_win_over_the_full_name() -> None:
    record = record_of("p", {"first_name": "Ann", "last_name": "Lee", "name": "Bob Smith"})
    assert record is not None
    assert (record.fields["first_name"], record.fields["last_name"]) == ("ann", "lee")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1980-05-17", "19800517"),
        ("19800517", "19800517"),
        ("1980-05-17T00:00:00Z", "19800517"),
        # local midnight at UTC+2, stored in UTC the evening before
        ("1980-05-16T22:00:00Z", "19800517"),
        ("1980-13-40", "19801340"),  # no date, but a mistyped digit still compares
        (date(1980, 5, 17), "19800517"),
        (datetime(1980, 5, 17, 23, 0), "19800518"),
        ("17/05/1980", ""),
        ("", ""),
        (None, ""),
        (19800517, ""),
    ],
)
def test_birthdays(value: object, expected: str) -> None:
    assert birthday(value) == expected


@pytest.mark.parametrize(
    "sent",
    [
        "1980-05-17",
        "19800517",
        "1980-05-17T00:00:00+02:00",  # stored as the evening before, in UTC
        "1980-05-17T00:00:00.250-05:00",  # stored with its fraction of a second
        datetime(1980, 5, 17),
        327_369_600,  # Unix seconds
    ],
)
def test_a_birthday_as_a_golden_record_holds_it_is_read(sent: object) -> None:
    field = next(f for f in DEFAULT_TRAITS if f.name == "birthday")
    held = coerce(field, sent)
    assert birthday(held) == "19800517", held


def test_phone_numbers_in_any_format_compare_by_their_last_digits() -> None:
    spelled = ["+1 (415) 555-0134", "415.555.0134", "4155550134", "1-415-555-0134", 4155550134]
    assert {phone(value) for value in spelled} == {"155550134"}
    assert phone("555-01") == ""


def test_addresses_and_postal_codes() -> None:
    assert address("221B Baker St") == "221b baker street"
    assert address("5 N Main Ave.") == "5 north main avenue"
    assert postal_code("SW1A 1AA") == "sw1a1aa"
    assert postal_code(2000) == "2000"


@pytest.mark.parametrize(
    "traits",
    [
        {"last_name": "Doe", "city": "Paris", "phone": "+33 1 23 45 67 89"},
        {"first_name": "Jane", "address": "1 Main Street"},
        {"birthday": "1980-01-01", "name": "   "},
        {"first_name": {"a": 1}, "last_name": ["Doe"], "birthday": 3.5},
        {},
    ],
)
def test_too_little_to_compare(traits: dict[str, object]) -> None:
    assert record_of("p", traits) is None


def test_a_record_shows_its_field_names_never_its_values() -> None:
    record = LinkageRecord("p-9", {"last_name": "quillfeather", "birthday": "19870314"})
    assert repr(record) == "LinkageRecord(id='p-9', fields=['birthday', 'last_name'])"
    assert record.fields["last_name"] == "quillfeather"  # held, only never shown


def test_names_keep_their_letters_in_every_script() -> None:
    record = record_of("p", {"first_name": "Иван", "last_name": "Łukaszewicz-Straße"})
    assert record is not None
    assert dict(record.fields) == {"first_name": "иван", "last_name": "łukaszewicz strasse"}
