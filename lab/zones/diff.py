"""What changed between two versions of a zone's rules, rule by rule.

A zone's rules are nested (`disclosure.min_cell_count`); they are compared as a flat
mapping of dotted rule names to values, so that a change reads as one rule with its old
and new value, and a rule a newer schema added (or an older one lacked) as added or
removed, rather than as lines of a text diff of two JSON documents.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class RuleChange:
    """One rule that differs: `old` None when the older version lacks it, `new` None when
    the newer one does (a rule set to null shows as the text `null`)."""

    rule: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> Kind:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def shown(value: Any) -> str:
    """A rule's value as the page shows it: lists joined, the rest as JSON writes it."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) if value else "(none)"
    return json.dumps(value)


def flatten(rules: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """`rules` as dotted rule names and shown values, in the rules' own order."""
    flat: dict[str, str] = {}
    for key, value in rules.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = shown(value)
    return flat


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[RuleChange]:
    """The rules that differ from `old` to `new`, in the newer rules' order (rules only
    the older version has come last)."""
    before, after = flatten(old), flatten(new)
    names = list(after) + [name for name in before if name not in after]
    return [
        RuleChange(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]
