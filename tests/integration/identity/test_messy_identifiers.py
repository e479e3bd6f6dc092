"""`cdp identity generic` on a real Neo4j, as a process: it names the junk user id the rules
caught by its rivals, by key and counts, never by value (docs/identity.md, 4.6). The rules for
messy identifiers themselves are tested on the in-memory graph
(tests/unit/services/identity/test_messy_identifiers.py) and compared with Neo4j by the
contract test's messy_identifiers scenario."""

from __future__ import annotations

import pytest

from app.bootstrap import Container
from app.settings import Settings
from tests.messages import message
from tests.subprocess_env import run_cdp

pytestmark = pytest.mark.integration


async def test_cdp_identity_generic_names_what_was_caught(
    container: Container, settings: Settings
) -> None:
    for i in range(container.rules.generic_rivals + 1):
        await container.ingestion.ingest(
            [
                message("identify", anon=f"b-{i}", user="[object Object]", at=i * 10.0),
                message("identify", anon=f"b-{i}", user=f"u-{i}", at=i * 10.0 + 1),
            ]
        )
    out, _ = await run_cdp(settings, "identity", "generic")
    lines = out.splitlines()
    assert lines[0].startswith(f"generic_degree={container.rules.generic_degree}\t")
    junk = await container.curation.find_key("user_id", "[object Object]")
    assert junk is not None
    caught = [line for line in lines[1:] if junk in line]
    assert len(caught) == 1
    assert "caught_by=generic_rivals" in caught[0]
    assert "[object Object]" not in out  # keys and counts, never a value
