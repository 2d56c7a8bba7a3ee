"""Master key vetting and key wrapping (AES-GCM from `cryptography`)."""

from __future__ import annotations

import base64

import pytest

from lab.errors import ConfigurationError
from lab.keys.envelope import unwrap, wrap
from lab.keys.master import decode_master_key, generate_master_key


def test_generated_keys_are_accepted_and_distinct() -> None:
    first, second = generate_master_key(), generate_master_key()
    assert first != second
    assert len(decode_master_key(first, source="test")) == 32


@pytest.mark.parametrize(
    ("encoded", "says"),
    [
        (base64.urlsafe_b64encode(b"\x00" * 32).decode(), "weak"),
        (base64.urlsafe_b64encode(bytes(range(4)) * 8).decode(), "weak"),
        (base64.urlsafe_b64encode(b"short").decode(), "decodes to 5 bytes"),
        ("%%%%", "not valid base64"),
    ],
)
def test_bad_master_keys_are_refused_with_a_reason(encoded: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        decode_master_key(encoded, source="test")


def test_wrapped_keys_open_only_with_the_right_key_and_purpose() -> None:
    kek, other = b"k" * 16 + b"e" * 16, b"o" * 32
    wrapped = wrap(kek, b"secret-key-bytes", purpose="tenant/acme")
    assert unwrap(kek, wrapped, purpose="tenant/acme") == b"secret-key-bytes"
    with pytest.raises(ConfigurationError):
        unwrap(other, wrapped, purpose="tenant/acme")
    with pytest.raises(ConfigurationError):
        unwrap(kek, wrapped, purpose="tenant/globex")
    assert b"secret-key-bytes" not in wrapped
