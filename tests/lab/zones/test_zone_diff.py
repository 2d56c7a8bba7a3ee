"""What changed between two versions of a zone's rules, rule by rule."""

from __future__ import annotations

from lab.zones.diff import RuleChange, compare, flatten


def test_nested_rules_flatten_to_dotted_names_in_their_own_order() -> None:
    rules = {"name": "sandbox", "disclosure": {"rounding": 5, "allowed": ["csv", "png"]}}
    assert flatten(rules) == {
        "name": "sandbox",
        "disclosure.rounding": "5",
        "disclosure.allowed": "csv, png",
    }
    assert flatten({"promotion": {"min_auc": None, "on": False, "none": []}}) == {
        "promotion.min_auc": "null",
        "promotion.on": "false",
        "promotion.none": "(none)",
    }


def test_compare_names_each_added_removed_and_changed_rule_once() -> None:
    old = {"k": 5, "disclosure": {"rounding": 5, "gone": 1}, "engines": ["sql"]}
    new = {"k": 5, "disclosure": {"rounding": 10, "fresh": True}, "engines": ["sql", "spark"]}
    changes = compare(old, new)
    assert changes == [
        RuleChange("disclosure.rounding", "5", "10"),
        RuleChange("disclosure.fresh", None, "true"),
        RuleChange("engines", "sql", "sql, spark"),
        RuleChange("disclosure.gone", "1", None),
    ]
    assert [c.kind for c in changes] == ["changed", "added", "changed", "removed"]
    assert compare(new, new) == []


def test_a_rule_set_to_null_is_a_change_not_a_removal() -> None:
    (change,) = compare({"promotion": {"min_ks": 0.2}}, {"promotion": {"min_ks": None}})
    assert (change.old, change.new, change.kind) == ("0.2", "null", "changed")
