"""The layers of `app/` import only downwards (docs/architecture.md, "The rooms").

Read from the source with `ast`, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.adapters.cypher import all_query_names

APP = Path(__file__).resolve().parents[2] / "app"

#: What each layer may import from `app`, besides itself.
ALLOWED: dict[str, set[str]] = {
    "app.domain": {"app.errors"},
    "app.privacy": {"app.errors", "app.domain"},
    "app.ports": {"app.errors", "app.domain"},
    "app.adapters": {
        "app.errors",
        "app.domain",
        "app.ports",
        "app.privacy",
        "app.metrics",
        "app.logs",
    },
    # Services reach Neo4j and Valkey only through ports; the composition root hands them
    # the adapters.
    "app.services": {
        "app.errors",
        "app.domain",
        "app.ports",
        "app.privacy",
        "app.supervision",
        "app.metrics",
        "app.logs",
        "app.settings",
        "app.batch_tuning",
    },
}


def _module(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _all_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _imports(path: Path) -> set[str]:
    return {name for name in _all_imports(path) if name == "app" or name.startswith("app.")}


def _layer(module: str) -> str | None:
    return next((layer for layer in ALLOWED if f"{module}.".startswith(f"{layer}.")), None)


def _within(name: str, prefixes: set[str]) -> bool:
    return any(f"{name}.".startswith(f"{prefix}.") for prefix in prefixes)


def _violations() -> list[str]:
    out = []
    for path in sorted(APP.rglob("*.py")):
        module = _module(path)
        layer = _layer(module)
        if layer is None:
            continue
        for name in sorted(_imports(path)):
            if not _within(name, ALLOWED[layer] | {layer}):
                out.append(f"{module} imports {name}")
    return out


def test_every_layer_imports_only_downwards() -> None:
    assert _violations() == []


@pytest.mark.parametrize(
    ("module", "name", "allowed"),
    [
        ("app.domain.tracking.parse", "app.entrypoints.json_depth", False),
        ("app.services.identity.ingestion", "app.entrypoints.tracking", False),
        ("app.services.identity.ingestion", "app.adapters.identity_graph", False),
        ("app.services.identity.ingestion", "app.ports.identity", True),
        ("app.adapters.valkey.stream", "app.services.tracking.resolver", False),
    ],
)
def test_the_rule_tells_an_upward_import(module: str, name: str, allowed: bool) -> None:
    layer = _layer(module)
    assert layer is not None
    assert _within(name, ALLOWED[layer] | {layer}) is allowed


def _query_names_in(path: Path, names: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
    }


def test_services_name_no_cypher_file_and_touch_no_valkey_client() -> None:
    """Services say what they need through ports; the adapters name queries and keys."""
    names = set(all_query_names())
    named = {
        f"{_module(path)} names {name}"
        for path in sorted((APP / "services").rglob("*.py"))
        for name in _query_names_in(path, names)
    }
    clients = {
        f"{_module(path)} imports {name}"
        for path in sorted((APP / "services").rglob("*.py"))
        for name in _all_imports(path)
        if name.split(".")[0] in {"redis", "valkey", "neo4j"}
    }
    assert sorted(named | clients) == []
