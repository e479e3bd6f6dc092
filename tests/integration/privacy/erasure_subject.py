"""The subject of the erasure tests: a mother whose family tablet her son uses too, her messages,
her identifiers' keys, and the search for anything of her left in the graph."""

from __future__ import annotations

import dataclasses

from app.bootstrap import Container
from app.domain.messages import TrackedMessage
from tests.messages import message

T0 = 1_700_000_000.0
MUM = {
    "user": "mum-user-7731",
    "anon": "mum-anon-5521",
    "email": "Mum.Private@Family.example",
    "phone": "+44 20 7946 0777",
}
MUM_SECRETS = [
    "mum-user-7731",
    "mum-anon-5521",
    "mum.private@family.example",
    "+442079460777",
    "Margaret-Secret",
    "mum-secret-basket",
]


def mum_messages(n_tracks: int = 3, at: float = T0) -> list[TrackedMessage]:
    identify = message(
        "identify",
        user=MUM["user"],
        anon=MUM["anon"],
        email=MUM["email"],
        phone=MUM["phone"],
        device="family-tablet",
        traits={"first_name": "Margaret-Secret"},
        at=at,
    )
    identify = dataclasses.replace(
        identify,
        context={**identify.context, "consent": {"categoryPreferences": {"marketing": True}}},
    )
    tracks = [
        message(anon=MUM["anon"], properties={"basket": "mum-secret-basket"}, at=at + 1 + i)
        for i in range(n_tracks)
    ]
    return [identify, *tracks]


def son_messages(at: float = T0 + 100) -> list[TrackedMessage]:
    return [
        message(
            "identify", user="son-1", email="son@family.example", device="family-tablet", at=at
        ),
        message(user="son-1", at=at + 1),
    ]


async def mum_keys(container: Container) -> list[str]:
    keys = [
        await container.curation.find_key(t, v)
        for t, v in [
            ("user_id", MUM["user"]),
            ("anonymous_id", MUM["anon"]),
            ("email", MUM["email"]),
            ("phone", MUM["phone"]),
        ]
    ]
    assert all(keys)
    return [k for k in keys if k]


async def no_enqueue(request_id: str) -> None:
    return None
