"""What a tenant slug and a user name may look like (they appear in paths and policies)."""

from __future__ import annotations

import re

from lab.authz.vocabulary import ROLES
from lab.errors import InvalidInput

_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_USER = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
RESERVED = frozenset({"platform", "system", "me", "all", "anonymous"})


def check_tenant_slug(slug: str) -> str:
    if not _TENANT.fullmatch(slug) or slug in RESERVED:
        raise InvalidInput(
            f"tenant slug {slug!r} is not allowed: use 2-40 lower-case letters, digits or "
            "dashes, starting with a letter (reserved: " + ", ".join(sorted(RESERVED)) + ")",
            field="slug",
        )
    return slug


def check_user_name(name: str) -> str:
    if not _USER.fullmatch(name) or name in RESERVED or name.startswith("system"):
        raise InvalidInput(
            f"user name {name!r} is not allowed: use 2-64 lower-case letters, digits, dots, "
            "dashes or underscores, starting with a letter",
            field="name",
        )
    if name in ROLES:
        raise InvalidInput(
            f"user name {name!r} is a role's name; pick another "
            f"(roles: {', '.join(sorted(ROLES))})",
            field="name",
        )
    return name
