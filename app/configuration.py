"""The configuration files (identity rules, trait schema, consent purposes) and the key store,
loaded at start-up with errors that name the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from app.domain.consent import ConsentError, ConsentPolicy
from app.domain.identity import IdentityRules, RulesError
from app.domain.traits import TraitError, TraitSchema
from app.errors import ConfigurationError
from app.privacy import LocalKeyStore, load_kek
from app.settings import Settings

T = TypeVar("T")


def _load_yaml(
    path: Path, parse: Callable[[Any], T], default: Callable[[], T], errors: type[Exception]
) -> T:
    """A configuration object from YAML; its default when the file does not exist."""
    if not path.exists():
        return default()
    try:
        return parse(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, errors) as exc:
        raise ConfigurationError(f"{path}: {exc}") from exc


def load_rules(path: Path) -> IdentityRules:
    """Identity rules (config/identity.yaml)."""
    return _load_yaml(path, IdentityRules.from_mapping, IdentityRules, RulesError)


def load_trait_schema(path: Path) -> TraitSchema:
    """The trait schema (config/traits.yaml)."""
    return _load_yaml(path, TraitSchema.from_mapping, TraitSchema, TraitError)


def load_consent_policy(path: Path) -> ConsentPolicy:
    """Consent purposes and category aliases (config/consent.yaml)."""
    return _load_yaml(path, ConsentPolicy.from_mapping, ConsentPolicy, ConsentError)


def open_keystore(settings: Settings) -> LocalKeyStore:
    kek = load_kek(
        settings.kek.get_secret_value() if settings.kek else None,
        settings.resolved_kek_file,
        allow_generate=settings.is_development,
    )
    return LocalKeyStore(
        settings.resolved_keystore_path,
        kek,
        settings.kek_id,
        previous=settings.previous_keks,
    )
