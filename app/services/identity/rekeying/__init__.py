"""Blind-index rotation: the run (`service`) and the re-sealing of what an identifier's key
binds (`resealing`)."""

from app.services.identity.rekeying.service import BlindIndexRotation, RekeyProgress

__all__ = ["BlindIndexRotation", "RekeyProgress"]
