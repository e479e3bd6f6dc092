"""Erasure of a data subject: the service (`service`), its ordered steps (`steps`), and what it
plans and reports (`records`)."""

from app.services.privacy.erasure.records import (
    ErasurePlan,
    ErasurePreview,
    ErasureStatus,
    LeaseHeld,
)
from app.services.privacy.erasure.service import PLAN_ATTEMPTS, ErasureService

__all__ = [
    "PLAN_ATTEMPTS",
    "ErasurePlan",
    "ErasurePreview",
    "ErasureService",
    "ErasureStatus",
    "LeaseHeld",
]
