"""A household the review queue asks about: mum and dad log in with one family address, so
dad's link to it is refused (one user id a profile)."""

from __future__ import annotations

from app.bootstrap import Container
from tests.messages import message
from tests.support.profiles import profile_id

T0 = 1_700_000_000.0


async def household(container: Container) -> tuple[str, str]:
    """Mum's and dad's profiles, after the two logins."""
    await container.ingestion.ingest(
        [
            message("identify", user="mum", anon="a-mum", email="family@example.org", at=T0),
            message("identify", user="dad", anon="a-dad", email="family@example.org", at=T0 + 5),
        ]
    )
    mum = await profile_id(container, "user_id", "mum")
    return mum, await profile_id(container, "user_id", "dad")
