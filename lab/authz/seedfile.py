"""Reading the baseline policy file (policies/seed.csv, casbin's CSV policy form)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lab.authz.vocabulary import check_assignment_fields, check_rule_fields
from lab.errors import ConfigurationError, InvalidInput


@dataclass(frozen=True)
class SeedFile:
    path: Path
    sha256: str
    rules: tuple[tuple[str, str, str, str, str], ...]
    """(role, tenant, obj, action, effect), in file order."""
    assignments: tuple[tuple[str, str, str], ...]
    """(subject, role, tenant), in file order."""


def read_seed(path: Path) -> SeedFile:
    """Parse and check the whole file; ConfigurationError names the first bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the seed policy {path}: {exc}") from exc
    rules: list[tuple[str, str, str, str, str]] = []
    assignments: list[tuple[str, str, str]] = []
    for number, raw in enumerate(data.decode("utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        ptype, *values = (token.strip() for token in line.split(","))
        try:
            if ptype == "p" and len(values) == 5:
                role, tenant, obj, action, effect = values
                check_rule_fields(role, tenant, obj, action, effect)
                rules.append((role, tenant, obj, action, effect))
            elif ptype == "g" and len(values) == 3:
                subject, role, tenant = values
                check_assignment_fields(subject, role, tenant)
                assignments.append((subject, role, tenant))
            else:
                raise InvalidInput(
                    "expected 'p, role, tenant, obj, action, effect' or 'g, subject, role, tenant'"
                )
        except InvalidInput as exc:
            raise ConfigurationError(f"{path}:{number}: {exc.message}") from exc
    for kind, items in (("rule", rules), ("assignment", assignments)):
        if len(set(items)) != len(items):
            raise ConfigurationError(f"{path}: a {kind} appears twice")
    return SeedFile(path, hashlib.sha256(data).hexdigest(), tuple(rules), tuple(assignments))
