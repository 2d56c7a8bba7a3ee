"""What the policy actions accept and return, shared by the service, the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from lab.authz import admin as policy_admin
from lab.authz.request import AccessRequest
from lab.errors import InvalidInput


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


class ChangeAssignment(BaseModel):
    """A role assignment in a tried change; `tenant` `*` for a platform role."""

    subject: str = Field(max_length=128)
    role: str = Field(max_length=32)
    tenant: str = Field(max_length=64)


class RuleChange(BaseModel):
    """A rule to add or remove."""

    op: Literal["add_rule", "remove_rule"]
    rule: RuleBody


class AssignmentChange(BaseModel):
    """A role assignment (`tenant` `*`: a platform role) to grant or withdraw."""

    op: Literal["assign_role", "unassign_role"]
    assignment: ChangeAssignment


ChangeBody = Annotated[RuleChange | AssignmentChange, Field(discriminator="op")]
"""A policy change to try without making it; `op` says which kind."""


class DryRunBody(BaseModel):
    """A request to judge (`subject`, `action`, `resource`), a `change` to try, or both: the
    request is then judged under the policy as it would be after the change."""

    subject: str | None = Field(default=None, max_length=128)
    tenant: str = Field(default="*", max_length=64)
    zone: str = Field(default="platform", max_length=64)
    resource: str | None = Field(default=None, max_length=255)
    action: str | None = Field(default=None, max_length=64)
    change: ChangeBody | None = None

    def request(self) -> AccessRequest | None:
        """The request to judge; None if none is given. Only part of one is refused (an
        InvalidInput, 400: the schema cannot say "all three or none")."""
        parts = (self.subject, self.resource, self.action)
        if all(p is None for p in parts):
            return None
        if self.subject is None or self.resource is None or self.action is None:
            raise InvalidInput("a request needs subject, resource and action", field="subject")
        return AccessRequest(self.subject, self.tenant, self.zone, self.resource, self.action)


class DryRunOut(BaseModel):
    allowed: bool | None = Field(description="The request's verdict; null when none was asked.")
    rule: list[str] | None
    reason: str
    policy_version: int
    change_accepted: bool | None = Field(
        default=None, description="Would the change be made? null when none was tried."
    )
    findings: list[str] = Field(
        default_factory=list,
        description="Why the change would be refused: the same message the change would get.",
    )
