from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from app.settings import Settings


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(env="production")
    message = str(caught.value)
    names = ("CDP_ADMIN_API_KEY", "CDP_DEFAULT_WRITE_KEY", "CDP_HMAC_KEYS", "CDP_KEK")
    for name in (*names, "CDP_OUTBOUND_SECRETS"):
        assert name in message


def test_production_accepts_real_secrets() -> None:
    settings = Settings(
        env="production",
        admin_api_key=SecretStr("a" * 40),
        default_write_key=SecretStr("w" * 40),
        hmac_keys=SecretStr("k2:" + "QUJD" * 12),
        kek=SecretStr("S0VL" * 11),
        outbound_secrets=SecretStr("s" * 40),
    )
    assert settings.hmac_keyring[0] == "k2"


def test_neo4j_uri_comes_from_the_usual_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    settings = Settings()
    assert settings.neo4j_uri == "neo4j+s://example.databases.neo4j.io"
    assert settings.neo4j_auth == ("neo4j", "pw")


def test_workspace_names_are_constrained() -> None:
    with pytest.raises(ValidationError):
        Settings(workspace="Bad Name!")
