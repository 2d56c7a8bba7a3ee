"""Which handler runs which kind of work item."""

from __future__ import annotations

from collections.abc import Mapping

from lab.imports.service import run_import_item
from lab.monitoring.work import run_monitoring_item
from lab.runs.handler import run_job
from lab.work.worker import Handler

HANDLERS: Mapping[str, Handler] = {
    "job": run_job,
    "import": run_import_item,
    "monitoring": run_monitoring_item,
}
