"""A source's trust counts from its first event, in a process that read the trusts before the
source existed (the worker, while the API creates sources)."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.burst_worker import run_burst
from tests.identity_checks import profile_id
from tests.messages import message
from tests.processes import served
from tests.support.graphql import graphql_data

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


SET_TRUST = """
mutation ($id: String!, $trust: Float!) {
  setSourceTrust(sourceId: $id, trust: $trust) {
    __typename
    ... on SourceTrustSet { source { trust } redecision { id status reason sourceId } }
    ... on InvalidSource { message }
    ... on SourceNotFound { message }
  }
}"""

FOLLOW = """
query ($id: String!) {
  sources { id trust redecision { id status checked total redecided changed } }
  redecisions(sourceId: $id) { id }
}"""


async def test_a_changed_trust_re_decides_the_records_it_weighs_in_in_the_background(
    container: Container, settings: Settings
) -> None:
    # Every process holds trusts for 1 s here (30 s by default): the run waits 2 s, not 31.
    quick = settings.model_copy(update={"trait_cache_seconds": 1.0})
    crm = (await container.sources.create("crm", trust=0.9)).source
    form = (await container.sources.create("signup_form", trust=0.3)).source
    await container.ingestion.ingest(
        [
            message("identify", user=f"u-{n}", traits={"company": f"{n} crm"}, source=crm.id)
            for n in range(3)
        ]
        + [
            message("identify", user=f"u-{n}", traits={"company": f"{n} form"}, source=form.id)
            for n in range(2)
        ]
        + [message("identify", user="u-other", traits={"plan": "pro"}, source=crm.id)]
    )
    first = await profile_id(container, "user_id", "u-0")
    assert (await container.profiles.traits(first))["company"] == "0 crm"
    admin = settings.admin_api_key.get_secret_value()
    async with served(quick) as api:
        answer = (await graphql_data(api, admin, SET_TRUST, id=form.id, trust=1.0))[
            "setSourceTrust"
        ]
        assert answer["source"] == {"trust": 1.0}
        run = answer["redecision"]
        assert (run["status"], run["reason"], run["sourceId"]) == (
            "waiting",
            "source_trust",
            form.id,
        )
        await run_burst(quick)  # the deferred run, once every process holds the new trust
        followed = await graphql_data(api, admin, FOLLOW, id=form.id)
    assert followed["redecisions"] == [{"id": run["id"]}]
    (progress,) = [s["redecision"] for s in followed["sources"] if s["id"] == form.id]
    # All 4 active profiles looked at; the 2 with a value from the form decided again, and
    # both now show the form's value (its trust, 1.0, beats the crm's 0.9).
    assert progress == {
        "id": run["id"],
        "status": "done",
        "checked": 4,
        "total": 4,
        "redecided": 2,
        "changed": 2,
    }
    for n, expected in ((0, "0 form"), (1, "1 form"), (2, "2 crm")):
        pid = await profile_id(container, "user_id", f"u-{n}")
        assert (await container.profiles.traits(pid))["company"] == expected


async def test_a_trust_is_refused_out_of_range_for_an_unknown_source_or_set_by_the_schema(
    container: Container, settings: Settings, api_url: str
) -> None:
    admin = settings.admin_api_key.get_secret_value()
    crm = (await container.sources.create("crm", trust=0.9)).source
    answers = [
        (await graphql_data(api_url, admin, SET_TRUST, id=source, trust=trust))["setSourceTrust"]
        for source, trust in ((crm.id, 0.0), (crm.id, 1.01), ("nope", 0.5), ("manual", 0.5))
    ]
    assert [a["__typename"] for a in answers] == [
        "InvalidSource",
        "InvalidSource",
        "SourceNotFound",
        "InvalidSource",
    ]
    assert "trust must be greater than 0" in answers[0]["message"]
    assert "source_trust sets this source" in answers[3]["message"]
    assert [s.trust for s in await container.sources.list()] == [0.9]
    assert await container.redecisions.latest() == []
