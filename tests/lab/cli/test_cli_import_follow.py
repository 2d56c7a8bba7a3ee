"""`lab import` while a server's worker is running: whoever claims the import, the command
follows it to its end and reports the result (it once printed `running` as an error)."""

from __future__ import annotations

import threading
from pathlib import Path

from lab.context import Lab
from lab.settings import Settings
from lab.work.handlers import HANDLERS
from lab.work.models import WorkItem
from lab.work.worker import Worker
from tests.lab.cli.test_cli import TOKEN, run

SERVER_WORKER = "server-worker"


def test_an_import_a_server_worker_claimed_is_followed_to_its_end(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "init")[0] == 0
    assert run(home, "tenants", "create", "acme", "--name", "Acme")[0] == 0
    assert run(home, "users", "create", "eng", "--tenant", "acme", "--role", "engineer")[0] == 0
    engineer = TOKEN.search(run(home, "tokens", "issue", "eng")[1]).group(0)  # type: ignore[union-attr]
    lab = Lab.open(Settings(_env_file=None, home=home))  # type: ignore[call-arg]
    stop = threading.Event()
    server = Worker(lab, HANDLERS, worker_id=SERVER_WORKER)
    poller = threading.Thread(
        target=server.run_forever, args=(stop,), kwargs={"idle_seconds": 0.002}
    )
    poller.start()
    ran_by: list[str | None] = []
    try:
        # The poller claims within milliseconds, usually before the command's own worker;
        # a few tries make sure the server's worker ran at least one of them.
        for attempt in range(4):
            name = f"merchants{attempt}"
            code, out = run(
                home,
                *("import", "synthetic:200", "--tenant", "acme", "--dataset", name),
                LAB_TOKEN=engineer,
            )
            assert code == 0, out
            assert f"{name} v" in out and "k-anonymity" in out
            with lab.read() as session:
                item = session.query(WorkItem).filter(WorkItem.name == name).one()
                assert item.state == "succeeded"
                ran_by.append(item.worker)
            if SERVER_WORKER in ran_by:
                break
    finally:
        stop.set()
        poller.join(30)
        lab.close()
    assert SERVER_WORKER in ran_by
