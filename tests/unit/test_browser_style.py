"""docs/neo4j-browser.grass survives Neo4j Browser's own GRASS parser and styles every label."""

from __future__ import annotations

import re
from pathlib import Path

from app.adapters.cypher import all_query_names

REPO = Path(__file__).resolve().parents[2]
GRASS = REPO / "docs" / "neo4j-browser.grass"


def _rules() -> dict[str, dict[str, str]]:
    """Parsed the way Browser does: quotes protect braces, each declaration splits on ':'."""
    rules: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(
        r"([\w.]+)\s*\{((?:[^{}\"]|\"[^\"]*\")*)\}", GRASS.read_text()
    ):
        declarations = [d.strip() for d in body.split(";") if d.strip()]
        props: dict[str, str] = {}
        for declaration in declarations:
            parts = declaration.split(":")
            # Browser silently drops a declaration with a second ':' (or a ';' in a caption).
            assert len(parts) == 2, f"{selector}: {declaration!r} would be dropped by Browser"
            props[parts[0].strip()] = parts[1].strip().strip('"')
        rules[selector] = props
    return rules


def test_the_file_is_whole_rules_only() -> None:
    text = GRASS.read_text()
    outside = re.sub(r"[\w.]+\s*\{(?:[^{}\"]|\"[^\"]*\")*\}", "", text)
    assert outside.strip() == "", "text outside a rule, or an unquoted brace"


def test_every_label_of_the_model_has_a_colour_and_a_caption() -> None:
    rules = _rules()
    captions = {
        "node.Profile": "{status} {id}",
        "node.Identifier": "{type}",
        "node.Device": "{kind} {os_name} {model}",
        "node.Event": "{type} {name}",
        "node.Consent": "granted {granted}",
        "node.Purpose": "{name}",
        "relationship.LINKED": "{refusal} {rule} {weight}",
        "node.Conflict": "{rule} {status}",
        "node.MergeSuggestion": "{probability} {status}",
    }
    for selector, caption in captions.items():
        assert rules[selector]["caption"] == caption, selector
    for label in ("Profile", "Identifier", "Device", "Event", "Observation", "Consent", "Purpose"):
        assert rules[f"node.{label}"]["color"].startswith("#"), label
    for kind in (
        "OF",
        "LINKED",
        "NEVER",
        "MERGED_INTO",
        "SPLIT_FROM",
        "BY",
        "GAVE",
        "FOR",
        "SEEN_ON",
        "ABOUT",
    ):
        assert f"relationship.{kind}" in rules, kind


def test_captions_use_plain_properties_only() -> None:
    for selector, props in _rules().items():
        used = set(re.findall(r"\{(\w+)\}", props.get("caption", "")))
        assert not used & {"enc", "key", "hash", "golden"}, selector


def test_the_explore_queries_documented_are_there() -> None:
    names = set(all_query_names())
    docs = (REPO / "docs" / "explore.md").read_text()
    for name in re.findall(r"`cypher/(explore/\w+)\.cypher`", docs):
        assert name in names, name
    assert {n for n in names if n.startswith("explore/")} <= {
        f"explore/{n}" for n in re.findall(r"`cypher/explore/(\w+)\.cypher`", docs)
    }
