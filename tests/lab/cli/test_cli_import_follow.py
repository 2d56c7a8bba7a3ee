"""`lab import` while a server's worker is running: whoever claims the import, the command
follows it to its end and reports the result (it once printed `running` as an error)."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.context import Lab
from lab.imports.service import follow_import, run_import_item, submit_import
from lab.settings import Settings
from lab.work.handlers import HANDLERS
from lab.work.models import WorkItem
from lab.work.worker import Outcome, WorkContext, Worker
from tests.lab.cli.test_cli import TOKEN, run

SERVER_WORKER = "server-worker"


def _lab(home: Path) -> Lab:
    """A lab with tenant acme and its engineer `eng`, opened after they exist."""
    assert run(home, "init")[0] == 0
    assert run(home, "tenants", "create", "acme", "--name", "Acme")[0] == 0
    assert run(home, "users", "create", "eng", "--tenant", "acme", "--role", "engineer")[0] == 0
    return Lab.open(Settings(_env_file=None, home=home))  # type: ignore[call-arg]


def test_an_import_claimed_by_a_server_worker_is_followed_while_it_runs(tmp_path: Path) -> None:
    """The command's own path, step by step and without a race: the server's worker has
    claimed the import and is still running it when the command looks. The command's worker
    finds nothing to claim, and following waits for the end instead of failing."""
    home = tmp_path / "home"
    lab = _lab(home)
    engineer = Principal(user="eng", tenant="acme")
    release = threading.Event()
    running = threading.Event()

    def held(lab: Lab, ctx: WorkContext) -> Outcome:
        running.set()
        assert release.wait(60)
        return run_import_item(lab, ctx)

    try:
        item = submit_import(
            lab, engineer, Actor(engineer.user), tenant="acme", zone="sandbox",
            name="merchants", spec_text="source: {kind: synthetic, rows: 200}",
        )  # fmt: skip
        server = Worker(lab, {"import": held}, worker_id=SERVER_WORKER)
        claimed = threading.Thread(target=server.run_once, kwargs={"only": item.id})
        claimed.start()
        assert running.wait(60)
        handler = functools.partial(run_import_item, on_rows=None)
        assert Worker(lab, {"import": handler}).run_once(only=item.id) is None
        seen: list[str] = []
        threading.Timer(0.5, release.set).start()
        done = follow_import(
            lab, engineer, item.id, tenant="acme", zone="sandbox",
            on_progress=lambda now: seen.append(now.state),
        )  # fmt: skip
        claimed.join(60)
        assert done.state == "succeeded", done.message
        assert "running" in seen  # it was followed while running, not failed on sight
        with lab.read() as session:
            assert session.get(WorkItem, item.id).worker == SERVER_WORKER  # type: ignore[union-attr]
    finally:
        release.set()
        lab.close()


def test_the_command_reports_the_result_whoever_ran_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    lab = _lab(home)
    engineer = TOKEN.search(run(home, "tokens", "issue", "eng")[1]).group(0)  # type: ignore[union-attr]
    stop = threading.Event()
    server = Worker(lab, HANDLERS, worker_id=SERVER_WORKER)
    poller = threading.Thread(
        target=server.run_forever, args=(stop,), kwargs={"idle_seconds": 0.002}
    )
    poller.start()
    try:
        for attempt in range(3):
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
    finally:
        stop.set()
        poller.join(30)
        lab.close()
