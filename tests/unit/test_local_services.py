from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import LocalServiceError
from app.localservices.neo4j_server import LocalNeo4j, Neo4jDistribution, java_executable
from app.localservices.valkey_server import LocalValkey


def test_neo4j_config_is_loopback_with_short_log_retention(tmp_path: Path) -> None:
    server = LocalNeo4j(Neo4jDistribution(tmp_path), tmp_path / "i", bolt_port=7999)
    conf = server.config_text()
    assert "server.bolt.listen_address=127.0.0.1:7999" in conf
    assert "db.tx_log.rotation.retention_policy=false" in conf
    assert "server.https.enabled=false" in conf


def test_valkey_persists_what_it_acknowledged(tmp_path: Path) -> None:
    conf = LocalValkey(tmp_path).config_text()
    assert "appendonly yes" in conf and "appendfsync everysec" in conf
    assert "maxmemory-policy noeviction" in conf


def test_missing_java_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LocalServiceError, match="Java 17 or newer is required"):
        java_executable()


def test_missing_maven_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LocalServiceError, match="Maven"):
        Neo4jDistribution(tmp_path).ensure()
