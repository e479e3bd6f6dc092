"""Profile traits as pure functions: the trait schema, survivorship with provenance, masking."""

from app.domain.traits.masking import mask, mask_decision
from app.domain.traits.schema import (
    DEFAULT_SOURCE_TRUST,
    DEFAULT_TRAITS,
    FIELD_TYPES,
    MANUAL,
    PII_CLASSES,
    STRATEGIES,
    UNDECLARED_POLICIES,
    FieldType,
    PiiClass,
    Strategy,
    TrackMapping,
    TraitError,
    TraitField,
    TraitSchema,
    Undeclared,
    normalise_name,
)
from app.domain.traits.survivorship import (
    Candidate,
    Decision,
    Observation,
    aggregate,
    decide,
    golden_record,
)
from app.domain.traits.values import canonical_json, coerce

__all__ = [
    "DEFAULT_SOURCE_TRUST",
    "DEFAULT_TRAITS",
    "FIELD_TYPES",
    "MANUAL",
    "PII_CLASSES",
    "STRATEGIES",
    "UNDECLARED_POLICIES",
    "Candidate",
    "Decision",
    "FieldType",
    "Observation",
    "PiiClass",
    "Strategy",
    "TrackMapping",
    "TraitError",
    "TraitField",
    "TraitSchema",
    "Undeclared",
    "aggregate",
    "canonical_json",
    "coerce",
    "decide",
    "golden_record",
    "mask",
    "mask_decision",
    "normalise_name",
]
