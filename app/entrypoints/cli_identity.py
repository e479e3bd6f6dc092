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


@identity_cli.command("review")
def identity_review(
    scan: Annotated[
        bool, typer.Option(help="score profiles by their traits for likely same people first")
    ] = False,
    limit: Annotated[int, typer.Option(help="how many open suggestions to list (1..1000)")] = 50,
) -> None:
    """File what the rules refused into the review queue now (and, with --scan, the likely
    same people), then list the open suggestions: ids, kinds, rules, keys and profile ids,
    never a value. Decide them through GraphQL (acceptSuggestion, dismissSuggestion)."""

    if not 1 <= limit <= 1000:
        raise typer.BadParameter("must be between 1 and 1000", param_hint="--limit")

    async def work(container: Container) -> None:
        swept = await container.conflict_sweep.sweep()
        print(
            f"filed: contended={swept.contended}\tgeneric={swept.generic}"
            f"\tbots={swept.bots}\tat_cap={swept.at_cap}\tsettled={swept.settled}"
        )
        if scan:
            found = await container.duplicate_scan.scan()
            print(
                f"scanned: profiles={found.profiles}\tcompared={found.compared}"
                f"\tpairs={found.pairs}\tfiled={found.filed}\tseconds={found.seconds:.1f}"
            )
        for s in await container.review.suggestions("open", None, limit):
            about = " ".join(f"{i.type}:{i.key}" for i in s.identifiers) or "-"
            score = "-" if s.probability is None else f"{s.probability:.3f}"
            print(
                f"{s.id}\t{s.kind}\t{s.rule or '-'}\tprobability={score}"
                f"\tprofiles={','.join(s.profiles)}\tabout={about}"
            )

    _with_container(work)


@identity_cli.command("report")
def identity_report() -> None:
    """The thresholds in force and what the rules caught, in counts: refused links by
    refusal, generic identifiers by type, the review queue by kind and status."""

    async def work(container: Container) -> None:
        rules = container.rules
        caps = ", ".join(f"{t}={n}" for t, n in sorted(rules.type_caps.items()))
        windows = ", ".join(f"{t}={d:g}" for t, d in sorted(rules.cap_window_days.items()))
        moved = ", ".join(f"{t}={d:g}" for t, d in sorted(rules.reassigned_after_days.items()))
        print(
            f"generic_degree={rules.generic_degree}\tgeneric_rivals={rules.generic_rivals}"
            f"\ttotal_cap={rules.total_cap}\ttype_caps: {caps}"
            f"\tcap_window_days: {windows or '-'}"
            f"\treassigned_after_days: {moved or '-'}"
            f"\tbot_events={rules.bot_events}\tbot_window_hours={rules.bot_window_hours:g}"
        )
        caught = await container.review.caught()
        for refusal, links in sorted(caught.refusals.items()):
            print(f"refused\t{refusal}\t{links}")
        for type_, count in sorted(caught.generic.items()):
            print(f"generic\t{type_}\t{count}")
        for (kind, status), count in sorted(caught.suggestions.items()):
            print(f"suggestions\t{kind}\t{status}\t{count}")

    _with_container(work)
