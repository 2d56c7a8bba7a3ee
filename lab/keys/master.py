"""The master key: where it comes from, and the checks that refuse a missing or weak one.

The master key never lives in the metastore. It comes from `LAB_MASTER_KEY` or from the key
file `lab init` writes with mode 0600. Every other key is stored wrapped by it (see
`lab.keys.envelope`), so whoever holds the metastore alone holds no key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path

from lab.errors import ConfigurationError
from lab.settings import Settings

KEY_BYTES = 32
_MIN_DISTINCT_BYTES = 12


def generate_master_key() -> str:
    """A new master key, encoded as it is stored and given by environment."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def decode_master_key(encoded: str, *, source: str) -> bytes:
    """Decode and vet a master key; raise ConfigurationError naming `source` if unfit."""
    text = encoded.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(
            f"the master key from {source} is not valid base64: {exc}. "
            "Generate one with `lab keys generate`."
        ) from exc
    if len(raw) != KEY_BYTES:
        raise ConfigurationError(
            f"the master key from {source} decodes to {len(raw)} bytes; it must be "
            f"{KEY_BYTES} random bytes (base64). Generate one with `lab keys generate`."
        )
    if len(set(raw)) < _MIN_DISTINCT_BYTES:
        raise ConfigurationError(
            f"the master key from {source} is weak (too few distinct bytes: it does not "
            "look random). Generate one with `lab keys generate`."
        )
    return raw


def load_master_key(settings: Settings) -> bytes:
    """The master key from the environment or the key file, vetted; never a default."""
    if settings.master_key is not None:
        return decode_master_key(settings.master_key.get_secret_value(), source="LAB_MASTER_KEY")
    path = settings.master_key_file
    pending = path.with_suffix(".new")
    if pending.exists():
        raise ConfigurationError(
            f"{pending} exists: a master key rotation was interrupted. If `lab keys rotate` "
            f"reported success, or the old key no longer opens the lab, run `mv {pending} "
            f"{path}`; otherwise delete {pending}."
        )
    if not path.exists():
        raise ConfigurationError(
            f"no master key: set LAB_MASTER_KEY or run `lab init` to create {path}."
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"the master key file {path} is readable by others (mode {mode:04o}); "
            f"run `chmod 600 {path}`."
        )
    return decode_master_key(path.read_text(encoding="ascii"), source=str(path))


def write_master_key_file(path: Path, encoded: str) -> None:
    """Create the key file with mode 0600 from the start (no window where it is wider)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(encoded + "\n")
