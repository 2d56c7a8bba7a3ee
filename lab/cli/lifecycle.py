"""`lab init`, `lab serve`, `lab scheduler`, `lab migrate`: bring a lab into being and run it."""

from __future__ import annotations

from typing import Any

import typer
from rich.panel import Panel

from lab.cli.common import fail, handles_errors, open_lab
from lab.cli.output import console
from lab.errors import ConfigurationError
from lab.identity.service import initialise
from lab.keys.master import generate_master_key, write_master_key_file
from lab.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("serve")(serve)
    app.command("migrate")(migrate)
    app.command("scheduler")(scheduler)
    app.command("worker")(worker)


@handles_errors
def init(
    admin: str = typer.Option("administrator", help="Name of the first platform admin."),
) -> None:
    """Create the lab home, master key, metastore and first admin; print the admin's token.

    Safe to run again: an existing lab is left as it is (no new token is printed).
    """
    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    if settings.master_key is None and not settings.master_key_file.exists():
        write_master_key_file(settings.master_key_file, generate_master_key())
        console.print(f"master key written to [bold]{settings.master_key_file}[/] (mode 0600)")
    with open_lab(upgrade_schema=True) as lab:
        issued = initialise(lab, admin)
    if issued is None:
        console.print(f"lab at [bold]{settings.home}[/] is already initialised.")
        return
    console.print(f"lab initialised at [bold]{settings.home}[/] ({settings.metastore_url})")
    console.print(
        Panel(
            f"[bold]{issued.secret}[/]\n\nThis is the only time it is shown. Use it as\n"
            "Authorization: Bearer <token>",
            title=f"token of platform admin '{admin}'",
            expand=False,  # as wide as the token: piped output has no width to fill
        )
    )


WORKER_HEALTHCHECK_SECONDS = 120
"""How long the supervisor of several `lab serve` processes waits for one to answer."""


@handles_errors
def serve(
    host: str | None = typer.Option(None, help="Address to listen on [default: LAB_API_HOST]."),
    port: int | None = typer.Option(None, help="Port [default: LAB_API_PORT]."),
    with_scheduler: bool = typer.Option(
        True, "--scheduler/--no-scheduler", help="Run the destruction scheduler in-process."
    ),
) -> None:
    """Run the API (OpenAPI docs at /docs). Brings the metastore schema up to date first."""
    import uvicorn

    from lab.api import heap
    from lab.api.app import create_app, spool_uploads_privately
    from lab.context import Lab
    from lab.retention.recovery import recover_storage

    settings = Settings()
    try:
        lab = Lab.open(settings, upgrade_schema=True)
    except ConfigurationError as exc:
        raise fail(exc.message) from None
    recover_storage(lab)
    spool_uploads_privately(lab)
    housekeeping = None
    if with_scheduler:
        from lab.retention.scheduler import Housekeeper

        housekeeping = Housekeeper(lab).start_background()
    from lab.work.pool import WorkerPool

    pool = WorkerPool(lab, settings.workers).start()
    bind_host, bind_port = host or settings.api_host, port or settings.api_port
    console.print(
        f"lab API on [bold]http://{bind_host}:{bind_port}[/] "
        f"(docs: http://{bind_host}:{bind_port}/docs), home {settings.home}"
    )
    # Bounded, from the same setting that sized the thread and connection pools.
    limits: dict[str, Any] = {
        "limit_concurrency": settings.api_connection_limit,
        "backlog": settings.api_connection_limit,
        "access_log": settings.api_access_log,
    }
    try:
        if settings.api_processes == 1:
            app = create_app(lab)
            heap.settle()
            uvicorn.run(app, host=bind_host, port=bind_port, log_level="info", **limits)
        else:  # each process opens its own lab (`served_app`); this one keeps the workers
            uvicorn.run(
                "lab.api.app:served_app",
                factory=True,
                workers=settings.api_processes,
                host=bind_host,
                port=bind_port,
                log_level="info",
                # A process answers its supervisor's health check only once it has opened
                # its lab; on a busy machine that takes longer than uvicorn's 5 s, and a
                # process killed for it would be replaced by one killed the same way.
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                **limits,
            )
    finally:
        pool.shutdown()
        if housekeeping is not None:
            housekeeping.shutdown(wait=False)
        lab.close()


@handles_errors
def migrate() -> None:
    """Bring the metastore schema to the newest version."""
    with open_lab(upgrade_schema=True):
        console.print("metastore schema is up to date")


@handles_errors
def worker(
    threads: int = typer.Option(1, min=1, max=64, help="Jobs run at once by this process."),
) -> None:
    """Run jobs and imports from the queue, for deployments with several processes."""
    from lab.work.pool import WorkerPool

    with open_lab(upgrade_schema=True) as lab:
        pool = WorkerPool(lab, threads).start()
        console.print(f"worker running {threads} thread(s) (Ctrl-C stops)")
        try:
            while not pool.stop.wait(3600):
                pass
        except (KeyboardInterrupt, SystemExit):
            console.print("stopping: running jobs finish or fail, none is lost")
        finally:
            pool.shutdown(timeout=30)


@handles_errors
def scheduler() -> None:
    """Run the scheduler alone (destruction on schedule), for deployments of several
    processes; `lab serve` runs one inside by default."""
    from lab.retention.recovery import recover_storage
    from lab.retention.scheduler import Housekeeper

    with open_lab(upgrade_schema=True) as lab:
        recover_storage(lab)
        console.print(
            f"scheduler running every {lab.settings.scheduler_interval_seconds:g} s (Ctrl-C stops)"
        )
        try:
            Housekeeper(lab).run_forever()
        except (KeyboardInterrupt, SystemExit):
            console.print("scheduler stopped")
