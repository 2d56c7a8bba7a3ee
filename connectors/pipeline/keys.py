"""The tenant's desensitization keys, as the pipeline receives them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Keys:
    """The tenant's desensitization keys, from its key store (never in a spec or report)."""

    pseudonym: bytes = field(repr=False)
    surrogate: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.pseudonym) < 16 or len(self.surrogate) < 16:
            raise ValueError("desensitization keys must be at least 16 bytes")
