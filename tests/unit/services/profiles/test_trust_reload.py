"""Source trusts are read again as soon as a batch names a source the held copy does not know,
and a source that stays unknown costs no further reads until the copy expires."""

from __future__ import annotations

from app.domain.traits import TraitSchema
from app.services.profiles.traits import GoldenRecords


class Trusts:
    def __init__(self) -> None:
        self.stored: dict[str, float] = {"web": 0.6}
        self.reads = 0

    async def __call__(self) -> dict[str, float]:
        self.reads += 1
        return dict(self.stored)


async def _schema() -> TraitSchema:
    return TraitSchema()


async def test_a_source_created_after_the_read_is_known_at_its_first_event() -> None:
    trusts = Trusts()
    golden = GoldenRecords(_schema, trusts)
    assert (await golden.effective_schema({"web"})).source_trust["web"] == 0.6
    trusts.stored["crm"] = 0.9  # created by another process
    assert (await golden.effective_schema({"web", "crm"})).source_trust["crm"] == 0.9
    assert trusts.reads == 2
    await golden.effective_schema({"crm", "manual"})
    await golden.effective_schema()
    assert trusts.reads == 2


async def test_a_source_that_stays_unknown_is_read_for_once() -> None:
    trusts = Trusts()
    golden = GoldenRecords(_schema, trusts)
    await golden.effective_schema({"imported-file"})
    await golden.effective_schema({"imported-file"})
    await golden.effective_schema({"web", "imported-file"})
    assert trusts.reads == 1
    schema = await golden.effective_schema({"imported-file"})
    assert schema.trust(schema.fields[0], "imported-file") == schema.default_trust
