"""Running a parser of untrusted model files in a child interpreter.

LightGBM's and onnxruntime's loaders are C++; on some malformed inputs they end the whole
process (LightGBM calls std::terminate when `tree_sizes` no longer match its trees) rather
than raise. The file comes from job code, so the loaders run in a child: the script, a file
of this package, runs in isolated mode (`-I`: no environment, no user site, not even its own
folder on the path; none of the lab is imported), reads its input on stdin and writes its
result on stdout as `.npy`/`.npz` (nothing is unpickled on either side). A crash, a refusal
or a timeout comes back as a `ChildError`; the child's own output on stderr is dropped, as
the loaders' messages quote the file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 300
REFUSED = 3  # the child's exit code when the library raised an ordinary error


class ChildError(Exception):
    """The child could not compute its result; the message says how it ended."""


def run(script: str, payload: bytes, library: str) -> bytes:
    """stdout of `python -I <this folder>/<script>` fed `payload` on stdin."""
    path = Path(__file__).resolve().parent / script
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(path)],
            input=payload,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChildError(f"{library} took more than {TIMEOUT_SECONDS} s") from None
    if done.returncode == REFUSED:
        raise ChildError(f"{library} refused the model or the training data")
    if done.returncode != 0:
        raise ChildError(f"{library} stopped while loading the model (exit {done.returncode})")
    return done.stdout
