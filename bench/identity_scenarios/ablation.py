"""The rules for messy identifiers, each with the configuration that switches it off: the
accuracy run scores every scenario without each rule in turn, so every rule's default is
backed by what it changes (docs/accuracy.md, "What each rule does")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.domain.identity import IdentityRules

#: Rule name -> the keys of config/identity.yaml that switch it off.
SWITCHED_OFF: dict[str, dict[str, Any]] = {
    "email_providers": {"email_providers": {}},
    "phone_region_from": {"phone_region_from": []},
    "generic_rivals": {"generic_rivals": 1_000_000},
    "successor_rules": {"successor_rules": []},
    "reassigned_after_days": {"reassigned_after_days": {}},
    "emails_in_user_ids": {"emails_in_user_ids": False},
    # Caps that count every value ever seen, not only those of the window.
    "cap_window_days": {"cap_window_days": {}},
    # The session caps as they were: 40 anonymous ids, 50 identifiers in all.
    "session_caps": {
        "type_caps": {**IdentityRules().type_caps, "anonymous_id": 40},
        "total_cap": 50,
        "cap_window_days": {},
    },
}


def rules_file(without: str, directory: Path) -> Path:
    """A rules file equal to the defaults but with `without` switched off."""
    rules = IdentityRules.from_mapping({**IdentityRules().to_mapping(), **SWITCHED_OFF[without]})
    path = directory / f"identity-without-{without}.yaml"
    path.write_text(json.dumps(rules.to_mapping()), encoding="utf-8")  # JSON is YAML
    return path
