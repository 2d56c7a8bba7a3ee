"""One version of the policy in memory, grouped the way the shards need it.

A request in tenant T can only be matched by rules of domain T or `*`, and only role links
of domain T or `*` can make its subject hold a role (see policies/model.conf). So the
snapshot groups lines by domain; a shard takes the lines of its tenant and of `*`, in
storage order.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lab.authz.request import PLATFORM
from lab.authz.store import PolicyLine


@dataclass(frozen=True)
class Snapshot:
    version: int
    rules: dict[str, tuple[PolicyLine, ...]] = field(default_factory=dict)
    """p lines by domain (v1)."""
    links: dict[str, tuple[PolicyLine, ...]] = field(default_factory=dict)
    """g lines by domain (v2)."""
    roles: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    """(subject, domain) -> roles assigned to the subject there."""
    tenants: dict[str, frozenset[str]] = field(default_factory=dict)
    """subject -> tenants (domains other than `*`) where it holds a role."""

    @classmethod
    def of(cls, version: int, lines: Iterable[PolicyLine]) -> Snapshot:
        rules: dict[str, list[PolicyLine]] = defaultdict(list)
        links: dict[str, list[PolicyLine]] = defaultdict(list)
        roles: dict[tuple[str, str], set[str]] = defaultdict(set)
        tenants: dict[str, set[str]] = defaultdict(set)
        for line in lines:
            if line.ptype == "p":
                rules[line.values[1]].append(line)
            else:
                subject, role, domain = line.values
                links[domain].append(line)
                roles[subject, domain].add(role)
                if domain != PLATFORM:
                    tenants[subject].add(domain)
        return cls(
            version,
            {d: tuple(v) for d, v in rules.items()},
            {d: tuple(v) for d, v in links.items()},
            {k: frozenset(v) for k, v in roles.items()},
            {k: frozenset(v) for k, v in tenants.items()},
        )

    def knows(self, tenant: str) -> bool:
        """Does any rule or role assignment name this tenant?"""
        return tenant in self.rules or tenant in self.links

    def lines_for(self, tenant: str) -> list[PolicyLine]:
        """Every line casbin needs to decide requests in `tenant`, in storage order."""
        if tenant == PLATFORM:
            groups: Sequence[Sequence[PolicyLine]] = (
                self.rules.get(PLATFORM, ()),
                self.links.get(PLATFORM, ()),
            )
        else:
            groups = (
                self.rules.get(tenant, ()),
                self.rules.get(PLATFORM, ()),
                self.links.get(tenant, ()),
                self.links.get(PLATFORM, ()),
            )
        return list(heapq.merge(*groups, key=lambda line: line.id))

    def roles_of(self, subject: str, domain: str) -> frozenset[str]:
        return self.roles.get((subject, domain), frozenset())

    def tenants_of(self, subject: str) -> frozenset[str]:
        return self.tenants.get(subject, frozenset())
