"""Policy administration as a feature: rules, role assignments, history, dry-runs (the
versioned store is `lab.authz.admin`, the engine `lab.authz.engine`)."""
