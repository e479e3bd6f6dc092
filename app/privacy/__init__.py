"""Privacy core: blind indexes, field encryption and the data-key store.

No plaintext personal data reaches the graph: identifiers are keyed by a blind index and their
values and event properties are sealed under per-identifier data keys that can be destroyed.
"""

from .blind_index import BlindIndex
from .cipher import FieldCipher, decrypt_json, encrypt_json
from .errors import DecryptionError, KeyMaterialError, PrivacyError
from .keystore import KeyStore, LocalKeyStore, load_kek

__all__ = [
    "BlindIndex",
    "DecryptionError",
    "FieldCipher",
    "KeyMaterialError",
    "KeyStore",
    "LocalKeyStore",
    "PrivacyError",
    "decrypt_json",
    "encrypt_json",
    "load_kek",
]
