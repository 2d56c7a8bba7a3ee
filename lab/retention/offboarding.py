"""Tenant off-boarding: destroy all of a tenant's data and keys, in every zone.

One receipt per destroyed version, then the (zone, tenant) keys are shredded, the tenant's
people are disabled (their tokens revoked), and a summary receipt closes it. A legal hold
on any of the tenant's versions refuses the whole off-boarding, naming the held versions:
nothing is destroyed until the hold is released.

This is the destroying only: the tenant service's `offboard_tenant` (the one front door of
the action) authorizes the caller and then comes here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lab.auditing import Actor
from lab.context import Lab
from lab.datasets.service import live_versions_of_tenant
from lab.errors import Conflict
from lab.identity.models import User
from lab.identity.tenants import get_tenant
from lab.identity.users import disable_user
from lab.keys.hierarchy import shred_tenant_keys
from lab.retention.destruction import destroy_version
from lab.retention.receipts import SUMMARY
from lab.storage import scrub_metastore
from lab.zones.registry import zone_names


def destroy_tenant(lab: Lab, actor: Actor, tenant: str) -> dict[str, Any]:
    with lab.read() as session:
        get_tenant(session, tenant)
        versions = live_versions_of_tenant(session, tenant)
        zones = zone_names(session)
    held = [vid for vid, is_held in versions if is_held]
    if held:
        raise Conflict(
            f"tenant {tenant!r} has {len(held)} dataset version(s) under legal hold "
            f"({', '.join(held[:10])}); release the holds before off-boarding"
        )
    why = f"tenant off-boarding requested by {actor.name}"
    receipts = 0
    for version_id, _ in versions:
        if destroy_version(
            lab,
            version_id,
            actor=actor.name,
            why=why,
            rule="tenant off-boarding",
            request_id=actor.request_id,
        ):
            receipts += 1
    with lab.transaction() as session:
        keys = shred_tenant_keys(session, tenant, zones)
        people = list(
            session.scalars(
                sa.select(User.name).where(User.tenant_id == get_tenant(session, tenant).id)
            )
        )
        for name in people:
            disable_user(session, name)
        get_tenant(session, tenant).status = "offboarded"
        summary = {
            "tenant": tenant,
            "versions_destroyed": receipts,
            "keys_destroyed": keys,
            "users_disabled": len(people),
            "why": why,
        }
        lab.auditor.change(
            session,
            actor,
            SUMMARY,
            f"platform/tenants/{tenant}",
            tenant=tenant,
            outcome="destroyed",
            details=summary,
        )
    scrub_metastore(lab.engine)
    return summary
