"""Identity resolution as pure functions: normalise, cluster, assign profile ids."""

from app.domain.identity.assignment import Assignment, Merge, Split, assign
from app.domain.identity.bonds import Link, anchor, cluster_bonds, profile_bonds
from app.domain.identity.clustering import cluster, explain_path
from app.domain.identity.evidence import (
    Clustering,
    Eviction,
    Evidence,
    Node,
    Refusal,
    aggregate,
    component_keys,
)
from app.domain.identity.identifiers import (
    ANONYMOUS_ID,
    DEFAULT_BLOCKED_PATTERNS,
    DEFAULT_BLOCKED_VALUES,
    DEVICE_ID,
    EMAIL,
    KNOWN_TYPES,
    MAX_VALUE_LENGTH,
    PHONE,
    USER_ID,
    BlockList,
    IdentifierError,
    NormalisedIdentifier,
    RawIdentifier,
    is_external,
    normalise,
    validate_type,
)
from app.domain.identity.rules import IdentityRules
from app.domain.identity.rules_values import RulesError

__all__ = [
    "ANONYMOUS_ID",
    "DEFAULT_BLOCKED_PATTERNS",
    "DEFAULT_BLOCKED_VALUES",
    "DEVICE_ID",
    "EMAIL",
    "KNOWN_TYPES",
    "MAX_VALUE_LENGTH",
    "PHONE",
    "USER_ID",
    "Assignment",
    "BlockList",
    "Clustering",
    "Eviction",
    "Evidence",
    "IdentifierError",
    "IdentityRules",
    "Link",
    "Merge",
    "Node",
    "NormalisedIdentifier",
    "RawIdentifier",
    "Refusal",
    "RulesError",
    "Split",
    "aggregate",
    "anchor",
    "assign",
    "cluster",
    "cluster_bonds",
    "component_keys",
    "explain_path",
    "is_external",
    "normalise",
    "profile_bonds",
    "validate_type",
]
