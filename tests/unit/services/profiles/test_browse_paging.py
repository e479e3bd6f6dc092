"""Browsing on an in-memory store: page sizes, opaque cursors that resume exactly where a page
ended, checked filters, and identity graphs cut to size."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from itertools import pairwise

import pytest

from app.domain.traits import TraitSchema
from app.errors import InvalidInput
from app.ports.browsing import EventRow, GraphEdgeView, GraphNodeView, Neighbourhood
from app.services.identity.keys import Sealer
from app.services.profiles.browse import (
    MAX_GRAPH_NODES,
    MAX_PAGE,
    EventFilter,
    ProfileBrowser,
    ProfileFilter,
    encode_cursor,
)
from app.services.profiles.service import INTEGRITY_FAILED, KEY_DESTROYED
from tests.fakes.browsing import InMemoryProfileBrowseStore
from tests.fakes.unused import unused

T0 = 1_700_000_000.0
SCHEMA = TraitSchema.from_mapping(
    {
        "fields": {
            "plan": {"type": "string", "pii": "plain"},
            "seats": {"type": "number", "pii": "plain"},
            "email": {"type": "string", "pii": "personal"},
        }
    }
)
NO_FILTER = ProfileFilter()


async def _schema() -> TraitSchema:
    return SCHEMA


@pytest.fixture
def store() -> InMemoryProfileBrowseStore:
    return InMemoryProfileBrowseStore()


@pytest.fixture
def browser(store: InMemoryProfileBrowseStore) -> ProfileBrowser:
    # No payload is revealed in these tests: the sealer must not be touched.
    return ProfileBrowser(store, unused(Sealer), _schema)


def _event(id: str, at: float, name: str | None = "Viewed", owner: str = "k-1") -> EventRow:
    return EventRow(id, "track", name, at, at + 1, "web", (), "sealed", owner, "user_id")


async def _walk(browser: ProfileBrowser, first: int, f: ProfileFilter) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page, more = await browser.profiles(first, after, f)
        pages.append([view.id for _, view in page])
        if not more:
            return pages
        after = page[-1][0]


async def test_pages_hold_every_active_profile_once_in_id_order(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    for n in (5, 3, 7, 1, 6, 2, 4):
        store.add(f"p-{n}", T0 + n)
    store.add("p-0", T0, merged_into="p-1")
    assert await _walk(browser, 3, NO_FILTER) == [
        ["p-1", "p-2", "p-3"],
        ["p-4", "p-5", "p-6"],
        ["p-7"],
    ]
    # A last page that is exactly full says nothing follows (one row more is asked for).
    assert await _walk(browser, 7, NO_FILTER) == [[f"p-{n}" for n in range(1, 8)]]
    assert await browser.count_profiles(NO_FILTER) == 7


async def test_the_cursor_of_an_item_resumes_right_after_it(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    for n in range(1, 6):
        store.add(f"p-{n}", T0)
    page, _ = await browser.profiles(5, None, NO_FILTER)
    cursors = {view.id: cursor for cursor, view in page}
    after_two, more = await browser.profiles(2, cursors["p-2"], NO_FILTER)
    assert [v.id for _, v in after_two] == ["p-3", "p-4"] and more
    # A profile added before the cursor's position is not seen again, one after it is.
    store.add("p-0", T0)
    store.add("p-9", T0)
    rest, more = await browser.profiles(10, cursors["p-4"], NO_FILTER)
    assert [v.id for _, v in rest] == ["p-5", "p-9"] and not more


async def test_page_sizes_from_0_to_the_cap(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0)
    assert await browser.profiles(0, None, NO_FILTER) == ([], True)
    assert len((await browser.profiles(MAX_PAGE, None, NO_FILTER))[0]) == 1
    for first in (-1, MAX_PAGE + 1):
        with pytest.raises(InvalidInput, match=f"first: between 0 and {MAX_PAGE}"):
            await browser.profiles(first, None, NO_FILTER)
        with pytest.raises(InvalidInput):
            await browser.events("p-1", first, None, EventFilter(), reveal=False)


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not text
        encode_cursor(T0, "e-1"),  # an events cursor
    ],
)
async def test_a_profiles_cursor_this_api_did_not_return_is_refused(
    browser: ProfileBrowser, cursor: str
) -> None:
    with pytest.raises(InvalidInput, match="after: not a cursor this API returned"):
        await browser.profiles(10, cursor, NO_FILTER)


@pytest.mark.parametrize("cursor", [encode_cursor("p-1"), encode_cursor("soon", "e-1")])
async def test_an_events_cursor_this_api_did_not_return_is_refused(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser, cursor: str
) -> None:
    store.add("p-1", T0)
    with pytest.raises(InvalidInput, match="after: not a cursor this API returned"):
        await browser.events("p-1", 10, cursor, EventFilter(), reveal=False)


async def test_a_trait_filter_takes_only_plain_fields_and_values_they_accept(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0, plain={"plan": "pro", "seats": 3})
    store.add("p-2", T0, plain={"plan": "free", "seats": 30})
    store.add("p-3", T0, plain={"plan": "pro"})
    pro = ProfileFilter(trait=("plan", "  pro "))  # coerced as it was stored: stripped
    assert await _walk(browser, 10, pro) == [["p-1", "p-3"]]
    assert await browser.count_profiles(pro) == 2
    seats = ProfileFilter(trait=("seats", "3.0"))  # a number, whichever way it is written
    assert await _walk(browser, 10, seats) == [["p-1"]]
    for refused, says in [
        (("email", "a@b.c"), "filter.trait: 'email' is not a plain (queryable) trait"),
        (("nickname", "x"), "filter.trait: 'nickname' is not a plain (queryable) trait"),
        (("seats", "many"), "filter.trait: seats: expected number"),
    ]:
        with pytest.raises(InvalidInput, match=re.escape(says)):
            await browser.profiles(10, None, ProfileFilter(trait=refused))
        with pytest.raises(InvalidInput, match=re.escape(says)):
            await browser.count_profiles(ProfileFilter(trait=refused))


async def test_other_filters_combine(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0, identifier_types={"user_id", "email"}, segments={"vip"})
    store.add("p-2", T0 + 10, identifier_types={"user_id"}, segments={"vip"})
    store.add("p-3", T0 + 20, identifier_types={"email"})
    assert await _walk(browser, 10, ProfileFilter(identifier_type="email")) == [["p-1", "p-3"]]
    assert await _walk(browser, 10, ProfileFilter(segment="vip", updated_since=T0 + 10)) == [
        ["p-2"]
    ]


async def test_events_come_newest_first_and_page_through_equal_times(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0)
    for id, at in [("e-b", T0 + 5), ("e-a", T0 + 5), ("e-c", T0 + 9), ("e-d", T0 + 1)]:
        store.add_event("p-1", _event(id, at))
    seen: list[str] = []
    after: str | None = None
    while True:
        page, more = await browser.events("p-1", 1, after, EventFilter(), reveal=False)
        seen += [view.id for _, view in page]
        assert all(view.payload is None for _, view in page)
        if not more:
            break
        after = page[-1][0]
    assert seen == ["e-c", "e-a", "e-b", "e-d"]
    assert await browser.count_events("p-1", EventFilter()) == 4


async def test_event_filters_name_and_a_half_open_time_range(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0)
    for n in range(6):
        store.add_event("p-1", _event(f"e-{n}", T0 + n, "Bought" if n % 2 else "Viewed"))
    window = EventFilter(since=T0 + 1, until=T0 + 4)
    page, more = await browser.events("p-1", 10, None, window, reveal=False)
    assert [v.id for _, v in page] == ["e-3", "e-2", "e-1"] and not more
    bought = EventFilter(name="Bought", until=T0 + 5)
    page, _ = await browser.events("p-1", 10, None, bought, reveal=False)
    assert [v.id for _, v in page] == ["e-3", "e-1"]
    assert await browser.count_events("p-1", bought) == 2
    assert await browser.count_events("nobody", bought) == 0


async def test_event_counts_answer_every_profile_asked_for(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0)
    store.add("p-2", T0)
    store.add_event("p-1", _event("e-1", T0))
    assert await browser.event_counts(["p-2", "p-1", "nobody"]) == {
        "p-2": 0,
        "p-1": 1,
        "nobody": 0,
    }


def _node(key: str) -> GraphNodeView:
    return GraphNodeView(key, "user_id", None, False, False)


def _edge(a: str, b: str) -> GraphEdgeView:
    return GraphEdgeView(a, b, "LINKED", "same_message", 1.0, 1, True, None)


async def test_an_identity_graph_is_cut_to_its_cap_with_no_edge_left_dangling(
    store: InMemoryProfileBrowseStore, browser: ProfileBrowser
) -> None:
    store.add("p-1", T0)
    keys = [f"k-{n:04d}" for n in range(MAX_GRAPH_NODES + 20)]
    graph = Neighbourhood(
        "p-1",
        tuple(_node(k) for k in keys),
        tuple(_edge(a, b) for a, b in pairwise(keys)),
    )
    store.set_graph("p-1", graph, {k: 0 if n < 3 else 1 for n, k in enumerate(keys)})
    view = await browser.identity_graph("p-1", 1)
    assert view is not None and view.truncated
    assert [n.key for n in view.nodes] == keys[:MAX_GRAPH_NODES]
    assert len(view.edges) == MAX_GRAPH_NODES - 1
    assert {e.target for e in view.edges} <= set(keys[:MAX_GRAPH_NODES])
    own = await browser.identity_graph("p-1", 0)
    assert own is not None and not own.truncated
    assert [n.key for n in own.nodes] == keys[:3] and len(own.edges) == 2
    assert await browser.identity_graph("nobody", 1) is None
    for depth in (-1, 4):
        with pytest.raises(InvalidInput, match="depth: between 0 and 3"):
            await browser.identity_graph("p-1", depth)


async def test_revealed_payloads_are_opened_or_say_why_not(
    store: InMemoryProfileBrowseStore, sealer: Sealer
) -> None:
    browser = ProfileBrowser(store, sealer, _schema)
    owner = "ws:user_id:k1:aa"
    key = (await sealer.data_keys([owner], create=True))[owner]
    store.add("p-1", T0)
    good = sealer.seal(key, {"sku": "A-1"}, owner=owner, field="event:e-1")
    moved = sealer.seal(key, {"sku": "A-2"}, owner=owner, field="event:e-other")
    for row in [
        _event("e-1", T0 + 3, owner=owner),
        _event("e-2", T0 + 2, owner=owner),
        _event("e-3", T0 + 1, owner="ws:user_id:k1:erased"),
    ]:
        enc = {"e-1": good, "e-2": moved}.get(row.id, "sealed")
        store.add_event("p-1", replace(row, enc=enc))
    page, _ = await browser.events("p-1", 10, None, EventFilter(), reveal=True)
    assert [view.payload for _, view in page] == [
        {"sku": "A-1"},
        {"unavailable": INTEGRITY_FAILED},  # sealed for another event
        {"unavailable": KEY_DESTROYED},
    ]
    hidden, _ = await browser.events("p-1", 10, None, EventFilter(), reveal=False)
    assert [view.payload for _, view in hidden] == [None, None, None]
