"""docker-compose.yml describes the same platform as `make run` (checked without an engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def test_all_pieces_are_there() -> None:
    services = _compose()["services"]
    assert set(services) == {"neo4j", "valkey", "api", "worker"}
    assert services["api"]["command"][:2] == ["cdp", "api"]
    assert services["worker"]["command"] == ["cdp", "worker"]


def test_neo4j_has_authentication_and_short_log_retention() -> None:
    env = _compose()["services"]["neo4j"]["environment"]
    assert env["NEO4J_AUTH"].startswith("neo4j/")
    assert env["NEO4J_db_tx__log_rotation_retention__policy"] == "false"


def test_valkey_persists_with_an_append_only_file() -> None:
    command = _compose()["services"]["valkey"]["command"]
    assert "--appendonly" in command and command[command.index("--appendonly") + 1] == "yes"
    assert "noeviction" in command


def test_published_ports_are_loopback_only() -> None:
    for name, service in _compose()["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), name


def test_the_image_copies_everything_the_app_reads() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    for folder in ("app", "workers", "cypher", "config"):
        assert f"COPY {folder} ./{folder}" in dockerfile


def test_every_service_restarts_after_a_crash() -> None:
    for name, service in _compose()["services"].items():
        assert service.get("restart") in ("unless-stopped", "on-failure", "always"), name


def _check(service: dict[str, Any]) -> list[str]:
    health = service["healthcheck"]
    assert health.get("disable") is not True
    for field in ("interval", "retries"):
        assert field in health
    test: list[str] = health["test"]
    assert test[0] in ("CMD", "CMD-SHELL")
    return test


def test_every_service_has_a_health_check() -> None:
    services = _compose()["services"]
    assert "7474" in " ".join(_check(services["neo4j"]))
    assert "ping" in " ".join(_check(services["valkey"]))
    api = " ".join(_check(services["api"]))
    assert "http://127.0.0.1:8000/readyz" in api
    assert _check(services["worker"]) == ["CMD", "cdp", "worker", "--check"]


def test_the_api_and_the_worker_wait_for_healthy_backing_services() -> None:
    services = _compose()["services"]
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends == {
            "neo4j": {"condition": "service_healthy"},
            "valkey": {"condition": "service_healthy"},
        }, name
    for name in ("neo4j", "valkey"):
        assert "depends_on" not in services[name]


def test_the_worker_health_check_is_a_command_of_the_cli() -> None:
    """`cdp worker --check` exists (the compose check would fail forever otherwise)."""
    from typer.testing import CliRunner

    from app.entrypoints.cli import cli

    result = CliRunner().invoke(cli, ["worker", "--help"])
    assert result.exit_code == 0 and "--check" in result.output
