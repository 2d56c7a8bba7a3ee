"""Casbin's view of one tenant, and the narrowing that makes deciding in it fast.

A shard is a casbin `Enforcer` loaded (through casbin's own adapter interface) with the
lines that can matter for requests in one tenant: that tenant's rules and role links plus
the `*` ones. casbin's plain enforce walks every rule and runs the whole matcher on each;
the shard first narrows the rules to those that can possibly match, then lets casbin run
`enforce_ex` over them. This is the technique of casbin's own `FastEnforcer` (evaluate a
pre-filtered slice of the policy), with a filter that understands roles and `*`.

Why the narrowing never changes an answer. With the matcher of policies/model.conf

    (p.act == r.act || p.act == "*") && (p.dom == r.dom || p.dom == "*")
    && (g(r.sub, p.sub, r.dom) || g(r.sub, p.sub, "*")) && keyMatch2(r.obj, p.obj)

a rule can only match if (1) its domain is the request's tenant or `*` (the shard),
(2) its action is the request's or `*`, (3) `g` holds for its subject: the request's
subject itself, or a role the subject holds, directly or through other roles, in the
tenant or on the platform (the subject's standing, below), and (4) the object starts with
the pattern's literal prefix. keyMatch2 turns a pattern into an anchored regex (`/*` becomes `/.*`,
`:x` becomes `[^/]+`); when the pattern holds no other regex character, its leading
segments made of letters, digits and `_@-` match only themselves, each followed by `/` or
the end: `sandbox/datasets/*` needs an object starting "sandbox/datasets/". Patterns with
any other regex character (`.`, `?`, `|`, ...) have no literal prefix and are always
evaluated. Every rule left out fails the matcher, and the effect (deny wins) does not
depend on rules that do not match, so casbin's answer over the slice is its answer over
the whole policy. The slice keeps storage order, so `enforce_ex` reports the same rule.

The subject enters the matcher only through `g`, so casbin's answer depends on it only
through its standing: the rule subjects for which `g` holds. The shard computes that set
with casbin's own `has_link` (what `g` calls) and remembers outcomes per standing, tenant,
action and object: six engineers of a tenant reading one dataset cost one evaluation.
tests/lab/authz/test_policy_equivalence.py checks all this against a plain Enforcer.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import casbin
from casbin import persist

from lab.authz.cache import LruCache
from lab.authz.model import new_model
from lab.authz.request import PLATFORM, AccessRequest
from lab.authz.store import PolicyLine

_TAME = re.compile(r"[A-Za-z0-9_@:/*-]+")
"""Pattern characters with no regex meaning besides keyMatch2's own `*` and `:`."""
_LITERAL = re.compile(r"[A-Za-z0-9_@-]+")
_MAX_STANDING = 4096
"""Subjects whose standing a shard remembers before it starts over."""
OUTCOMES = 2048
"""casbin outcomes a shard remembers (LRU) per standing, tenant, action and object."""

Rule = list[str]
Outcome = tuple[bool, list[str]]
"""casbin's `enforce_ex` answer: allowed, and the rule it reports (empty if none)."""


def literal_prefix(pattern: str) -> tuple[str, ...]:
    """The leading segments of an object pattern that keyMatch2 can only match literally."""
    if not _TAME.fullmatch(pattern):
        return ()
    prefix = []
    for segment in pattern.split("/"):
        if not _LITERAL.fullmatch(segment):
            break
        prefix.append(segment)
    return tuple(prefix)


def object_prefixes(obj: str) -> list[tuple[str, ...]]:
    """Every literal prefix that a pattern matching `obj` can have."""
    texts = [obj, obj[:-1]] if obj.endswith("\n") else [obj]  # `$` also matches before "\n"
    prefixes = []
    for text in texts:
        segments = tuple(text.split("/"))
        prefixes += [segments[:k] for k in range(len(segments) + 1)]
    return prefixes


