"""Authorization: the casbin policy engine behind the lab's one chokepoint.

- `request`: AccessRequest and Decision, what the chokepoint asks and gets back.
- `engine`: PolicyEngine, which decides (fast, cached, kept in step with the metastore).
- `admin`: versioned administration of rules and role assignments.
- `models`: the tables (casbin's `casbin_rule`, the lab's `policy_changes`).
- `model`, `vocabulary`, `seedfile`: the casbin model, the policy's vocabulary, the seed.
- `store`, `snapshot`, `state`, `shard`, `cache`: how the engine reads and splits the policy.
- `chokepoint`: `authorize`, the one place every request and job passes.

The model and the seed policy are data, in policies/.
"""

from lab.authz.request import PLATFORM, AccessRequest, Decision

__all__ = ["PLATFORM", "AccessRequest", "Decision"]
