"""The names of actions, in one place: the verbs the chokepoint decides and the events the
audit trail records.

Both are `StrEnum`s, so a member *is* its string: it goes into a casbin request, a policy
line or an audit row unchanged, and the audit trail written before the catalogue existed
reads the same. The point of the catalogue is that a misspelt action becomes an attribute
error caught by mypy, instead of a request that no rule allows (a silent deny) or an event
that no auditor's query finds.

`AccessAction` is the verb part of a request `(subject, tenant, "<zone>/<resource>", verb)`;
the chokepoint records each decision as the audit action `access.<verb>`. `AuditAction` is
what happened, written by the service that did it, in the transaction that did it.
"""

from __future__ import annotations

from enum import StrEnum


class AccessAction(StrEnum):
    """Verbs the policy knows (policies/README.md explains who holds which)."""

    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SUBMIT = "submit"  # send code to the data (a job)
    CANCEL = "cancel"  # stop a queued or running job: its own verb, not `submit`
    IMPORT = "import"
    RELEASE = "release"  # ask for an output to leave the zone
    APPROVE = "approve"  # (reserved) promotions are decided with `review`, as releases
    PROMOTE = "promote"  # ask for a model version to run in production; target a dataset
    REVIEW = "review"  # decide a release request; read a job's full log
    HOLD = "hold"  # place or lift a legal hold
    DESTROY = "destroy"
    VERIFY = "verify"
    EXPORT = "export"
    ROTATE = "rotate"


class AuditAction(StrEnum):
    """Events of the audit trail, by the feature that writes them."""

    ACCESS_PREFIX = "access"  # `access.<verb>`: the chokepoint's decisions
    AUTH_TOKEN = "auth.token"  # noqa: S105 (an event name) a bearer token was refused
    LAB_INIT = "lab.init"
    TENANT_CREATE = "tenant.create"
    USER_CREATE = "user.create"
    USER_DISABLE = "user.disable"
    TOKEN_ISSUE = "token.issue"  # noqa: S105 (an event name, not a secret)
    TOKEN_REVOKE = "token.revoke"  # noqa: S105
    POLICY_ADD_RULE = "policy.add_rule"
    POLICY_REMOVE_RULE = "policy.remove_rule"
    POLICY_ASSIGN_ROLE = "policy.assign_role"
    POLICY_UNASSIGN_ROLE = "policy.unassign_role"
    POLICY_LOCKOUT_REFUSED = "policy.lockout_refused"  # a change that would lock admins out
    ADMIN_RECOVER = "admin.recover"  # break-glass from the operator console (`lab admin recover`)
    ZONE_RULES_UPDATE = "zone.rules.update"
    KEYS_ROTATE = "keys.rotate"
    DATASET_WRITE = "dataset.write"
    HOLD_PLACE = "hold.place"
    HOLD_RELEASE = "hold.release"
    IMPORT_SUBMIT = "import.submit"
    IMPORT_FINISH = "import.finish"
    JOB_SUBMIT = "job.submit"
    JOB_CANCEL = "job.cancel"
    OUTPUT_GATE = "output.gate"
    MODEL_REGISTER = "model.register"  # a job's saved model became a registry version
    MODEL_RETIRE = "model.retire"  # a version no longer offered for use (kept, readable)
    MODEL_REFUSE = "model.refuse"  # a job's model folder was not a safe model: not registered
    PROMOTION_REQUEST = "promotion.request"  # a model version asked for production
    PROMOTION_REFUSE = "promotion.refuse"  # a request whose gates failed: not filed
    PROMOTION_REVIEW = "promotion.review"  # approve / reject / return (and refused attempts)
    PROMOTION_WITHDRAW = "promotion.withdraw"
    MODEL_DEPLOY = "model.deploy"  # a signed manifest and an active deployment in production
    DEPLOYMENT_ROLLBACK = "deployment.rollback"  # an earlier deployment active again
    DEPLOYMENT_RETIRE = "deployment.retire"  # nothing of the name active any more
    MODEL_LOAD = "model.load"  # a deployed model loaded for a production job, or refused
    MONITORING_BASELINE = "model.monitoring.baseline"  # a deployment's training profile kept
    MONITORING_REQUEST = "model.monitoring.request"  # a run asked for: queued for a worker
    MONITORING_RUN = "model.monitoring.run"  # a run ended: succeeded (status) or failed
    MONITORING_STATUS = "model.monitoring.status"  # a deployment's status changed (from, to)
    WORK_FINISH = "work.finish"
    WORK_LEASE_EXPIRED = "work.lease_expired"
    STORAGE_RECOVER = "storage.recover"
    SCHEDULER_RUN = "scheduler.run"
    DESTRUCTION_RECEIPT = "destruction.receipt"
    DESTRUCTION_SKIPPED = "destruction.skipped"
    DESTRUCTION_FAILED = "destruction.failed"
    DESTRUCTION_SUMMARY = "destruction.summary"
    CONSOLE_CSRF = "console.csrf"  # a console form posted without its session's CSRF token

    @classmethod
    def access(cls, verb: AccessAction | str) -> str:
        """The event the chokepoint writes for a decision on `verb`."""
        return f"{cls.ACCESS_PREFIX.value}.{verb}"