class _Lines(persist.Adapter):  # type: ignore[misc]
    """A read-only casbin adapter over policy lines already read from the metastore."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines

    def load_policy(self, model: Any) -> None:
        for text in self._lines:
            persist.load_policy_line(text, model)


class _SliceEnforcer(casbin.Enforcer):  # type: ignore[misc]
    """casbin's Enforcer, able to evaluate a slice of its policy, reusing its parsed matcher.

    Not thread-safe (the parsed matcher holds the names of the evaluation in progress):
    the shard's lock serialises every call.
    """

    def __init__(self, model: Any, adapter: Any) -> None:
        self._expressions: dict[str, Any] = {}
        super().__init__(model, adapter)

    def _get_expression(self, expr: str, functions: Any = None) -> Any:
        # casbin parses the matcher again on every enforce (most of its fixed cost per
        # decision); the matcher of an enforcer never changes, so parse it once. The
        # function map is the enforcer's own, refreshed in place by enforce_ex.
        parsed = self._expressions.get(expr)
        if parsed is None or parsed.functions is not functions:
            parsed = super()._get_expression(expr, functions)
            self._expressions[expr] = parsed
        return parsed

    def enforce_among(self, rules: list[Rule], *rvals: str) -> Outcome:
        """casbin's `enforce_ex`, over `rules` instead of the whole policy."""
        assertion = self.model["p"]["p"]
        whole = assertion.policy
        assertion.policy = rules
        try:
            allowed, matched = self.enforce_ex(*rvals)
        finally:
            assertion.policy = whole
        return bool(allowed), list(matched)


class Shard:
    """Decides requests whose tenant is covered by the lines it was built from.

    Thread-safe: casbin's enforcer and role manager are not (they fill caches while
    reading), so each decision holds the shard's lock.
    """

    def __init__(
        self, model_text: str, lines: Sequence[PolicyLine], *, outcomes: int = OUTCOMES
    ) -> None:
        """`outcomes`: how many casbin outcomes to remember (0: evaluate every request)."""
        self._enforcer = _SliceEnforcer(new_model(model_text), _Lines([ln.text for ln in lines]))
        self._roles = self._enforcer.get_role_manager()
        self._rules: list[Rule] = self._enforcer.get_policy()
        index: dict[tuple[str, str, tuple[str, ...]], list[int]] = defaultdict(list)
        for position, (sub, _dom, obj, act, _eft) in enumerate(self._rules):
            index[sub, act, literal_prefix(obj)].append(position)
        self._index = dict(index)
        self._rule_subjects = frozenset(rule[0] for rule in self._rules)
        self._linked = frozenset(ln.values[0] for ln in lines if ln.ptype == "g")
        self._standing: dict[tuple[str, str], tuple[str, ...]] = {}
        self._outcomes: LruCache[tuple[tuple[str, ...], str, str, str], Outcome]
        self._outcomes = LruCache(outcomes)
        self._lock = threading.Lock()

    def decide(self, req: AccessRequest) -> Outcome:
        """casbin's answer over the rules that can match `req` (see the module docstring).

        Evaluated once per standing, tenant, action and object: requests that differ only
        in subjects of the same standing get the answer casbin gave the first of them.
        """
        obj = req.obj
        with self._lock:
            standing = self._standing_of(req.subject, req.tenant)
            key = (standing, req.tenant, req.action, obj)
            outcome = self._outcomes.get(key)
            if outcome is None:
                rules = self._slice(standing, req.action, obj)
                outcome = self._enforcer.enforce_among(
                    rules, req.subject, req.tenant, obj, req.action
                )
                self._outcomes.put(key, outcome, 0)
            return outcome

    def explain(self, req: AccessRequest) -> Outcome:
        """casbin's answer over every rule of the shard: slower, no narrowing involved."""
        with self._lock:
            allowed, matched = self._enforcer.enforce_ex(
                req.subject, req.tenant, req.obj, req.action
            )
            return bool(allowed), list(matched)

    def _standing_of(self, subject: str, tenant: str) -> tuple[str, ...]:
        """The rule subjects X for which the matcher's `g(subject, X, tenant) ||
        g(subject, X, "*")` holds, among those some rule names: the subject itself and the
        roles it holds, directly or through other roles, in the tenant or on the platform.
        Candidates come from casbin's implicit roles; casbin's `has_link` (what `g` calls)
        has the last word, so the set is exactly what the matcher will find."""
        if subject not in self._linked:
            return (subject,) if subject in self._rule_subjects else ()
        key = (subject, tenant)
        found = self._standing.get(key)
        if found is None:
            names = {subject}
            for domain in {tenant, PLATFORM}:
                names.update(self._enforcer.get_implicit_roles_for_user(subject, domain))
            found = tuple(
                sorted(
                    name
                    for name in names & self._rule_subjects
                    if self._roles.has_link(subject, name, tenant)
                    or self._roles.has_link(subject, name, PLATFORM)
                )
            )
            if len(self._standing) >= _MAX_STANDING:
                self._standing.clear()
            self._standing[key] = found
        return found

    def _slice(self, standing: tuple[str, ...], action: str, obj: str) -> list[Rule]:
        """The rules that can match, in storage order."""
        positions: set[int] = set()
        for prefix in object_prefixes(obj):
            for sub in standing:
                for act in {action, "*"}:
                    positions.update(self._index.get((sub, act, prefix), ()))
        return [self._rules[p] for p in sorted(positions)]
