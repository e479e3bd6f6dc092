"""Errors of the privacy core.

They derive from the project's root error so the API layers can map them to answers without
leaking key material or personal data.
"""

from app.errors import CdpError


class PrivacyError(CdpError):
    """Base of every error raised by the privacy core."""


class KeyMaterialError(PrivacyError):
    """A key or key-encryption key is missing, malformed or not the one the data was made with.

    Raised at start-up rather than later, so a misconfigured deployment never writes data it
    cannot read back.
    """


class DecryptionError(PrivacyError):
    """A token could not be authenticated: wrong key, wrong owner or field, or tampered.

    Deliberately says nothing about which of these it was.
    """
