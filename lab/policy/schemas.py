"""What the policy actions accept and return, shared by the service, the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lab.authz import admin as policy_admin
from lab.authz.request import AccessRequest


class RuleBody(BaseModel):
    role: str = Field(max_length=32)
    tenant: str = Field(
        default="*", max_length=64, description="A tenant slug, or `*` for every tenant."
    )
    obj: str = Field(
        max_length=255, description="`<zone>/<resource>`, may end in `*`: `sandbox/datasets/*`."
    )
    action: str = Field(max_length=64)
    effect: str = Field(default="allow", max_length=8, description="`allow` or `deny`; deny wins.")

    def rule(self) -> policy_admin.Rule:
        return policy_admin.Rule(self.role, self.tenant, self.obj, self.action, self.effect)

    @classmethod
    def of(cls, rule: policy_admin.Rule) -> RuleBody:
        return cls(**rule.__dict__)


class AssignmentBody(BaseModel):
    subject: str = Field(max_length=128)
    role: str = Field(max_length=32)


class AssignmentOut(BaseModel):
    subject: str
    role: str
    tenant: str

    @classmethod
    def of(cls, assignment: policy_admin.RoleAssignment) -> AssignmentOut:
        return cls(**assignment.__dict__)


class ChangeOut(BaseModel):
    version: int
    actor: str
    at: datetime
    op: str
    item: dict[str, Any]

    @classmethod
    def of(cls, change: policy_admin.PolicyChange) -> ChangeOut:
        return cls(**change.__dict__)


class DryRunBody(BaseModel):
    subject: str = Field(max_length=128)
    tenant: str = Field(default="*", max_length=64)
    zone: str = Field(default="platform", max_length=64)
    resource: str = Field(max_length=255)
    action: str = Field(max_length=64)

    def request(self) -> AccessRequest:
        return AccessRequest(**self.model_dump())


class DryRunOut(BaseModel):
    allowed: bool
    rule: list[str] | None
    reason: str
    policy_version: int
