"""A source's trust counts from its first event, in a process that read the trusts before the
source existed (the worker, while the API creates sources)."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from tests.identity_checks import profile_id
from tests.messages import message

pytestmark = pytest.mark.integration


async def test_a_new_sources_trust_applies_to_its_first_event(container: Container) -> None:
    # This process has read the trusts already: a first event, before the sources exist.
    await container.ingestion.ingest([message("identify", user="u-0", traits={"company": "X"})])
    crm = (await container.sources.create("crm", trust=0.9)).source
    form = (await container.sources.create("signup_form", trust=0.3)).source
    await container.ingestion.ingest(
        [
            message("identify", user="u-1", traits={"company": "Acme"}, source=crm.id, at=100.0),
            message(
                "identify", user="u-1", traits={"company": "Acme Corp"}, source=form.id, at=101.0
            ),
        ]
    )
    pid = await profile_id(container, "user_id", "u-1")
    assert (await container.profiles.traits(pid))["company"] == "Acme"
    why = await container.profiles.trait(pid, "company")
    assert why is not None and why.winner.source == crm.id
    assert why.winner.weight == pytest.approx(0.9, abs=1e-3)
    assert [(c.source, round(c.weight, 3)) for c in why.candidates] == [
        (crm.id, 0.9),
        (form.id, 0.3),
    ]
