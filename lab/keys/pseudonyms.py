"""The tenant's desensitization keys, kept wrapped in the keyring.

The pseudonym key is per tenant, not per zone: a merchant pseudonymized in the sandbox
sample and in the owner's production data gets the same pseudonym, so promoted models
join. A grant can later share a tenant's pseudonym key with another tenant.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from lab.keys.keyring import get_or_create_secret


def pseudonym_key(session: Session, master: bytes, tenant: str) -> bytes:
    return get_or_create_secret(session, master, f"pseudonym/{tenant}", kind="hmac-sha256")


def surrogate_key(session: Session, master: bytes, tenant: str) -> bytes:
    return get_or_create_secret(session, master, f"surrogate/{tenant}", kind="hmac-sha256")
