"""An import killed midway leaves nothing visible; the next start cleans up and audits it."""

from __future__ import annotations

import multiprocessing as mp

from lab.datasets.service import list_versions
from lab.retention.recovery import recover_storage
from tests.lab.factories import World
from tests.lab.retention.helpers import events, settings_json, write_and_die


def test_a_killed_writer_is_cleaned_at_the_next_start_and_the_clean_up_audited(
    world: World,
) -> None:
    child = mp.get_context("spawn").Process(
        target=write_and_die, args=(settings_json(world.lab.settings), "file-written")
    )
    child.start()
    child.join(120)
    assert child.exitcode == -9
    with world.lab.read() as session:
        assert list_versions(session, tenant="acme", zone="sandbox") == []
    staging = list((world.lab.settings.home / "storage").rglob(".staging/*"))
    assert staging, "the killed writer should have left its staging folder behind"

    recover_storage(world.lab)

    [cleaned] = events(world.lab, "storage.recover")
    assert cleaned["actor"] == "system:startup" and cleaned["tenant"] == "acme"
    assert '"key_destroyed":"dataset-version/' in cleaned["details"]
    assert list((world.lab.settings.home / "storage").rglob(".staging/*")) == []
    recover_storage(world.lab)
    assert len(events(world.lab, "storage.recover")) == 1
