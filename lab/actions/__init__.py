"""`Actor` under its former address.

The audited actions that lived here moved to their features' services (`lab.identity`,
`lab.tokens`, `lab.policy`, ...); `Actor` lives with the auditor that records it. Code not
yet moved over may still import it from here.
"""

from __future__ import annotations

from lab.auditing import Actor

__all__ = ["Actor"]
