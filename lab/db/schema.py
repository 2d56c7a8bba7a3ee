"""Every table the metastore holds: the lab's models and the libraries' tables.

Importing this module registers all ORM models on `Base.metadata`; Alembic compares
`target_metadata` with the database.
"""

from __future__ import annotations

import sqlalchemy as sa

import lab.authz.models as authz_models
import lab.identity.models
import lab.keys.keyring
import lab.models.models
import lab.monitoring.models
import lab.promotions.models
import lab.releases.models
import lab.storage.models
import lab.work.models
import lab.zones.models  # noqa: F401  (the imports register the ORM tables)
from audit.store import metadata as audit_metadata
from lab.db.base import Base

target_metadata: list[sa.MetaData] = [
    Base.metadata,
    audit_metadata,
    authz_models.casbin_metadata,
]
