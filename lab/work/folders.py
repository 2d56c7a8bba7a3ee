"""Where work happens on disk, said once: the work folder of the lab home, one private
folder per work item in it (its workspace, removed when the item ends, whatever the
outcome), and the API's spool for large uploads beside them.

Everything a job or an import writes before it is stored (decrypted inputs, unpacked code,
uploaded files) lives under the work folder, so that one folder only the lab can enter
holds it all, and one place says where that is.
"""

from __future__ import annotations

from pathlib import Path

from lab.settings import Settings

WORK_FOLDER = "work"
SPOOL_FOLDER = ".spool"  # not a work item's id (those are UUIDs)


def workspace_root(settings: Settings) -> Path:
    """The folder that holds every work item's workspace."""
    return settings.home / WORK_FOLDER


def item_workspace(settings: Settings, item_id: str) -> Path:
    """The private workspace of one work item."""
    return workspace_root(settings) / item_id


def upload_spool(settings: Settings) -> Path:
    """Where the API spools large uploads (Python's temporary folder, process wide)."""
    return workspace_root(settings) / SPOOL_FOLDER
