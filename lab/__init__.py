"""The lab application: settings, metastore, identity, authorization, API and CLI.

`connectors`, `jobs` and `audit` are libraries that never import this package; this package
wires them together.
"""

__version__ = "0.1.0"
