"""Parquet Modular Encryption with our key client: pyarrow's CryptoFactory, keys of ours.

Each Parquet file gets fresh data keys from pyarrow; our `KmsClient` wraps them with the
dataset-version key (AES-GCM from `cryptography`, via `lab.keys.envelope`, the key name as
associated data) and the wrapped keys travel inside the file footer's key metadata. The
footer and every column are encrypted with one data key (uniform encryption), so a file
cannot be opened, not even its schema read, without the dataset-version key.

This module needs only pyarrow and `cryptography`, so Spark tasks can import it without
the metastore. A client is given exactly the keys it may use (name → key bytes).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet.encryption as pe

from lab.errors import ConfigurationError
from lab.keys.envelope import unwrap, wrap

# A fresh CryptoFactory per reader or writer keeps pyarrow's key caches local to it; the
# lifetime only bounds how long a long-lived reader keeps unwrapped keys.
_CACHE_LIFETIME = timedelta(minutes=10)


def _purpose(key_name: str) -> str:
    return f"parquet-data-key:{key_name}"


class DatasetKeyClient(pe.KmsClient):  # type: ignore[misc]
    """Wraps and unwraps Parquet data keys with the dataset-version keys it was given."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        pe.KmsClient.__init__(self)
        self._keys = dict(keys)

    def _key(self, name: str) -> bytes:
        try:
            return self._keys[name]
        except KeyError:
            raise KeyError(f"no key {name!r} was given to this reader") from None

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
        key = self._key(master_key_identifier)
        wrapped = wrap(key, key_bytes, purpose=_purpose(master_key_identifier))
        return base64.b64encode(wrapped).decode("ascii")

    def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
        raw = base64.b64decode(wrapped_key)
        key = self._key(master_key_identifier)
        try:
            return unwrap(key, raw, purpose=_purpose(master_key_identifier))
        except ConfigurationError:
            raise ConfigurationError(
                f"the dataset key {master_key_identifier!r} does not open this file's data key: "
                "the file belongs to another version or was altered"
            ) from None


def crypto_factory(keys: Mapping[str, bytes]) -> pe.CryptoFactory:
    frozen = dict(keys)

    def make_client(_config: pe.KmsConnectionConfig) -> DatasetKeyClient:
        return DatasetKeyClient(frozen)

    return pe.CryptoFactory(make_client)


def encryption_properties(key_name: str, key: bytes) -> Any:
    """File encryption properties: footer and all columns under data keys wrapped by `key`."""
    config = pe.EncryptionConfiguration(
        footer_key=key_name,
        uniform_encryption=True,
        plaintext_footer=False,
        double_wrapping=False,
        internal_key_material=True,
        data_key_length_bits=256,
        encryption_algorithm="AES_GCM_V1",
        cache_lifetime=_CACHE_LIFETIME,
    )
    factory = crypto_factory({key_name: key})
    return factory.file_encryption_properties(pe.KmsConnectionConfig(), config)


def decryption_properties(keys: Mapping[str, bytes]) -> Any:
    """File decryption properties for `pyarrow.parquet` readers, limited to `keys`."""
    config = pe.DecryptionConfiguration(cache_lifetime=_CACHE_LIFETIME)
    return crypto_factory(keys).file_decryption_properties(pe.KmsConnectionConfig(), config)


def parquet_format(keys: Mapping[str, bytes]) -> ds.ParquetFileFormat:
    """A `pyarrow.dataset` Parquet format that decrypts with `keys` (and nothing else)."""
    decryption = ds.ParquetDecryptionConfig(
        crypto_factory(keys),
        pe.KmsConnectionConfig(),
        pe.DecryptionConfiguration(cache_lifetime=_CACHE_LIFETIME),
    )
    options = ds.ParquetFragmentScanOptions(decryption_config=decryption)
    return ds.ParquetFileFormat(default_fragment_scan_options=options)
