"""The trackers' GraphQL input objects: Segment's calls, field for field, as typed inputs.

The types say only what Segment's spec fixes (which fields a call has, which are required);
every value is then validated by `app.domain.tracking.parse`, exactly as for /v1, from the
body these inputs are turned back into (`segment_body`). Field names are Segment's own
(camelCase in Python too), so an input's attributes are the body's keys.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

_ID = "A string or a number (kept as its text)."
_TIME = "ISO-8601 date-time; corrected for the client's clock as /v1 does."


@strawberry.input(description="Fields every Segment call may carry (Segment's Common Fields).")
class CommonFields:
    userId: strawberry.ID | None = strawberry.field(default=None, description=_ID)
    anonymousId: strawberry.ID | None = strawberry.field(
        default=None, description="userId or anonymousId is required. " + _ID
    )
    messageId: strawberry.ID | None = strawberry.field(
        default=None,
        description="De-duplication key (at most 255 characters): a replayed message is "
        "accepted and stored once. Generated when absent.",
    )
    timestamp: str | None = strawberry.field(default=None, description=_TIME)
    originalTimestamp: str | None = strawberry.field(default=None, description=_TIME)
    sentAt: str | None = strawberry.field(default=None, description=_TIME)
    context: JSON | None = strawberry.field(default=None, description="A JSON object.")
    integrations: JSON | None = strawberry.field(default=None, description="A JSON object.")


@strawberry.input(description="Segment `identify`: who the person is.")
class IdentifyInput(CommonFields):
    traits: JSON | None = strawberry.field(default=None, description="A JSON object.")


@strawberry.input(description="Segment `track`: something the person did.")
class TrackInput(CommonFields):
    event: str = strawberry.field(description="The event's name (1 to 1000 characters).")
    properties: JSON | None = strawberry.field(default=None, description="A JSON object.")


@strawberry.input(description="Segment `page`: a web page viewed.")
class PageInput(CommonFields):
    name: str | None = None
    category: str | None = None
    properties: JSON | None = strawberry.field(default=None, description="A JSON object.")


@strawberry.input(description="Segment `screen`: an app screen viewed.")
class ScreenInput(CommonFields):
    name: str | None = None
    category: str | None = None
    properties: JSON | None = strawberry.field(default=None, description="A JSON object.")


@strawberry.input(description="Segment `group`: the person belongs to a company or account.")
class GroupInput(CommonFields):
    groupId: strawberry.ID = strawberry.field(description=_ID)
    traits: JSON | None = strawberry.field(
        default=None, description="The group's traits (never the person's), a JSON object."
    )


@strawberry.input(description="Segment `alias`: two ids of the same person.")
class AliasInput(CommonFields):
    previousId: strawberry.ID = strawberry.field(description=_ID)


MessageInput = IdentifyInput | TrackInput | PageInput | ScreenInput | GroupInput | AliasInput


@strawberry.input(
    one_of=True, description="One message of a batch: exactly one field, named by its type."
)
class BatchMessageInput:
    identify: IdentifyInput | None = strawberry.UNSET
    track: TrackInput | None = strawberry.UNSET
    page: PageInput | None = strawberry.UNSET
    screen: ScreenInput | None = strawberry.UNSET
    group: GroupInput | None = strawberry.UNSET
    alias: AliasInput | None = strawberry.UNSET


def _given(message: object) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(message).items()
        if value is not None and value is not strawberry.UNSET
    }


def segment_body(message: MessageInput | BatchMessageInput) -> dict[str, Any]:
    """The JSON body /v1 would have been sent: the fields given (a null one is absent, as /v1
    takes it), and a batch message's `type` (GraphQL lets exactly one kind through)."""
    if isinstance(message, BatchMessageInput):
        ((kind, chosen),) = _given(message).items()
        return {"type": kind, **segment_body(chosen)}
    return _given(message)
