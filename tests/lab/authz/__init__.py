"""Tests of lab.authz: the policy engine, its administration and the seed policy."""
