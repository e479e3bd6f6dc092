"""The accuracy table: per scenario, pairwise precision, recall and F1 against the linkable and
the human truth in arrival order, the lowest linkable F1 over every order, and the identifiers
the graph lacks."""

from __future__ import annotations

from typing import Any


def _f(x: float) -> str:
    return f"{x:.4f}"


def scenario_table(result: dict[str, Any]) -> str:
    """The scenarios as docs/accuracy.md lists them: story, expected outcome, messages."""
    lines = [
        "| scenario | story | should become | messages |",
        "|---|---|---|---:|",
        *(
            f"| `{name}` | {s['story']} | {s['expected']} | {s['messages']:,} |"
            for name, s in sorted(result["scenarios"].items())
        ),
    ]
    return "\n".join(lines) + "\n"


def markdown(result: dict[str, Any]) -> str:
    orders: dict[str, Any] = result["orders"]
    first = next(iter(orders))
    lines = [
        f"Arrival order `{first}`; pairwise scores over identifiers as sent. "
        "`min F1` is the lowest linkable F1 over the orders "
        f"{', '.join(f'`{o}`' for o in orders)}.",
        "",
        "| scenario | items | linkable P | linkable R | linkable F1 | human P | human R "
        "| human F1 | min F1 | missing |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = [*sorted(orders[first]["scenarios"]), "all"]
    for name in names:
        got = orders[first]["all"] if name == "all" else orders[first]["scenarios"][name]
        low = min(
            (o["all"] if name == "all" else o["scenarios"][name])["linkable"]["pairwise"]["f1"]
            for o in orders.values()
        )
        link, human = got["linkable"]["pairwise"], got["human"]["pairwise"]
        label = "**every scenario**" if name == "all" else f"`{name}`"
        lines.append(
            f"| {label} | {got['items']:,} | {_f(link['precision'])} | {_f(link['recall'])} "
            f"| {_f(link['f1'])} | {_f(human['precision'])} | {_f(human['recall'])} "
            f"| {_f(human['f1'])} | {_f(low)} | {got['missing']:,} |"
        )
    if "without" in result:
        lines += ["", *_ablation(result)]
    return "\n".join(lines) + "\n"


def _ablation(result: dict[str, Any]) -> list[str]:
    """Linkable F1 in arrival order with every rule, and without each rule in turn."""
    every = result["orders"]["arrival"]
    without: dict[str, Any] = result["without"]
    lines = [
        "Linkable F1 in arrival order with every rule, and with each rule switched off "
        "(`bench/identity_scenarios/ablation.py`).",
        "",
        "| scenario | every rule | " + " | ".join(f"without `{r}`" for r in without) + " |",
        "|---|---:|" + "---:|" * len(without),
    ]
    for name in [*sorted(every["scenarios"]), "all"]:

        def f1(run: dict[str, Any], name: str = name) -> str:
            got = run["all"] if name == "all" else run["scenarios"][name]
            return _f(got["linkable"]["pairwise"]["f1"])

        label = "**every scenario**" if name == "all" else f"`{name}`"
        lines.append(
            f"| {label} | {f1(every)} | " + " | ".join(f1(r) for r in without.values()) + " |"
        )
    return lines
