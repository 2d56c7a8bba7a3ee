"""The metastore: engine set-up, declarative base, sessions and migrations."""
