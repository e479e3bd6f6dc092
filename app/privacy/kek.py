"""The key-encryption key (KEK): read from the setting or a key file, generated only in
development. In production a lost KEK means every data key is lost, so the operator must
provide it explicitly."""

import base64
import binascii
import logging
import os
import tempfile
from pathlib import Path

from .errors import KeyMaterialError

log = logging.getLogger(__name__)

KEK_BYTES = 32


def check_kek(kek: bytes, what: str) -> None:
    if len(kek) != KEK_BYTES:
        raise KeyMaterialError(f"{what} has {len(kek)} bytes; it must be {KEK_BYTES}")


def _decode_kek(text: str, source: str) -> bytes:
    """Accept standard or URL-safe base64, padded or not: whatever the operator pasted."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        kek = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyMaterialError(f"{source} is not base64") from exc
    check_kek(kek, source)
    return kek


def _generate_kek_file(path: Path) -> bytes:
    """Write a fresh KEK atomically (temp file + hard link), so racing processes agree on one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kek = os.urandom(KEK_BYTES)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(base64.urlsafe_b64encode(kek).decode("ascii") + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, path)
    except FileExistsError:
        return _decode_kek(path.read_text(encoding="ascii"), f"KEK file {path}")
    finally:
        os.unlink(tmp)
    log.warning("generated a new key-encryption key in %s; development only", path)
    return kek


def load_kek(setting_value: str | None, key_file: Path | None, *, allow_generate: bool) -> bytes:
    """The 32-byte KEK: from the setting, else a key file (generated only when allowed).

    Generating is for development: in production a lost KEK means every key is lost, so the
    operator must provide it explicitly.
    """
    if setting_value is not None and setting_value.strip():
        return _decode_kek(setting_value, "the KEK setting")
    if key_file is not None:
        path = Path(key_file)
        if path.exists():
            if path.stat().st_mode & 0o077:
                log.warning("KEK file %s is readable by other users; chmod 600 it", path)
            try:
                text = path.read_text(encoding="ascii")
            except UnicodeDecodeError as exc:
                raise KeyMaterialError(f"KEK file {path} is not base64 text") from exc
            return _decode_kek(text, f"KEK file {path}")
        if allow_generate:
            return _generate_kek_file(path)
        raise KeyMaterialError(
            f"KEK file {path} does not exist; generating one is allowed only in development"
        )
    raise KeyMaterialError(
        "no key-encryption key configured: set the KEK setting to 32 random bytes in base64"
        " or give a key file"
    )
