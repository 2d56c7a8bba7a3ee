"""What a sandboxed Python job may see of the host: an interpreter, its libraries, a few packages.

Nothing is copied. bubblewrap runs as root, so it can bind read-only the very files the lab's
own interpreter uses, wherever they live (a pyenv build under /root included), each at its
host path so that compiled-in prefixes and RUNPATHs resolve:

- the base interpreter's executable, its standard library and its libpython;
- the system's shared-library directories and the dynamic loader (plus /lib, /lib64 links);
- `setpriv` (util-linux), which drops the job to the sandbox uid inside the sandbox;
- the packages a job may import (`JOB_PACKAGES` and what they require, when installed),
  one bind per top-level entry of the lab's site-packages, under `/opt/lab/site`;
- the runtime module (`jobs/runtime`) as the `labjob` package under `/opt/lab/lib`.

The lab's own code, its other dependencies and everything else on the host stay invisible.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import importlib.util
import os
import re
import shutil
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# the data stack and the credit-risk modelling stack (models leave a job only in a safe
# format: `labjob.save_model`); joblib stays because scikit-learn itself needs it
JOB_PACKAGES = (
    "pyarrow",
    "pandas",
    "numpy",
    "scikit-learn",
    "scipy",
    "joblib",
    "lightgbm",
    "matplotlib",
    "optbinning",
    "skl2onnx",
    "onnxmltools",
    "onnx",
    "onnxruntime",
)
SITE = "/opt/lab/site"
LIB = "/opt/lab/lib"
RUNTIME_PACKAGE = "labjob"
BOOT = f"{LIB}/{RUNTIME_PACKAGE}/_boot.py"
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class LayoutError(Exception):
    """The host lacks something the sandbox needs; the message says what."""


@dataclass(frozen=True)
class Layout:
    python: str  # the interpreter, at its host path (also its path inside)
    binds: tuple[tuple[str, str], ...]  # (host source, sandbox destination), read-only
    symlinks: tuple[tuple[str, str], ...]  # (target, link path inside)
    setpriv: str
    packages: tuple[str, ...]  # distributions a job can import
    masked: tuple[str, ...] = ()  # bound directories hidden under an empty tmpfs


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


def _system_binds() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Shared-library directories and the loader; top-level links recreated as links."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    binds: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    for top in ("/lib", "/lib64", "/lib32", "/libx32"):
        if Path(top).is_symlink():
            links.append((str(Path(top).readlink()), top))
    candidates = [f"/usr/lib/{multiarch}", f"/lib/{multiarch}", "/usr/lib64", "/lib64"]
    seen: set[str] = set()
    for candidate in candidates:
        if not multiarch and candidate.endswith("/"):
            continue
        real = _real(candidate)
        if Path(real).is_dir() and real not in seen:
            seen.add(real)
            binds.append((real, real))
    if not binds:
        raise LayoutError("no shared-library directory found (/usr/lib/<arch>, /usr/lib64)")
    return binds, links


def _interpreter_binds() -> tuple[str, list[tuple[str, str]]]:
    python = _real(getattr(sys, "_base_executable", None) or sys.executable)
    stdlib = _real(sysconfig.get_path("stdlib"))
    binds = [(python, python), (stdlib, stdlib)]
    spec = importlib.util.find_spec("_json")
    if spec is not None and spec.origin:  # lib-dynload, when it lives outside the stdlib
        dynload = _real(Path(spec.origin).parent)
        if not dynload.startswith(stdlib + os.sep) and dynload not in (python, stdlib):
            binds.append((dynload, dynload))
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    soname = sysconfig.get_config_var("INSTSONAME") or ""
    if libdir and soname and Path(libdir, soname).is_file():
        binds.append((_real(Path(libdir, soname)), str(Path(_real(libdir), soname))))
    return python, binds


def _distribution_entries(name: str) -> list[str]:
    """Top-level site-packages entries (package dirs, modules, .libs, dist-info) of `name`."""
    dist = metadata.distribution(name)
    entries: set[str] = set()
    for file in dist.files or ():
        first = Path(str(file)).parts[0]
        if first not in ("..", "__pycache__") and not first.endswith(".pth"):
            entries.add(str(dist.locate_file(first)))
    return sorted(entry for entry in entries if Path(entry).exists())


def _requirements(name: str) -> list[str]:
    names = []
    for requirement in metadata.requires(name) or ():
        marker = requirement.partition(";")[2]
        match = _REQUIREMENT_NAME.match(requirement)
        if match and "extra" not in marker:
            names.append(match.group(1))
    return names


def package_binds(roots: Sequence[str] = JOB_PACKAGES) -> tuple[list[tuple[str, str]], list[str]]:
    """Binds of the installed distributions `roots` and everything they require (extras
    aside), under `SITE`, each once (distributions may share a top-level folder, as protobuf
    and googleapis-common-protos share `google/`); and the names found. Missing ones are
    skipped."""
    wanted = list(roots)
    found: list[str] = []
    binds: list[tuple[str, str]] = []
    seen: set[str] = set()
    while wanted:
        name = wanted.pop(0)
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            entries = _distribution_entries(name)
        except metadata.PackageNotFoundError:
            continue
        found.append(name)
        pairs = [(entry, f"{SITE}/{Path(entry).name}") for entry in entries]
        binds.extend(pair for pair in pairs if pair not in binds)
        wanted.extend(_requirements(name))
    return binds, found


@functools.cache
def layout() -> Layout:
    """The sandbox's read-only view of the host, computed once per process."""
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    if setpriv is None:
        raise LayoutError("setpriv (util-linux) not found")
    system, links = _system_binds()
    python, interpreter = _interpreter_binds()
    packages, found = package_binds()
    runtime = Path(__file__).resolve().parent.parent / "runtime"
    binds = [*system, *interpreter, (_real(setpriv), _real(setpriv)), *packages]
    binds.append((str(runtime), f"{LIB}/{RUNTIME_PACKAGE}"))
    for name in ("python3", "python"):
        if f"/usr/bin/{name}" != python:
            links.append((python, f"/usr/bin/{name}"))
    # the interpreter's own site-packages (pip, the lab's dependencies) stay out of sight
    stdlib_site = Path(_real(sysconfig.get_path("stdlib")), "site-packages")
    masked = (str(stdlib_site),) if stdlib_site.is_dir() else ()
    return Layout(python, tuple(binds), tuple(links), _real(setpriv), tuple(found), masked)
