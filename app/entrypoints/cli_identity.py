"""`cdp identity`: what the identity rules caught (keys and counts only, never a value)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.entrypoints.cli_common import _with_container

if TYPE_CHECKING:
    from app.bootstrap import Container

identity_cli = typer.Typer(no_args_is_help=True, help="What the identity rules caught.")


@identity_cli.command("generic")
def identity_generic(
    limit: Annotated[int, typer.Option(help="how many, most linked first (1..1000)")] = 50,
) -> None:
    """Identifiers the rules made generic (shared values, junk user ids), with the counts
    that made them so and the thresholds in force."""

    async def work(container: Container) -> None:
        rules = container.rules
        print(
            f"generic_degree={rules.generic_degree}\tgeneric_rivals={rules.generic_rivals}"
            f"\tsession types: {', '.join(sorted(rules.session_types))}"
        )
        for g in await container.curation.generic_identifiers(limit):
            print(
                f"{g.type}\t{g.key}\tcaught_by={container.curation.caught_by(g)}"
                f"\tlinks={g.links}\tdegree={g.degree}\tshared={g.shared}\trivals={g.rivals}"
                f"\tprofile={g.profile or '-'}"
            )

    _with_container(work)
