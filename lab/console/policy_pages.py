"""Policy: the rules, the role assignments, their history, and a dry-run, through
lab/policy/service.py as the API's policy routes use it.

The dry-run is the API's (`POST /v1/policy/dry-run`): the form fills a `DryRunBody` and
the service judges it, so the verdict, the deciding rule and, for a tried change, the
refusal a lockout would get are the API's own words.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from lab.authz.chokepoint import PLATFORM
from lab.errors import InvalidInput
from lab.policy import service
from lab.policy.schemas import AssignmentOut, ChangeOut, DryRunBody, RuleBody

from . import values
from .pages import Viewer, checked_form, render, viewer

router = APIRouter(prefix="/policy")
HISTORY_PAGE = 50
FIELD_MAX = 255
REQUEST_FIELDS = ("subject", "action", "resource", "tenant", "zone")
CHANGE_FIELDS = ("op", "role", "tenant", "obj", "action", "effect", "subject")
RULE_OPS = ("add_rule", "remove_rule")
ASSIGNMENT_OPS = ("assign_role", "unassign_role")


def _query(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if len(value) > FIELD_MAX:
        raise InvalidInput(f"{name} is longer than {FIELD_MAX} characters")
    return value


def _tenant_filter(request: Request) -> str | None:
    tenant = _query(request, "tenant")
    if tenant and tenant != PLATFORM and not values.TENANT.match(tenant):
        raise InvalidInput("tenant is a tenant slug, or * for the rules of every tenant")
    return tenant or None


def _before(request: Request) -> int | None:
    value = _query(request, "before")
    if not value:
        return None
    if not value.isdigit() or len(value) > 18 or int(value) < 1:
        raise InvalidInput("before is a policy version")
    return int(value)


@router.get("", response_class=HTMLResponse)
def policy(request: Request, who: Viewer = Depends(viewer)) -> Response:
    """Rules (of one tenant, of one role), every role assignment, and the history, newest
    first, a page at a time (`before`: older than that version)."""
    tenant, role, before = _tenant_filter(request), _query(request, "role"), _before(request)
    lab, principal, rid = who.lab, who.principal, who.request_id
    rules = [
        RuleBody.of(r)
        for r in service.list_rules(lab, principal, tenant=tenant, request_id=rid)
        if not role or r.role == role
    ]
    assignments = service.list_assignments(lab, principal, request_id=rid)
    changes = service.policy_history(
        lab, principal, limit=HISTORY_PAGE, before_version=before, request_id=rid
    )
    context = {
        "who": who,
        "filters": {"tenant": tenant or "", "role": role},
        "rules": rules,
        "assignments": [AssignmentOut.of(a) for a in assignments],
        "changes": [ChangeOut.of(c) for c in changes],
        "older": changes[-1].version if len(changes) == HISTORY_PAGE else None,
        "form": _blank_form(),
    }
    return render(request, "policy.html", context)


def _blank_form() -> dict[str, dict[str, str]]:
    return {
        "request": {**dict.fromkeys(REQUEST_FIELDS, ""), "tenant": PLATFORM, "zone": "platform"},
        "change": {**dict.fromkeys(CHANGE_FIELDS, ""), "effect": "allow"},
    }


def _posted(fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """The form as posted, trimmed, to fill it again on the answer's page."""
    form = _blank_form()
    for part, names in (("request", REQUEST_FIELDS), ("change", CHANGE_FIELDS)):
        for name in names:
            value = fields.get(f"{part}_{name}")
            if value is not None:
                form[part][name] = value.strip()[:FIELD_MAX]
    return form


def _change(change: dict[str, str]) -> dict[str, Any] | None:
    """The change part of a `DryRunBody`, from the form's fields (blank ones left out, so
    that a missing one is named as missing)."""
    op = change["op"]
    given = {k: v for k, v in change.items() if v and k != "op"}
    if not op:
        return None
    if op in RULE_OPS:
        rule = ("role", "tenant", "obj", "action", "effect")
        return {"op": op, "rule": {k: given[k] for k in rule if k in given}}
    if op in ASSIGNMENT_OPS:
        assignment = ("subject", "role", "tenant")
        return {"op": op, "assignment": {k: given[k] for k in assignment if k in given}}
    raise InvalidInput("the change is add_rule, remove_rule, assign_role or unassign_role")


def _body(form: dict[str, dict[str, str]]) -> DryRunBody:
    asked = {k: v for k, v in form["request"].items() if v}
    try:
        return DryRunBody.model_validate({**asked, "change": _change(form["change"])})
    except ValidationError as exc:
        problems = [
            f"{'change ' if e['loc'][0] == 'change' else ''}{e['loc'][-1]}: {e['msg']}"
            for e in exc.errors()
        ]
        raise InvalidInput("; ".join(problems)) from exc


@router.post("/dry-run", response_class=HTMLResponse)
def dry_run(
    request: Request,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    """The API's dry-run of the posted request and/or change; the form comes back filled,
    with the answer, or with what was wrong in it (after the chokepoint let the viewer
    ask: a refusal is a refusal, whatever was posted)."""
    form = _posted(fields)
    try:
        body = _body(form)
        asked = body.request()
        if asked is None and body.change is None:
            raise InvalidInput("fill in a request to judge, a change to try, or both")
    except InvalidInput as exc:
        who.authorize("read", service.RULES)
        context = {"who": who, "form": form, "answer": None, "error": exc.message}
        return render(request, "policy_dry_run.html", context, status=400)
    answer = service.dry_run(
        who.lab, who.principal, asked, change=body.change, request_id=who.request_id
    )
    context = {"who": who, "form": form, "answer": answer, "error": None}
    return render(request, "policy_dry_run.html", context)
