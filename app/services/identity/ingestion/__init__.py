"""Ingestion: a batch of tracked messages written into the identity graph in one transaction
(`service`), in three steps: prepare (`prepare`), seal into rows (`rows`), write (`write`)."""

from app.services.identity.ingestion.prepare import event_id, stored_key
from app.services.identity.ingestion.report import IngestReport, WriteMode
from app.services.identity.ingestion.service import ATTEMPTS, IngestionService
from app.services.identity.ingestion.write import KeysMoved

__all__ = [
    "ATTEMPTS",
    "IngestReport",
    "IngestionService",
    "KeysMoved",
    "WriteMode",
    "event_id",
    "stored_key",
]
