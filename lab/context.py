"""The running lab: settings, metastore, keys, policy engine, audit log and chokepoint.

One `Lab` per process, built by `Lab.open`. The API, the CLI and the workers get every
collaborator from here, so there is one place where the parts are wired together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from audit import AuditLog, GroupAppender
from lab.arrow_memory import use_jemalloc
from lab.auditing import Auditor
from lab.authz.chokepoint import Chokepoint
from lab.authz.engine import PolicyEngine
from lab.db import migrate
from lab.db.engine import make_engine
from lab.keys.master import load_master_key
from lab.keys.signing import audit_signing_key
from lab.settings import Settings
from lab.storage import DatasetStore
from lab.zones.files import load_zone_files
from lab.zones.service import record_zone_files


@dataclass
class Lab:
    settings: Settings
    engine: Engine
    read_engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    policy: PolicyEngine
    audit_log: AuditLog
    auditor: Auditor
    chokepoint: Chokepoint
    audit_public_key: Ed25519PublicKey
    store: DatasetStore
    master_key: bytes = field(repr=False)

    @classmethod
    def open(cls, settings: Settings, *, upgrade_schema: bool = False) -> Lab:
        """Open the lab; refuse with ConfigurationError if the key or schema is not right."""
        use_jemalloc()
        master = load_master_key(settings)
        zone_files = load_zone_files(settings.zones_dir)
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Sized to the threads that may hold a connection (Settings.metastore_pool_size):
        # no overflow, and a checkout that still waits a minute is a bug worth an error.
        pool: dict[str, Any] = {
            "pool_size": settings.metastore_pool_size,
            "max_overflow": 0,
            "pool_timeout": 60,
        }
        engine = make_engine(settings.metastore_url, **pool)
        if upgrade_schema:
            migrate.upgrade(engine)
        else:
            migrate.require_current(engine)
        read_engine = make_engine(settings.metastore_url, read_only=True, **pool)
        sessions = sessionmaker(engine, expire_on_commit=False)
        with sessions.begin() as session:
            signer = audit_signing_key(session, master)
        audit_log = AuditLog(
            signer,
            checkpoint_every=settings.audit_checkpoint_every,
            checkpoint_seconds=settings.audit_checkpoint_seconds,
        )
        auditor = Auditor(audit_log, GroupAppender(audit_log, engine).start())
        with sessions.begin() as session:
            record_zone_files(session, auditor, zone_files, settings.zones_dir)
        policy = PolicyEngine(
            read_engine,
            refresh_seconds=settings.policy_refresh_seconds,
            cache_size=settings.decision_cache_size,
        )
        return cls(
            settings=settings,
            engine=engine,
            read_engine=read_engine,
            sessions=sessions,
            readers=sessionmaker(read_engine, expire_on_commit=False),
            policy=policy,
            audit_log=audit_log,
            auditor=auditor,
            chokepoint=Chokepoint(policy, auditor, frozenset(zone_files) | {"platform"}),
            audit_public_key=signer.public_key(),
            store=DatasetStore(settings.home, master),
            master_key=master,
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; never waits for, nor blocks, a writer."""
        with self.readers() as session:
            yield session

    def close(self) -> None:
        self.auditor.appender.close()
        self.engine.dispose()
        self.read_engine.dispose()
