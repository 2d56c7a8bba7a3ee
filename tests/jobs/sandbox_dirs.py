"""A code bundle, inputs and a workspace per test, for running jobs in the sandbox."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Self


@dataclass
class SandboxDirs:
    root: Path
    bundle: Path
    inputs: Path
    workspace: Path
    marker: str  # unique to the test: the entry point's name, findable in process lists

    @classmethod
    def create(cls, root: Path) -> Self:
        dirs = cls(
            root=root,
            bundle=root / "bundle",
            inputs=root / "inputs",
            workspace=root / "work",
            marker=f"m{secrets.token_hex(6)}",
        )
        dirs.bundle.mkdir(mode=0o700)
        dirs.inputs.mkdir(mode=0o700)
        return dirs

    def entry(self, code: str) -> str:
        """Write `code` as the bundle's entry point, named after the marker; its name."""
        entrypoint = f"job_{self.marker}.py"
        (self.bundle / entrypoint).write_text(code, encoding="utf-8")
        return entrypoint
