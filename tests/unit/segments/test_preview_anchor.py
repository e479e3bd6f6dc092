"""A preview starts from the events of a name when the condition needs one of them."""

from __future__ import annotations

from app.adapters.stores.segment_cypher import required_event
from app.ports.segment_predicates import (
    AllTests,
    AnyTests,
    EventTest,
    NotTest,
    TraitTest,
)

BOUGHT = EventTest("Order Completed", 1, None, 30)
NEVER_BOUGHT = EventTest("Order Completed", 0, 0, None)
PRO = TraitTest("plan", "eq", "pro")


def test_a_required_event_anchors_the_preview() -> None:
    assert required_event(BOUGHT) == "Order Completed"
    assert required_event(AllTests((PRO, BOUGHT))) == "Order Completed"
    assert required_event(AllTests((PRO, AllTests((BOUGHT,))))) == "Order Completed"


def test_a_condition_met_without_the_event_scans_every_profile() -> None:
    assert required_event(NEVER_BOUGHT) is None
    assert required_event(AnyTests((PRO, BOUGHT))) is None
    assert required_event(NotTest(BOUGHT)) is None
    assert required_event(PRO) is None
