"""Tenants, users and bearer tokens."""
