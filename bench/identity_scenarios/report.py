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
    names = [*sorted(orders[first]["scenarios"]), *_totals(orders[first])]
    for name in names:
        got = _row(orders[first], name)
        low = min(_row(o, name)["linkable"]["pairwise"]["f1"] for o in orders.values())
        link, human = got["linkable"]["pairwise"], got["human"]["pairwise"]
        label = _label(name, orders[first])
        lines.append(
            f"| {label} | {got['items']:,} | {_f(link['precision'])} | {_f(link['recall'])} "
            f"| {_f(link['f1'])} | {_f(human['precision'])} | {_f(human['recall'])} "
            f"| {_f(human['f1'])} | {_f(low)} | {got['missing']:,} |"
        )
    if "review" in orders[first]:
        lines += ["", *_review(orders[first])]
    if "without" in result:
        lines += ["", *_ablation(result)]
    return "\n".join(lines) + "\n"


def _totals(run: dict[str, Any]) -> list[str]:
    """The total rows: over every scenario, and over all but those set apart if any."""
    return ["all", "within"] if "within" in run else ["all"]


def _row(run: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = run[name] if name in ("all", "within") else run["scenarios"][name]
    return found


def _label(name: str, run: dict[str, Any]) -> str:
    if name == "all":
        return "**every scenario**"
    if name == "within":
        return f"**every scenario but {', '.join(f'`{a}`' for a in run['within']['apart'])}**"
    return f"`{name}`"


def _review(run: dict[str, Any]) -> list[str]:
    """The review queue after the run, and human scores before and after deciding it."""
    review = run["review"]
    linkage = review["linkage"]
    lines = [
        "The review queue after the run: suggestions filed by kind, and how many are right "
        "(`bench/identity_scenarios/review.py`): a join (likely same person, contended "
        "identifier) about one person, a bot suspect about a bot, a profile at a cap holding "
        "several people's identifiers (a shared login).",
        "",
        "| kind | filed | right | by scenario |",
        "|---|---:|---:|---|",
    ]
    for kind, got in review["kinds"].items():
        where = ", ".join(f"`{k}` {v}" for k, v in got["by_scenario"].items())
        lines.append(f"| `{kind}` | {got['filed']:,} | {got['one_person']:,} | {where} |")

    def shown(x: float | None) -> str:
        return "-" if x is None else _f(x)

    lines += [
        "",
        f"Likely same people: {linkage['profiles']:,} profiles read, {linkage['compared']:,} "
        f"with a record to compare, {linkage['pairs_scored_above_threshold']:,} pairs at or "
        f"above the threshold in {linkage['seconds']} s; precision at the top 100 "
        f"{shown(linkage['precision_at_100'])}, precision {shown(linkage['precision'])}, "
        f"recall {shown(linkage['recall'])} of {linkage['pairs_of_one_person']:,} pairs of "
        "one person's comparable profiles.",
        "",
        "Human pairwise F1 before and after a reviewer who knows the truth decided every "
        "suggestion (accepted when one person, dismissed otherwise; "
        + ", ".join(f"{k} {v}" for k, v in sorted(review["decided"].items()))
        + "):",
        "",
        "| scenario | human P before | human R before | human F1 before | human P after "
        "| human R after | human F1 after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    after = run["after_review"]
    for name in [*sorted(run["scenarios"]), *_totals(run)]:
        before_s, after_s = _row(run, name), _row(after, name)
        label = _label(name, run)
        was, now = before_s["human"]["pairwise"], after_s["human"]["pairwise"]
        lines.append(
            f"| {label} | {_f(was['precision'])} | {_f(was['recall'])} | {_f(was['f1'])} "
            f"| {_f(now['precision'])} | {_f(now['recall'])} | {_f(now['f1'])} |"
        )
    return lines


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
    for name in [*sorted(every["scenarios"]), *_totals(every)]:

        def f1(run: dict[str, Any], name: str = name) -> str:
            return _f(_row(run, name)["linkable"]["pairwise"]["f1"])

        label = _label(name, every)
        lines.append(
            f"| {label} | {f1(every)} | " + " | ".join(f1(r) for r in without.values()) + " |"
        )
    return lines
