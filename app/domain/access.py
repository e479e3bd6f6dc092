"""Who may do what: roles, the capabilities they carry, and the caller of a request.

Roles are fixed; each is a set of capabilities, and every sensitive GraphQL field or mutation
names the capability it needs. Personal data is shown decrypted only with `read_pii`;
everyone else sees it masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Capability(StrEnum):
    READ = "read"  # profiles, identity graph, explanations, pipeline counters
    READ_PII = "read_pii"  # personal values decrypted (masked otherwise)
    CURATE = "curate"  # unlink, block, merge, set traits
    SEGMENTS = "segments"  # segments and journeys
    PRIVACY = "privacy"  # consent, erasure, subject export, retention, audit log
    ADMIN = "admin"  # sources, write keys, trait schema, API keys


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    MARKETER = "marketer"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: frozenset({Capability.READ}),
    Role.ANALYST: frozenset({Capability.READ, Capability.CURATE}),
    Role.MARKETER: frozenset({Capability.READ, Capability.SEGMENTS}),
    Role.PRIVACY_OFFICER: frozenset({Capability.READ, Capability.READ_PII, Capability.PRIVACY}),
    Role.ADMIN: frozenset(Capability),
}

#: What setting a trait by hand (`setTrait`) needs. A journey's `set_trait` action needs it too
#: when the trait is personal (a plain trait comes with SEGMENTS, which saving a journey needs).
SET_TRAIT = Capability.CURATE
#: What a plugin's journey action needs unless it declares otherwise.
PLUGIN_ACTION_DEFAULT = Capability.ADMIN


def roles_with(*capabilities: Capability) -> list[Role]:
    """The roles that carry every one of these capabilities, in the order they are declared."""
    return [r for r in Role if set(capabilities) <= ROLE_CAPABILITIES[r]]


def refusal(role: Role | None, capability: Capability, what: str, *with_: Capability) -> str | None:
    """Why `role` may not do `what`, which needs `capability` (besides `with_`), or None when
    it may. The message has the shape GraphQL uses for refused mutations and names the roles
    that may."""
    if role is not None and capability in ROLE_CAPABILITIES[role]:
        return None
    who = f"the {role.value} role" if role is not None else "an unknown role"
    allowed = ", ".join(r.value for r in roles_with(capability, *with_)) or "none"
    return (
        f"Forbidden: {who} lacks '{capability.value}', which {what} needs "
        f"(roles that may: {allowed})"
    )


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: an API key's id and name, and its role."""

    key_id: str
    name: str
    role: Role

    @property
    def capabilities(self) -> frozenset[Capability]:
        return ROLE_CAPABILITIES[self.role]

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def actor(self) -> str:
        """How the audit log and the graph name this caller (never a secret)."""
        return f"{self.role.value}:{self.name}"
