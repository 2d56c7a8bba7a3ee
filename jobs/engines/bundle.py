"""A job's code bundle: the zip a partner uploads with a Python or Spark job, and how it is
unpacked into the job's workspace.

Two bounds, on two different things: what the lab accepts on upload (the zip as sent) and
what the zip may unpack to (a small zip can inflate a thousandfold).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from jobs.errors import EngineRefused

MIB = 1024 * 1024
MAX_BUNDLE_ZIP_BYTES = 8 * MIB
"""The uploaded zip, as sent: larger uploads are refused before they are queued."""
MAX_BUNDLE_UNPACKED_BYTES = 64 * MIB
"""The sum of the sizes the zip's members declare: a larger bundle is refused unpacked."""
MAX_BUNDLE_FILES = 500


def extract_bundle(bundle: bytes, target: Path) -> None:
    """Unpack the uploaded code bundle, refusing absolute paths, `..`, links and zip bombs."""
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        archive = zipfile.ZipFile(io.BytesIO(bundle))
    except zipfile.BadZipFile as exc:
        raise EngineRefused(f"the code bundle is not a zip file: {exc}") from None
    members = archive.infolist()
    if len(members) > MAX_BUNDLE_FILES:
        raise EngineRefused(
            f"the code bundle has {len(members)} files (at most {MAX_BUNDLE_FILES})"
        )
    if sum(m.file_size for m in members) > MAX_BUNDLE_UNPACKED_BYTES:
        raise EngineRefused(
            f"the code bundle unpacks to more than {MAX_BUNDLE_UNPACKED_BYTES // MIB} MiB"
        )
    for member in members:
        path = PurePosixPath(member.filename)
        if (
            path.is_absolute()
            or ".." in path.parts
            or (member.external_attr >> 16) & 0o170000 == 0o120000
        ):
            raise EngineRefused(
                f"the code bundle holds a path that is not allowed: {member.filename}"
            )
        destination = target.joinpath(*path.parts)
        if member.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(archive.read(member))
