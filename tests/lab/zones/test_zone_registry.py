"""Zone rules are versioned: files become versions, API changes too, any past time answers."""

from __future__ import annotations

import time
from pathlib import Path

from lab.db.base import utcnow
from lab.zones.files import load_zone_files
from lab.zones.registry import history, rules_at, sync_from_files, update_rules
from tests.lab.factories import make_lab, make_settings


def test_files_seed_versions_once_and_changes_add_versions(
    tmp_path: Path, metastore_url: str
) -> None:
    lab = make_lab(make_settings(tmp_path / "home", metastore_url))
    try:
        with lab.transaction() as session:
            assert [v.version for v in history(session, "sandbox")] == [1]
            zones = load_zone_files(lab.settings.zones_dir)
            again = sync_from_files(session, zones, {z: "same" for z in zones}, actor="t")
            assert again == []
            before = utcnow()
            time.sleep(0.01)
            stricter = zones["sandbox"].model_copy(
                update={
                    "disclosure": zones["sandbox"].disclosure.model_copy(
                        update={"min_cell_count": 20}
                    )
                }
            )
            v2 = update_rules(session, "root", stricter, comment="tighter")
            assert v2.version == 2
            assert rules_at(session, "sandbox").disclosure.min_cell_count == 20
            assert rules_at(session, "sandbox", before).disclosure.min_cell_count == 10
    finally:
        lab.close()
