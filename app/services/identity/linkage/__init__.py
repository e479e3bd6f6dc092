"""Record linkage: pairs of profiles likely of one person though they share no identifier,
scored Fellegi-Sunter style over recordlinkage's blocking and comparisons, with the transparent
parameters of config/linkage.yaml."""

from app.services.identity.linkage.config import LinkageConfig, LinkageConfigError, load_config
from app.services.identity.linkage.model import LinkageModel, ScoredPair
from app.services.identity.linkage.records import FIELDS, LinkageRecord, record_of

__all__ = [
    "FIELDS",
    "LinkageConfig",
    "LinkageConfigError",
    "LinkageModel",
    "LinkageRecord",
    "ScoredPair",
    "load_config",
    "record_of",
]
